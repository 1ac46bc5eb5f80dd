// Range sets and multipart/byteranges bodies.
#include "sockit/http/ranges.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include <fmt/core.h>
#include <boost/beast/core/string.hpp>

#include "ows.hpp"

namespace sockit::http {
namespace {

bool parse_u64(std::string_view s, std::uint64_t& v) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && p == s.data() + s.size();
}

// One range-spec (RFC 9110 §14.1.1). nullopt: malformed, so the whole header is ignored; an
// empty range (first > last): well formed but outside the file.
std::optional<ByteRange> parse_spec(std::string_view spec, std::uint64_t size) {
  constexpr ByteRange kOutside{1, 0};
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto a = spec.substr(0, dash), b = spec.substr(dash + 1);
  std::uint64_t first = 0, last = 0;
  if (a.empty()) {  // suffix-range: the last N bytes
    if (!parse_u64(b, last)) return std::nullopt;
    if (last == 0 || size == 0) return kOutside;
    return ByteRange{size - std::min(last, size), size - 1};
  }
  if (!parse_u64(a, first)) return std::nullopt;
  if (b.empty()) {
    last = size ? size - 1 : 0;
  } else if (!parse_u64(b, last) || last < first) {
    return std::nullopt;  // last < first makes the int-range invalid (§14.1.1)
  }
  if (first >= size) return kOutside;
  return ByteRange{first, std::min(last, size - 1)};
}

// Sorted, then each range that overlaps or touches the one before joins it.
std::vector<ByteRange> coalesce(std::vector<ByteRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& x, const ByteRange& y) { return x.first < y.first; });
  std::vector<ByteRange> out;
  for (const auto& r : ranges) {
    if (!out.empty() && r.first <= out.back().last + 1) {
      out.back().last = std::max(out.back().last, r.last);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace

RangeSet parse_ranges(std::string_view header, std::uint64_t size, std::size_t max_ranges) {
  const auto eq = header.find('=');
  if (eq == std::string_view::npos || !boost::beast::iequals(trim_ows(header.substr(0, eq)), "bytes"))
    return {};
  std::vector<ByteRange> wanted;
  std::size_t specs = 0;
  auto rest = header.substr(eq + 1);
  while (true) {  // a #range-spec list: empty elements allowed, at least one spec
    const auto comma = rest.find(',');
    const auto spec = trim_ows(rest.substr(0, comma));
    if (!spec.empty()) {
      if (++specs > max_ranges) return {};
      const auto range = parse_spec(spec, size);
      if (!range) return {};
      if (range->first <= range->last) wanted.push_back(*range);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (specs == 0) return {};
  if (wanted.empty()) return {{}, true};
  return {coalesce(std::move(wanted)), false};
}

std::uint64_t Byteranges::length() const noexcept {
  std::uint64_t n = close.size();
  for (const auto& p : parts) n += p.head.size() + p.range.length();
  return n;
}

Byteranges multipart_byteranges(std::span<const ByteRange> ranges, std::uint64_t size,
                                std::string_view type, std::string_view boundary) {
  Byteranges body;
  body.parts.reserve(ranges.size());
  for (const auto& r : ranges) {
    body.parts.push_back(
        {fmt::format("\r\n--{}\r\nContent-Type: {}\r\nContent-Range: bytes {}-{}/{}\r\n\r\n",
                     boundary, type, r.first, r.last, size),
         r});
  }
  body.close = fmt::format("\r\n--{}--\r\n", boundary);
  return body;
}

std::string multipart_body(const Byteranges& body, std::string_view file) {
  std::string out;
  out.reserve(static_cast<std::size_t>(body.length()));
  for (const auto& p : body.parts) {
    out += p.head;
    out += file.substr(static_cast<std::size_t>(p.range.first),
                       static_cast<std::size_t>(p.range.length()));
  }
  out += body.close;
  return out;
}

}  // namespace sockit::http
