// Range, conditional headers and HTTP dates of `sockit http serve`: every range it serves is
// inside the file, in ascending order, none touching the next; a multipart body is as long as
// it says.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "sockit/http/files.hpp"
#include "sockit/http/preconditions.hpp"
#include "sockit/http/ranges.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sockit::http;
  if (size < 8) return 0;
  std::uint64_t file_size = 0;
  std::memcpy(&file_size, data, 8);
  file_size %= 1ULL << 40;
  const std::string_view header(reinterpret_cast<const char*>(data) + 8, size - 8);
  const RangeSet set = parse_ranges(header, file_size);
  if (set.unsatisfiable && !set.ranges.empty()) __builtin_trap();
  for (std::size_t i = 0; i < set.ranges.size(); ++i) {
    const auto& r = set.ranges[i];
    if (r.first > r.last || r.last >= file_size) __builtin_trap();
    if (i > 0 && r.first <= set.ranges[i - 1].last + 1) __builtin_trap();
  }
  if (set.ranges.size() > kMaxRanges) __builtin_trap();
  const auto body = multipart_byteranges(set.ranges, file_size, "text/plain", "b");
  std::uint64_t expected = body.close.size();
  for (const auto& p : body.parts) expected += p.head.size() + p.range.length();
  if (body.length() != expected) __builtin_trap();
  const auto etag = make_etag(file_size, 1);
  Conditions c;
  c.if_match = c.if_none_match = c.if_range = c.if_modified_since = {header};
  c.has_range = true;
  (void)evaluate_preconditions(c, Validators{etag, 1});
  (void)etag_list_contains({header}, etag, EtagCompare::weak);
  if (const auto when = parse_http_date(header)) (void)http_date(*when);
  return 0;
}
