#include "sockit/nc/hex.hpp"

#include <fmt/core.h>

#include "sockit/core/error.hpp"

namespace sockit::nc {
namespace {

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool separator(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' || c == '-'; }

void dump_line(std::string& out, std::string_view row, char marker, std::uint64_t offset) {
  out += fmt::format("{} {:08x}  ", marker, offset);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i < row.size()) {
      out += fmt::format("{:02x} ", static_cast<unsigned char>(row[i]));
    } else {
      out += "   ";
    }
    if (i == 7) out += ' ';
  }
  out += " |";
  for (const char c : row) out += (c >= 0x20 && c < 0x7f) ? c : '.';
  out += "|\n";
}

}  // namespace

std::string hex_dump(std::string_view bytes, char marker, std::uint64_t offset) {
  std::string out;
  for (std::size_t at = 0; at < bytes.size(); at += 16) {
    dump_line(out, bytes.substr(at, 16), marker, offset + at);
  }
  return out;
}

std::string parse_hex(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (separator(text[i])) {
      ++i;
      continue;
    }
    if (text[i] == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
      i += 2;
    }
    const int high = i < text.size() ? digit_value(text[i]) : -1;
    const int low = i + 1 < text.size() ? digit_value(text[i + 1]) : -1;
    if (high < 0 || low < 0) {
      const std::size_t bad = high < 0 ? i : i + 1;
      if (bad >= text.size()) throw parse_error("odd number of hex digits at the end");
      throw parse_error(fmt::format("bad hex character '{}' at position {}",
                                    text[bad] == '\0' ? std::string("\\0") : std::string(1, text[bad]),
                                    bad + 1));
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

}  // namespace sockit::nc
