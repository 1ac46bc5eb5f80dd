// Address text: IPv4/IPv6/networks (sockit ip), endpoints (every ADDR flag) and ports. What
// parses must print back to text that parses to the same value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sockit/core/error.hpp"
#include "sockit/core/ip.hpp"
#include "sockit/socket/endpoint.hpp"

namespace {

template <class T>
void round_trip(std::string_view text) {
  try {
    const T value = T::parse(text);
    if (!(T::parse(value.to_string()) == value)) __builtin_trap();
  } catch (const sockit::parse_error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sockit;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  round_trip<ip::Ipv4>(text);
  round_trip<ip::Ipv6>(text);
  round_trip<ip::Address>(text);
  try {
    (void)ip::Network::parse(text).to_string();
  } catch (const parse_error&) {
  }
  try {
    (void)Endpoint::parse(text, 8000).to_string();
  } catch (const parse_error&) {
  }
  try {
    (void)parse_port(text);
  } catch (const parse_error&) {
  }
  return 0;
}
