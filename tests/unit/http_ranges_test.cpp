// Range sets (RFC 9110 §14.1-14.2) and multipart/byteranges bodies (§14.6), without sockets.
#include <gtest/gtest.h>

#include <vector>

#include "sockit/http/ranges.hpp"

namespace sockit::http {
namespace {

using Ranges = std::vector<ByteRange>;

TEST(HttpRanges, OneRangeInItsForms) {
  EXPECT_EQ(parse_ranges("bytes=2-5", 20).ranges, (Ranges{{2, 5}}));
  EXPECT_EQ(parse_ranges("bytes=15-", 20).ranges, (Ranges{{15, 19}}));
  EXPECT_EQ(parse_ranges("bytes=-3", 20).ranges, (Ranges{{17, 19}}));
  EXPECT_EQ(parse_ranges("bytes=-300", 20).ranges, (Ranges{{0, 19}}));
  EXPECT_EQ(parse_ranges("bytes=10-999", 20).ranges, (Ranges{{10, 19}}));
  EXPECT_EQ(parse_ranges("Bytes = 2-5 ", 20).ranges, (Ranges{{2, 5}}));  // unit is case-insensitive
}

TEST(HttpRanges, IgnoredWhenMalformed) {
  for (const char* header :
       {"", "items=0-1", "bytes=", "bytes=,", "bytes=a-b", "bytes=5-2", "bytes=1", "bytes=--1",
        "bytes=0-1,x", "bytes=0-1,5-2", "bytes=+1-2", "bytes=0x1-2"}) {
    const auto set = parse_ranges(header, 20);
    EXPECT_TRUE(set.ranges.empty()) << header;
    EXPECT_FALSE(set.unsatisfiable) << header;
  }
}

TEST(HttpRanges, UnsatisfiableWhenNoRangeIsInTheFile) {
  EXPECT_TRUE(parse_ranges("bytes=20-", 20).unsatisfiable);
  EXPECT_TRUE(parse_ranges("bytes=-0", 20).unsatisfiable);
  EXPECT_TRUE(parse_ranges("bytes=0-", 0).unsatisfiable);
  EXPECT_TRUE(parse_ranges("bytes=-5", 0).unsatisfiable);
  EXPECT_TRUE(parse_ranges("bytes=30-40,25-", 20).unsatisfiable);
  const auto some = parse_ranges("bytes=30-40,1-2", 20);  // those outside are dropped
  EXPECT_FALSE(some.unsatisfiable);
  EXPECT_EQ(some.ranges, (Ranges{{1, 2}}));
}

TEST(HttpRanges, SeveralAreSortedAndOverlappingOrAdjacentOnesJoined) {
  EXPECT_EQ(parse_ranges("bytes=0-1,4-5", 20).ranges, (Ranges{{0, 1}, {4, 5}}));
  EXPECT_EQ(parse_ranges("bytes=10-12,0-1", 20).ranges, (Ranges{{0, 1}, {10, 12}}));
  EXPECT_EQ(parse_ranges("bytes=0-4,3-8", 20).ranges, (Ranges{{0, 8}}));  // overlapping
  EXPECT_EQ(parse_ranges("bytes=0-4,5-8", 20).ranges, (Ranges{{0, 8}}));  // adjacent
  EXPECT_EQ(parse_ranges("bytes=0-9,2-3", 20).ranges, (Ranges{{0, 9}}));  // inside
  EXPECT_EQ(parse_ranges("bytes=0-0,-1,0-0", 20).ranges, (Ranges{{0, 0}, {19, 19}}));
  EXPECT_EQ(parse_ranges("bytes= 0-1 , , 4-5 ,", 20).ranges,
            (Ranges{{0, 1}, {4, 5}}));  // empty elements
}

TEST(HttpRanges, MoreThanTheLimitIsIgnored) {
  std::string header = "bytes=0-0";
  for (int i = 1; i < 16; ++i) header += "," + std::to_string(2 * i) + "-" + std::to_string(2 * i);
  EXPECT_EQ(parse_ranges(header, 100).ranges.size(), 16u);
  header += ",90-91";
  const auto set = parse_ranges(header, 100);
  EXPECT_TRUE(set.ranges.empty());
  EXPECT_FALSE(set.unsatisfiable);
  EXPECT_EQ(parse_ranges("bytes=0-0,2-2,4-4", 100, 2).ranges.size(), 0u);
}

TEST(HttpRanges, MultipartBodyOfTwoRanges) {
  const Ranges ranges{{0, 1}, {4, 5}};
  const auto body = multipart_byteranges(ranges, 20, "text/plain; charset=utf-8", "B0UND");
  ASSERT_EQ(body.parts.size(), 2u);
  EXPECT_EQ(body.parts[0].head,
            "\r\n--B0UND\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes "
            "0-1/20\r\n\r\n");
  EXPECT_EQ(body.parts[1].range, (ByteRange{4, 5}));
  EXPECT_EQ(body.close, "\r\n--B0UND--\r\n");
  const auto text = multipart_body(body, "0123456789abcdefghij");
  EXPECT_EQ(text,
            "\r\n--B0UND\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes "
            "0-1/20\r\n\r\n01"
            "\r\n--B0UND\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes "
            "4-5/20\r\n\r\n45"
            "\r\n--B0UND--\r\n");
  EXPECT_EQ(body.length(), text.size());
}

}  // namespace
}  // namespace sockit::http
