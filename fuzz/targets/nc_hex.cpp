// `sockit nc --hex` input: what parses dumps and parses back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sockit/core/error.hpp"
#include "sockit/nc/hex.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const std::string bytes = sockit::nc::parse_hex(text);
    std::string again;
    for (const unsigned char c : bytes) {
      static constexpr char kDigits[] = "0123456789abcdef";
      again += kDigits[c >> 4];
      again += kDigits[c & 15];
      again += ' ';
    }
    if (sockit::nc::parse_hex(again) != bytes) __builtin_trap();
    (void)sockit::nc::hex_dump(bytes, '>', 0);
  } catch (const sockit::parse_error&) {
  }
  return 0;
}
