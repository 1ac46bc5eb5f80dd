// Linked into the test programs that run twice (tests/CMakeLists.txt): with SOCKIT_IO_URING set
// (auto, on, off), the loops' sends take that path, as `--io-uring` makes the command's do.
#include <cstdlib>
#include <optional>

#include "sockit/server/send_path.hpp"

namespace {

const bool kChosen = [] {
  const char* path = std::getenv("SOCKIT_IO_URING");
  if (!path) return false;
  const auto parsed = sockit::server::parse_send_path(path);
  if (parsed) sockit::server::use_send_path(*parsed);
  return parsed.has_value();
}();

}  // namespace
