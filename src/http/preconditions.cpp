// RFC 9110 §13: conditional requests.
#include "sockit/http/preconditions.hpp"

#include "ows.hpp"
#include "sockit/http/files.hpp"

namespace sockit::http {
namespace {

struct Tag {
  bool weak = false;
  std::string_view opaque;  ///< with its quotes
};

// etagc (RFC 9110 §8.8.3): any visible character but DQUOTE, or obs-text.
bool is_etagc(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u != 0x7f);
}

// The entity tag at the start of `s`, which is advanced past it; nullopt if there is none.
std::optional<Tag> take_tag(std::string_view& s) {
  Tag tag;
  if (s.starts_with("W/")) {
    tag.weak = true;
    s.remove_prefix(2);
  }
  if (s.empty() || s.front() != '"') return std::nullopt;
  std::size_t end = 1;
  while (end < s.size() && s[end] != '"') {
    if (!is_etagc(s[end])) return std::nullopt;
    ++end;
  }
  if (end == s.size()) return std::nullopt;
  tag.opaque = s.substr(0, end + 1);
  s.remove_prefix(end + 1);
  return tag;
}

bool same(const Tag& a, const Tag& b, EtagCompare how) {
  return a.opaque == b.opaque && (how == EtagCompare::weak || (!a.weak && !b.weak));
}

// One field line of #entity-tag (empty elements allowed): whether it is well formed, and
// whether it holds `want`.
bool scan_line(std::string_view line, const Tag& want, EtagCompare how, bool& found) {
  for (;;) {
    while (!line.empty() && (is_ows(line.front()) || line.front() == ',')) line.remove_prefix(1);
    if (line.empty()) return true;
    const auto tag = take_tag(line);
    if (!tag) return false;
    found = found || same(*tag, want, how);
    line = trim_ows(line);
    if (!line.empty() && line.front() != ',') return false;
  }
}

// The one valid HTTP-date the field holds; nullopt when absent, repeated or invalid.
std::optional<std::int64_t> one_date(const std::vector<std::string_view>& lines) {
  if (lines.size() != 1) return std::nullopt;
  return parse_http_date(trim_ows(lines.front()));
}

// If-Range (§13.1.5): a strong match of one entity tag, or the Last-Modified date exactly.
bool if_range_holds(const std::vector<std::string_view>& lines, const Validators& current) {
  if (lines.size() != 1) return false;
  auto value = trim_ows(lines.front());
  if (value.starts_with('"') || value.starts_with("W/")) {
    const auto tag = take_tag(value);
    auto ours = current.etag;
    const auto mine = take_tag(ours);
    return tag && mine && value.empty() && same(*tag, *mine, EtagCompare::strong);
  }
  const auto date = parse_http_date(value);
  return date && current.last_modified && *date == *current.last_modified;
}

}  // namespace

bool is_any(const std::vector<std::string_view>& lines) {
  return lines.size() == 1 && trim_ows(lines.front()) == "*";
}

bool etag_list_contains(const std::vector<std::string_view>& lines, std::string_view etag,
                        EtagCompare how) {
  auto ours = etag;
  const auto want = take_tag(ours);
  if (!want || !ours.empty()) return false;
  bool found = false;
  for (const auto line : lines) {
    if (!scan_line(line, *want, how, found)) return false;
  }
  return found;
}

Verdict evaluate_preconditions(const Conditions& c, const Validators& v) {
  if (!c.if_match.empty()) {  // step 1
    if (!is_any(c.if_match) && !etag_list_contains(c.if_match, v.etag, EtagCompare::strong)) {
      return Verdict::precondition_failed;
    }
  } else if (const auto since = one_date(c.if_unmodified_since)) {  // step 2
    if (v.last_modified && *v.last_modified > *since) return Verdict::precondition_failed;
  }
  if (!c.if_none_match.empty()) {  // step 3
    if (is_any(c.if_none_match) || etag_list_contains(c.if_none_match, v.etag, EtagCompare::weak)) {
      return c.get_or_head ? Verdict::not_modified : Verdict::precondition_failed;
    }
  } else if (const auto since = one_date(c.if_modified_since); since && c.get_or_head) {  // step 4
    if (v.last_modified && *v.last_modified <= *since) return Verdict::not_modified;
  }
  if (c.has_range && !c.if_range.empty() && !if_range_holds(c.if_range, v)) {  // step 5
    return Verdict::ignore_range;
  }
  return Verdict::proceed;
}

}  // namespace sockit::http
