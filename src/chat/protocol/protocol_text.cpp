// Text rules of the chat protocol: well-formed UTF-8, and what a nickname or a room name may
// contain, decided code point by code point.
#include "sockit/chat/protocol/protocol.hpp"

namespace sockit::chat {
namespace {

constexpr std::size_t kMaxNameCodePoints = 32;

unsigned byte_at(std::string_view text, std::size_t i) noexcept {
  return static_cast<unsigned char>(text[i]);
}

// Length of the sequence a lead byte starts, 0 if it cannot start one (continuation bytes,
// the overlong leads C0 and C1, and F5..FF, past U+10FFFF).
std::size_t sequence_length(unsigned lead) noexcept {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

// The second byte's range depends on the lead: this rules out overlong forms, the UTF-16
// surrogates (ED A0..BF) and code points past U+10FFFF (F4 90..).
bool second_byte_fits(unsigned lead, unsigned second) noexcept {
  switch (lead) {
    case 0xe0:
      return second >= 0xa0 && second <= 0xbf;
    case 0xed:
      return second >= 0x80 && second <= 0x9f;
    case 0xf0:
      return second >= 0x90 && second <= 0xbf;
    case 0xf4:
      return second >= 0x80 && second <= 0x8f;
    default:
      return second >= 0x80 && second <= 0xbf;
  }
}

// Decodes the code point at text[i] into `cp` and moves i past it; false if the bytes there
// are not well-formed UTF-8.
bool decode(std::string_view text, std::size_t& i, char32_t& cp) noexcept {
  const unsigned lead = byte_at(text, i);
  const std::size_t length = sequence_length(lead);
  if (length == 0 || text.size() - i < length) return false;
  if (length > 1 && !second_byte_fits(lead, byte_at(text, i + 1))) return false;
  cp = length == 1 ? lead : lead & (0xffu >> (length + 1));
  for (std::size_t k = 1; k < length; ++k) {
    const unsigned next = byte_at(text, i + k);
    if ((next & 0xc0) != 0x80) return false;
    cp = (cp << 6) | (next & 0x3f);
  }
  i += length;
  return true;
}

// Calls visit(cp) for each code point; false on ill-formed UTF-8 or when visit says false.
template <typename Visit>
bool each_code_point(std::string_view text, Visit visit) {
  std::size_t i = 0;
  char32_t cp = 0;
  while (i < text.size()) {
    if (!decode(text, i, cp) || !visit(cp)) return false;
  }
  return true;
}

// C0, DEL, C1, and the bidi embedding/override/isolate controls (text that reorders what
// follows it on screen).
bool is_control(char32_t cp) noexcept {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

// Unicode's White_Space characters that are not controls.
bool is_space(char32_t cp) noexcept {
  return cp == 0x20 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

// Characters that print as nothing: soft hyphen, zero-width ones, marks, fillers, BOM.
bool is_invisible(char32_t cp) noexcept {
  return cp == 0xad || cp == 0x34f || cp == 0x61c || cp == 0x115f || cp == 0x1160 || cp == 0x180e ||
         (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2060 && cp <= 0x2064) || cp == 0x3164 ||
         cp == 0xfeff || cp == 0xffa0;
}

bool is_blank(char32_t cp) noexcept {
  return is_space(cp) || is_invisible(cp);
}

}  // namespace

bool valid_utf8(std::string_view text) noexcept {
  return each_code_point(text, [](char32_t) { return true; });
}

std::string_view trim_blank(std::string_view text) noexcept {
  std::size_t i = 0;
  std::size_t first = std::string_view::npos;
  std::size_t end = 0;
  char32_t cp = 0;
  while (i < text.size()) {
    const std::size_t at = i;
    if (!decode(text, i, cp)) return text;  // left whole, for valid_* to refuse
    if (is_blank(cp)) continue;
    if (first == std::string_view::npos) first = at;
    end = i;
  }
  return first == std::string_view::npos ? text.substr(0, 0) : text.substr(first, end - first);
}

bool valid_nickname(std::string_view nickname) noexcept {
  std::size_t count = 0;
  bool visible = false;
  const bool ok = each_code_point(nickname, [&](char32_t cp) {
    visible = visible || !is_blank(cp);
    return ++count <= kMaxNameCodePoints && !is_control(cp);
  });
  return ok && count >= 1 && visible;
}

bool valid_room(std::string_view room) noexcept {
  std::size_t count = 0;
  const bool ok = each_code_point(room, [&](char32_t cp) {
    return ++count <= kMaxNameCodePoints && !is_control(cp) && !is_blank(cp);
  });
  return ok && count >= 1;
}

}  // namespace sockit::chat
