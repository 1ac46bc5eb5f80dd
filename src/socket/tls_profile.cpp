#include "sockit/socket/tls_profile.hpp"

#include <string>

#include "sockit/core/error.hpp"

namespace sockit {

TlsProfile parse_tls_profile(std::string_view text) {
  if (text == "intermediate") return TlsProfile::intermediate;
  if (text == "modern") return TlsProfile::modern;
  throw parse_error("unknown TLS profile '" + std::string(text) +
                    "' (expected intermediate or modern)");
}

std::string_view to_string(TlsProfile profile) noexcept {
  switch (profile) {
    case TlsProfile::intermediate:
      return "intermediate";
    case TlsProfile::modern:
      return "modern";
  }
  return "unknown";
}

}  // namespace sockit
