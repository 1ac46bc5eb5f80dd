// What `sockit http get` takes from URLs and redirects (src/http/url_target.hpp). Pure.
#include <gtest/gtest.h>

#include "http/url_target.hpp"
#include "sockit/core/error.hpp"

namespace sockit::http {
namespace {

UrlTarget of(std::string_view text) { return url_target(parse_get_url(text)); }

TEST(HttpUrl, HostPortTargetAndAuthority) {
  const auto t = of("http://[::1]:8080/a%20b?x=1");
  EXPECT_FALSE(t.tls);
  EXPECT_EQ(t.host, "::1");  // resolvable: no brackets
  EXPECT_EQ(t.port, "8080");
  EXPECT_EQ(t.target, "/a%20b?x=1");
  EXPECT_EQ(t.authority, "[::1]:8080");  // the Host field keeps them
  EXPECT_EQ(of("https://example.com").port, "443");
  EXPECT_EQ(of("https://example.com").target, "/");
  EXPECT_EQ(of("http://example.com?q").target, "/?q");
  EXPECT_EQ(of("http://example.com:/x").port, "80");  // an empty port is the default
}

TEST(HttpUrl, WhatCannotBeFetchedIsAParseError) {
  EXPECT_THROW(of("ftp://example.com/"), parse_error);
  EXPECT_THROW(of("not a url"), parse_error);
  EXPECT_THROW(of("http:///path"), parse_error);          // no host
  EXPECT_THROW(of("https://[::1]:844hea3/a"), parse_error);  // port, then a path without /
}

TEST(HttpUrl, RedirectsResolveAgainstTheCurrentUrl) {
  const auto base = parse_get_url("http://a.example:81/dir/page?x");
  EXPECT_EQ(follow_location(base, "other").buffer(), "http://a.example:81/dir/other");
  EXPECT_EQ(follow_location(base, "/root").buffer(), "http://a.example:81/root");
  EXPECT_EQ(follow_location(base, "//b.example/x").buffer(), "http://b.example/x");
  EXPECT_EQ(follow_location(base, "https://c.example/").buffer(), "https://c.example/");
  EXPECT_THROW(follow_location(base, "http://[bad"), parse_error);
}

}  // namespace
}  // namespace sockit::http
