// Internal: the ways nc reshapes what it sends — CRLF line ends (-C), nickname prefixes
// (--chat) and hex text read line by line (--hex-send). Pure, apart from the state each
// object keeps between calls.
#pragma once

#include <string>
#include <string_view>

#include "sockit/core/line_framer.hpp"

namespace sockit::nc {

/// Every "\n" not already after "\r" becomes "\r\n". Pure.
std::string to_crlf(std::string_view data);

/// The complete lines of the text fed so far, each with `prefix` (lines longer than the
/// framer's limit are dropped). Not thread safe.
std::string prefix_lines(LineFramer& framer, std::string_view data, const std::string& prefix);

/// Hex text arriving in pieces: decodes whole lines only. Not thread safe.
class HexLines {
 public:
  /// The bytes of the lines completed by `text`. Throws parse_error (nothing of those
  /// lines is returned).
  std::string feed(std::string_view text);
  /// The bytes of a last line with no newline. Throws parse_error.
  std::string finish();
  bool pending() const noexcept { return !pending_.empty(); }

 private:
  std::string pending_;
};

}  // namespace sockit::nc
