#include "text.hpp"

#include "sockit/nc/hex.hpp"

namespace sockit::nc {

std::string to_crlf(std::string_view data) {
  std::string out;
  out.reserve(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) out += '\r';
    out += data[i];
  }
  return out;
}

std::string prefix_lines(LineFramer& framer, std::string_view data, const std::string& prefix) {
  framer.feed(data);
  std::string out;
  while (auto line = framer.next()) {
    if (!line->too_long) out.append(prefix).append(line->text).append("\n");
  }
  return out;
}

std::string HexLines::feed(std::string_view text) {
  pending_ += text;
  const auto nl = pending_.rfind('\n');
  if (nl == std::string::npos) return {};
  const std::string lines = pending_.substr(0, nl + 1);
  pending_.erase(0, nl + 1);
  return parse_hex(lines);
}

std::string HexLines::finish() {
  if (pending_.empty()) return {};
  return feed("\n");
}

}  // namespace sockit::nc
