// LineFramer: lines across arbitrary splits, CRLF, the quiet flush, overlong lines.
#include <gtest/gtest.h>

#include "sockit/core/line_framer.hpp"

namespace sockit {
namespace {

std::vector<std::string> texts(LineFramer& f) {
  std::vector<std::string> out;
  while (auto line = f.next()) out.push_back(line->too_long ? "<too long>" : line->text);
  return out;
}

TEST(LineFramer, SplitsLinesWhateverTheChunks) {
  const std::string stream = "one\r\ntwo\n\nthree\n";
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    SCOPED_TRACE(cut);
    LineFramer f(100);
    f.feed(stream.substr(0, cut));
    auto got = texts(f);
    f.feed(stream.substr(cut));
    for (auto& t : texts(f)) got.push_back(t);
    EXPECT_EQ(got, (std::vector<std::string>{"one", "two", "", "three"}));
    EXPECT_EQ(f.pending(), 0u);
  }
}

TEST(LineFramer, FlushTakesAnUnterminatedLine) {
  LineFramer f(100);
  f.feed("西瓜");
  EXPECT_FALSE(f.next());
  auto line = f.flush();
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text, "西瓜");
  EXPECT_FALSE(f.flush());
}

TEST(LineFramer, OverlongLinesAreReportedOnceAndSkipped) {
  LineFramer f(8);
  f.feed("0123456789");  // past the limit with no newline yet
  EXPECT_EQ(texts(f), (std::vector<std::string>{"<too long>"}));
  EXPECT_LE(f.pending(), 8u);  // nothing of it is kept
  f.feed("more of it\nok\n");
  EXPECT_EQ(texts(f), (std::vector<std::string>{"ok"}));
  f.feed("123456789\nfine\n");  // over the limit but complete in one piece
  EXPECT_EQ(texts(f), (std::vector<std::string>{"<too long>", "fine"}));
  f.feed("12345678\r\n");  // exactly the limit, with CRLF
  EXPECT_EQ(texts(f), (std::vector<std::string>{"12345678"}));
}

}  // namespace
}  // namespace sockit
