#include <gtest/gtest.h>

#include "sockit/http/files.hpp"

using sockit::http::lexical_target;

TEST(HttpTarget, SegmentsAreDecodedAndJoinedBelowTheRoot) {
  const auto t = lexical_target("/docs/./a%20b//c.txt?x=1#top");
  EXPECT_EQ(t.status, 0);
  EXPECT_EQ(t.decoded, "/docs/./a b//c.txt");
  EXPECT_EQ(t.relative, "docs/a b/c.txt");
  EXPECT_EQ(lexical_target("/").relative, "");
  EXPECT_EQ(lexical_target("/docs/").decoded, "/docs/");  // the trailing slash is kept for the caller
}

TEST(HttpTarget, WhatCouldLeaveTheRootIsRefused) {
  EXPECT_EQ(lexical_target("/../etc/passwd").status, 403);
  EXPECT_EQ(lexical_target("/docs/%2e%2e/x").status, 403);
  EXPECT_EQ(lexical_target("/docs%2f..%2fx").status, 404);
  EXPECT_EQ(lexical_target("/a%5Cb").status, 404);
  EXPECT_EQ(lexical_target("/a%00b").status, 400);
  EXPECT_EQ(lexical_target("etc/passwd").status, 400);
  EXPECT_EQ(lexical_target("/%zz").status, 400);
  EXPECT_EQ(lexical_target("/....//x").status, 0);  // "...." is an ordinary name
}
