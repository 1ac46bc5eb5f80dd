// Range requests of the static web server (RFC 9110 §14): the byte ranges a Range header asks
// of a file, and the multipart/byteranges body that carries several. Pure; fuzzable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sockit::http {

/// The bytes [first, last] of a file. Value type.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t length() const noexcept { return last - first + 1; }
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

/// What a Range header asks of a file. Value type.
struct RangeSet {
  /// The satisfiable ranges in ascending order, overlapping and adjacent ones joined; empty
  /// when the header is to be ignored (the whole file, 200).
  std::vector<ByteRange> ranges;
  bool unsatisfiable = false;  ///< none of them is in the file: 416
};

/// nginx's default max_ranges: a header asking for more ranges than this is ignored.
inline constexpr std::size_t kMaxRanges = 16;

/// The ranges `header` ("bytes=0-99,200-,-50") asks of a file of `size` bytes. A header that
/// is not a valid "bytes" range set, or names more than `max_ranges` ranges, is ignored (RFC
/// 9110 §14.2 lets a server ignore Range); ranges past the end are dropped. Pure.
RangeSet parse_ranges(std::string_view header, std::uint64_t size,
                      std::size_t max_ranges = kMaxRanges);

/// One part of a multipart/byteranges body: its delimiter and headers, then its range.
struct BodyPart {
  std::string head;  ///< CRLF "--boundary" CRLF Content-Type, Content-Range, CRLF CRLF
  ByteRange range;
};

/// A multipart/byteranges body (RFC 9110 §14.6): each part's head and the file range it
/// carries, then the closing delimiter. Value type.
struct Byteranges {
  std::vector<BodyPart> parts;
  std::string close;                      ///< CRLF "--boundary--" CRLF
  std::uint64_t length() const noexcept;  ///< the Content-Length of the whole body
};

/// The body for `ranges` of a file of `size` bytes with Content-Type `type`, delimited by
/// `boundary` (1-70 characters, RFC 2046 §5.1.1; the caller makes it unlikely to occur in the
/// file). Pure.
Byteranges multipart_byteranges(std::span<const ByteRange> ranges, std::uint64_t size,
                                std::string_view type, std::string_view boundary);

/// The whole body in memory, for a file held in memory (`file`, the whole file). Pure.
std::string multipart_body(const Byteranges& body, std::string_view file);

}  // namespace sockit::http
