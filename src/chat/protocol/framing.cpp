// JsonFramer: a brace counter that knows about JSON strings and escapes, with its scan state
// kept across feeds so that no byte is looked at twice.
#include "sockit/chat/protocol/framing.hpp"

#include <algorithm>
#include <utility>

namespace sockit::chat {
namespace {

using Status = JsonFramer::Result::Status;

constexpr std::size_t kCompactAfter = 4096;

bool is_json_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

JsonFramer::JsonFramer(std::size_t max_frame) : max_(max_frame) {}

void JsonFramer::feed(std::string_view bytes) {
  if (mode_ == Mode::failed) return;
  compact();
  buffer_.append(bytes);
}

JsonFramer::Result JsonFramer::next() {
  while (pos_ < buffer_.size()) {
    switch (mode_) {
      case Mode::between:
        if (skip_between()) return {Status::bad_json, {}};
        break;
      case Mode::garbage:
        skip_garbage();
        break;
      case Mode::object:
        if (auto result = scan_object()) return std::move(*result);
        break;
      case Mode::failed:
        return {};
    }
  }
  if (start_ == buffer_.size()) {  // all consumed: an idle connection holds no buffer
    buffer_.clear();
    buffer_.shrink_to_fit();
    start_ = pos_ = 0;
  }
  return {};
}

// Skips whitespace up to the next object. True when it met garbage instead (which it consumes
// one byte of, so that the run is reported once).
bool JsonFramer::skip_between() {
  while (pos_ < buffer_.size() && is_json_space(buffer_[pos_])) ++pos_;
  start_ = pos_;
  if (pos_ == buffer_.size()) return false;
  if (buffer_[pos_] == '{') {
    mode_ = Mode::object;
    return false;
  }
  mode_ = Mode::garbage;
  start_ = ++pos_;
  return true;
}

// Drops garbage up to and including the next '\n', or up to the next '{'.
void JsonFramer::skip_garbage() {
  const auto stop = buffer_.find_first_of("\n{", pos_);
  if (stop == std::string::npos) {
    pos_ = buffer_.size();
  } else {
    pos_ = buffer_[stop] == '\n' ? stop + 1 : stop;
    mode_ = Mode::between;
  }
  start_ = pos_;
}

// Scans the object that starts at start_, at most up to max_ bytes of it. A result once the
// object is complete or too large; nullopt when the buffer ran out first.
std::optional<JsonFramer::Result> JsonFramer::scan_object() {
  const std::size_t room = max_ - std::min(max_, pos_ - start_);
  const std::size_t end = pos_ + std::min(room, buffer_.size() - pos_);
  while (pos_ < end) {
    if (step(buffer_[pos_++])) return take_frame();
  }
  if (pos_ - start_ >= max_) return fail();
  return std::nullopt;
}

// Advances the scan state over one byte of an object; true when it closed the object.
bool JsonFramer::step(char c) noexcept {
  if (in_string_) {
    if (escaped_) {
      escaped_ = false;
    } else if (c == '\\') {
      escaped_ = true;
    } else if (c == '"') {
      in_string_ = false;
    }
    return false;
  }
  if (c == '"') {
    in_string_ = true;
  } else if (c == '{') {
    ++depth_;
  } else if (c == '}') {
    return --depth_ == 0;
  }
  return false;
}

JsonFramer::Result JsonFramer::take_frame() {
  Result result{Status::frame, buffer_.substr(start_, pos_ - start_)};
  start_ = pos_;
  mode_ = Mode::between;
  return result;
}

JsonFramer::Result JsonFramer::fail() {
  mode_ = Mode::failed;
  buffer_.clear();
  buffer_.shrink_to_fit();
  start_ = pos_ = 0;
  return {Status::too_large, {}};
}

// Frees the bytes already returned or skipped, once they are most of the buffer, so that the
// copying stays proportional to the bytes received.
void JsonFramer::compact() {
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = pos_ = 0;
  } else if (start_ >= kCompactAfter && start_ * 2 >= buffer_.size()) {
    buffer_.erase(0, start_);
    pos_ -= start_;
    start_ = 0;
  }
}

}  // namespace sockit::chat
