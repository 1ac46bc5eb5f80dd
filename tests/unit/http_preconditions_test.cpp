// Conditional requests (RFC 9110 §13.1, §13.2.2) and HTTP dates, without sockets.
#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "sockit/http/files.hpp"
#include "sockit/http/preconditions.hpp"

namespace sockit::http {
namespace {

constexpr std::string_view kEtag = "\"3e8-17\"";
constexpr std::int64_t kModified = 1'700'000'000;  // Tue, 14 Nov 2023 22:13:20 GMT
const Validators kCurrent{kEtag, kModified};

// A date as a field value; Conditions holds views, so the text is kept for the whole run.
std::string_view date(std::int64_t t) {
  static std::deque<std::string> kept;
  return kept.emplace_back(http_date(t));
}

Verdict eval(Conditions c) {
  return evaluate_preconditions(c, kCurrent);
}

TEST(HttpPreconditions, NoConditionsProceed) {
  EXPECT_EQ(eval({}), Verdict::proceed);
  Conditions ranged;
  ranged.has_range = true;
  EXPECT_EQ(eval(ranged), Verdict::proceed);
}

TEST(HttpPreconditions, IfMatchNeedsAStrongMatchOrAStar) {
  Conditions c;
  c.if_match = {kEtag};
  EXPECT_EQ(eval(c), Verdict::proceed);
  c.if_match = {"\"a\", \"3e8-17\""};
  EXPECT_EQ(eval(c), Verdict::proceed);
  c.if_match = {"\"a\"", " \"3e8-17\" "};  // a list over two field lines
  EXPECT_EQ(eval(c), Verdict::proceed);
  c.if_match = {"*"};
  EXPECT_EQ(eval(c), Verdict::proceed);
  c.if_match = {"\"other\""};
  EXPECT_EQ(eval(c), Verdict::precondition_failed);
  c.if_match = {"W/\"3e8-17\""};  // weak never matches strongly
  EXPECT_EQ(eval(c), Verdict::precondition_failed);
  c.if_match = {"3e8-17"};  // unquoted: malformed
  EXPECT_EQ(eval(c), Verdict::precondition_failed);
  c.if_match = {"\"3e8-17\" junk"};
  EXPECT_EQ(eval(c), Verdict::precondition_failed);
}

TEST(HttpPreconditions, IfUnmodifiedSinceOnlyWithoutIfMatch) {
  Conditions c;
  c.if_unmodified_since = {date(kModified - 1)};
  EXPECT_EQ(eval(c), Verdict::precondition_failed);
  c.if_unmodified_since = {date(kModified)};
  EXPECT_EQ(eval(c), Verdict::proceed);
  c.if_unmodified_since = {date(kModified + 3600)};
  EXPECT_EQ(eval(c), Verdict::proceed);
  c.if_unmodified_since = {"not a date"};  // ignored
  EXPECT_EQ(eval(c), Verdict::proceed);
  c.if_unmodified_since = {date(kModified - 1)};
  c.if_match = {kEtag};  // If-Match decides: the date is not looked at
  EXPECT_EQ(eval(c), Verdict::proceed);
  Conditions undated;
  undated.if_unmodified_since = {date(0)};
  EXPECT_EQ(evaluate_preconditions(undated, Validators{kEtag, {}}),
            Verdict::proceed);  // no date known
}

TEST(HttpPreconditions, IfNoneMatchComparesWeakly) {
  Conditions c;
  c.if_none_match = {kEtag};
  EXPECT_EQ(eval(c), Verdict::not_modified);
  c.if_none_match = {"W/\"3e8-17\""};
  EXPECT_EQ(eval(c), Verdict::not_modified);
  c.if_none_match = {"\"x\",,W/\"3e8-17\""};
  EXPECT_EQ(eval(c), Verdict::not_modified);
  c.if_none_match = {"*"};
  EXPECT_EQ(eval(c), Verdict::not_modified);
  c.if_none_match = {"\"3e8-1\""};  // a prefix is not the tag
  EXPECT_EQ(eval(c), Verdict::proceed);
  c.if_none_match = {"\"3e8-17"};  // unterminated: matches nothing
  EXPECT_EQ(eval(c), Verdict::proceed);
  c.if_none_match = {kEtag};
  c.get_or_head = false;  // another method: 412
  EXPECT_EQ(eval(c), Verdict::precondition_failed);
}

TEST(HttpPreconditions, IfModifiedSinceOnlyWithoutIfNoneMatch) {
  Conditions c;
  c.if_modified_since = {date(kModified)};
  EXPECT_EQ(eval(c), Verdict::not_modified);
  c.if_modified_since = {date(kModified + 10)};
  EXPECT_EQ(eval(c), Verdict::not_modified);
  c.if_modified_since = {date(kModified - 1)};
  EXPECT_EQ(eval(c), Verdict::proceed);
  c.if_modified_since = {date(kModified), date(kModified)};  // two members: ignored
  EXPECT_EQ(eval(c), Verdict::proceed);
  c.if_modified_since = {date(kModified)};
  c.if_none_match = {"\"other\""};  // If-None-Match decides
  EXPECT_EQ(eval(c), Verdict::proceed);
  c.if_none_match = {};
  c.get_or_head = false;
  EXPECT_EQ(eval(c), Verdict::proceed);
}

TEST(HttpPreconditions, OrderIfMatchFailsBeforeIfNoneMatchIsLookedAt) {
  Conditions c;
  c.if_match = {"\"other\""};
  c.if_none_match = {kEtag};
  EXPECT_EQ(eval(c), Verdict::precondition_failed);
  c.if_match = {kEtag};
  EXPECT_EQ(eval(c), Verdict::not_modified);
}

TEST(HttpPreconditions, IfRangeStrongTagOrExactDate) {
  Conditions c;
  c.has_range = true;
  c.if_range = {kEtag};
  EXPECT_EQ(eval(c), Verdict::proceed);
  c.if_range = {"\"old\""};
  EXPECT_EQ(eval(c), Verdict::ignore_range);
  c.if_range = {"W/\"3e8-17\""};  // weak: never for ranges
  EXPECT_EQ(eval(c), Verdict::ignore_range);
  c.if_range = {"\"3e8-17\", \"x\""};  // one tag, not a list
  EXPECT_EQ(eval(c), Verdict::ignore_range);
  c.if_range = {date(kModified)};
  EXPECT_EQ(eval(c), Verdict::proceed);
  c.if_range = {date(kModified + 1)};  // later is not the same
  EXPECT_EQ(eval(c), Verdict::ignore_range);
  c.if_range = {date(kModified - 1)};
  EXPECT_EQ(eval(c), Verdict::ignore_range);
  c.if_range = {"garbage"};
  EXPECT_EQ(eval(c), Verdict::ignore_range);
  c.has_range = false;  // without a Range, If-Range is ignored
  EXPECT_EQ(eval(c), Verdict::proceed);
}

TEST(HttpPreconditions, EtagListParsing) {
  EXPECT_TRUE(
      etag_list_contains({"\"a,b\", \"c\""}, "\"a,b\"", EtagCompare::strong));  // comma inside
  EXPECT_TRUE(etag_list_contains({"\"c\" ,\t\"a\""}, "\"a\"", EtagCompare::strong));
  EXPECT_FALSE(etag_list_contains({"\"a\" \"b\""}, "\"b\"", EtagCompare::weak));   // no comma
  EXPECT_FALSE(etag_list_contains({"\"a\"", "bad"}, "\"a\"", EtagCompare::weak));  // malformed line
  EXPECT_FALSE(etag_list_contains({"\"a\""}, "", EtagCompare::weak));  // no tag of our own
  EXPECT_FALSE(etag_list_contains({"\"a\x01\""}, "\"a\x01\"", EtagCompare::weak));  // control char
  EXPECT_TRUE(is_any({" * "}));
  EXPECT_FALSE(is_any({"*, \"a\""}));
  EXPECT_FALSE(is_any({"*", "*"}));
}

TEST(HttpDates, AllThreeFormsOfRfc9110) {
  constexpr std::int64_t k1994 = 784111777;  // the RFC's example: Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), k1994);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), k1994);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), k1994);
  EXPECT_EQ(http_date(k1994), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"), std::nullopt);
  EXPECT_EQ(parse_http_date("yesterday"), std::nullopt);
  EXPECT_EQ(parse_http_date(""), std::nullopt);
}

}  // namespace
}  // namespace sockit::http
