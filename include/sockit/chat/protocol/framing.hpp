// JsonFramer: splits a TCP byte stream into top-level JSON objects, whether they are separated
// by newlines, by other whitespace or by nothing at all (the seed's client sends json.dumps(...)
// back to back). It only finds where each object ends; parsing is parse_request's job.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sockit::chat {

/// Not thread safe (one per connection). Pure: no I/O, so any transport or fuzzer can feed it.
///
/// Every byte is scanned once, whatever the size of the pieces it arrives in. Outside an
/// object only JSON whitespace (space, tab, CR, LF) is expected; anything else is garbage,
/// reported once per run as bad_json and skipped up to the next '\n' (dropped) or '{' (kept),
/// after which framing resumes. An object longer than max_frame bytes is reported once as
/// too_large; the framer then fails for good: feed drops its bytes and next says need_more.
class JsonFramer {
 public:
  /// What next found.
  struct Result {
    enum class Status {
      frame,      ///< `frame` holds one complete object, byte for byte as received.
      need_more,  ///< No complete object yet; feed more bytes.
      too_large,  ///< An object passed max_frame; answer frame_too_large and close.
      bad_json,   ///< Garbage between objects was skipped; answer bad_json, keep going.
    };
    Status status = Status::need_more;
    std::string frame;  ///< Empty unless status == frame.
  };

  /// `max_frame`: the longest object accepted, in bytes, braces included.
  explicit JsonFramer(std::size_t max_frame = 65536);

  /// Appends received bytes (dropped once the framer has failed).
  void feed(std::string_view bytes);
  /// The next frame or event; call until it says need_more (then, with nothing pending, the
  /// framer holds no buffer).
  Result next();
  /// Bytes received and not yet returned or skipped.
  std::size_t pending() const noexcept { return buffer_.size() - start_; }
  /// True once too_large was reported.
  bool failed() const noexcept { return mode_ == Mode::failed; }

 private:
  enum class Mode { between, object, garbage, failed };

  bool skip_between();
  void skip_garbage();
  std::optional<Result> scan_object();
  bool step(char c) noexcept;
  Result take_frame();
  Result fail();
  void compact();

  std::string buffer_;
  std::size_t start_ = 0;  // first byte not yet returned or skipped
  std::size_t pos_ = 0;    // first byte not yet scanned
  std::size_t max_;
  std::size_t depth_ = 0;  // open braces of the current object
  bool in_string_ = false;
  bool escaped_ = false;  // the previous byte in a string was an unescaped backslash
  Mode mode_ = Mode::between;
};

}  // namespace sockit::chat
