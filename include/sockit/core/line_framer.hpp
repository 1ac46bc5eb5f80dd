// LineFramer: splits a byte stream into '\n'-terminated lines, refusing lines over a limit
// without ever buffering more than the limit. Pure; fed by any transport.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sockit {

/// Not thread safe (one per connection).
class LineFramer {
 public:
  /// A line without its "\n" or "\r\n"; `too_long` marks a line that passed the limit (its
  /// text is empty and the rest of it, up to the next '\n', is skipped).
  struct Line {
    std::string text;
    bool too_long = false;
  };

  explicit LineFramer(std::size_t max_line = 65536) : max_(max_line) {}

  /// Appends received bytes.
  void feed(std::string_view bytes);
  /// The next complete line, if any.
  std::optional<Line> next();
  /// Takes whatever is pending without a '\n' as a line (for peers that send a message with
  /// no newline and wait for an answer, as the tutorials' clients do). nullopt when empty.
  std::optional<Line> flush();
  /// Bytes received and not yet returned.
  std::size_t pending() const noexcept { return buffer_.size() - start_; }

 private:
  std::string buffer_;
  std::size_t start_ = 0;    // first byte not yet returned
  std::size_t scanned_ = 0;  // bytes after start_ known to hold no '\n'
  bool skipping_ = false;    // inside an overlong line, dropping bytes until '\n'
  std::size_t max_;
};

}  // namespace sockit
