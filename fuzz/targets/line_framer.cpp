// The line framer the echo, talk and shop servers read with, fed in pieces the input picks.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sockit/core/line_framer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  sockit::LineFramer framer(64 + data[0]);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::size_t piece = 1 + data[0] % 17;
  std::size_t total = 0;
  while (!rest.empty()) {
    const auto part = rest.substr(0, piece);
    rest.remove_prefix(part.size());
    framer.feed(part);
    while (const auto line = framer.next()) total += line->text.size();
    piece = piece * 3 % 61 + 1;
  }
  if (const auto last = framer.flush()) total += last->text.size();
  if (total > size) __builtin_trap();  // a line can only hold bytes that were fed
  return 0;
}
