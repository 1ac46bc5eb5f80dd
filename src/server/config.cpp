#include "sockit/server/config.hpp"

#include <string>

#include "sockit/core/error.hpp"

namespace sockit::server {

Model parse_model(std::string_view text) {
  if (text == "sequential") return Model::sequential;
  if (text == "threading") return Model::threading;
  if (text == "forking") return Model::forking;
  if (text == "async") return Model::async;
  throw parse_error("unknown model '" + std::string(text) +
                    "' (expected sequential, threading, forking or async)");
}

std::string_view to_string(Model model) noexcept {
  switch (model) {
    case Model::sequential:
      return "sequential";
    case Model::threading:
      return "threading";
    case Model::forking:
      return "forking";
    case Model::async:
      return "async";
  }
  return "unknown";
}

}  // namespace sockit::server
