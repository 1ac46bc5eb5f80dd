// `sockit http get`'s URLs and redirects: the command line's URL, then a Location header
// resolved against it (the input's two lines). What it connects to always has a host, a port
// and an origin-form target.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/url_target.hpp"
#include "sockit/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sockit::http;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto newline = text.find('\n');
  try {
    auto url = parse_get_url(text.substr(0, newline));
    if (newline != std::string_view::npos) url = follow_location(url, text.substr(newline + 1));
    const UrlTarget t = url_target(url);
    if (t.host.empty() || t.port.empty() || t.target.empty()) __builtin_trap();
    if (t.target[0] != '/') __builtin_trap();
  } catch (const sockit::parse_error&) {
  }
  return 0;
}
