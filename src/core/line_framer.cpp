#include "sockit/core/line_framer.hpp"

namespace sockit {
namespace {

std::string strip_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return std::string(line);
}

}  // namespace

void LineFramer::feed(std::string_view bytes) {
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > 4096 && start_ * 2 > buffer_.size()) {
    buffer_.erase(0, start_);  // compact once most of the buffer is consumed
    start_ = 0;
  }
  buffer_.append(bytes);
}

std::optional<LineFramer::Line> LineFramer::next() {
  for (;;) {
    const std::string_view rest(buffer_.data() + start_, buffer_.size() - start_);
    const auto nl = rest.find('\n', scanned_);
    if (nl == std::string_view::npos) {
      scanned_ = rest.size();
      if (skipping_ || rest.size() > max_) {
        const bool first = !skipping_;
        skipping_ = true;
        start_ = buffer_.size();  // drop the overlong part; keep nothing
        scanned_ = 0;
        if (first) return Line{{}, true};
      }
      return std::nullopt;
    }
    start_ += nl + 1;
    scanned_ = 0;
    if (skipping_) {
      skipping_ = false;  // the overlong line ends here; it was reported already
      continue;
    }
    const std::string_view line = rest.substr(0, nl);
    if (line.size() > max_ + 1) return Line{{}, true};  // +1: a '\r' before '\n' is not content
    auto text = strip_cr(line);
    if (text.size() > max_) return Line{{}, true};
    return Line{std::move(text), false};
  }
}

std::optional<LineFramer::Line> LineFramer::flush() {
  if (auto line = next()) return line;
  if (skipping_ || pending() == 0) return std::nullopt;
  std::string text = strip_cr(std::string_view(buffer_.data() + start_, pending()));
  start_ = buffer_.size();
  scanned_ = 0;
  return Line{std::move(text), false};
}

}  // namespace sockit
