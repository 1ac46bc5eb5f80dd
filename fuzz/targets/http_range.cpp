// Range, If-None-Match and HTTP dates of `sockit http serve`: a range it serves is inside the
// file.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "sockit/http/files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sockit::http;
  if (size < 8) return 0;
  std::uint64_t file_size = 0;
  std::memcpy(&file_size, data, 8);
  file_size %= 1ULL << 40;
  const std::string_view header(reinterpret_cast<const char*>(data) + 8, size - 8);
  const RangeResult r = parse_range(header, file_size);
  if (r.range && (r.range->first > r.range->last || r.range->last >= file_size)) __builtin_trap();
  (void)etag_matches(header, make_etag(file_size, 1));
  if (const auto when = parse_http_date(header)) (void)http_date(*when);
  return 0;
}
