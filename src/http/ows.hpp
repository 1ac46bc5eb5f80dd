// Internal: optional whitespace of HTTP field values (RFC 9110 §5.6.3: spaces and tabs).
#pragma once

#include <string_view>

namespace sockit::http {

inline bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

/// `s` without the optional whitespace at either end. Pure.
inline std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace sockit::http
