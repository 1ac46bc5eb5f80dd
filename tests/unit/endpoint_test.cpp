// Endpoint parsing and Address printing: pure, no sockets.
#include <gtest/gtest.h>

#include <string>

#include "sockit/core/error.hpp"
#include "sockit/socket/address.hpp"
#include "sockit/socket/endpoint.hpp"

namespace sockit {
namespace {

using Kind = Endpoint::Kind;

struct GoodCase {
  std::string text;
  Kind kind;
  std::string host;
  std::uint16_t port;
  std::string path;
  std::string printed;
};

TEST(EndpointParse, AcceptsEveryFormTheCommandTakes) {
  const GoodCase cases[] = {
      {"127.0.0.1:8000", Kind::inet, "127.0.0.1", 8000, "", "127.0.0.1:8000"},
      {"localhost:80", Kind::inet, "localhost", 80, "", "localhost:80"},
      {":9999", Kind::inet, "", 9999, "", ":9999"},
      {"[::1]:8080", Kind::inet, "::1", 8080, "", "[::1]:8080"},
      {"[fe80::1%lo]:1", Kind::inet, "fe80::1%lo", 1, "", "[fe80::1%lo]:1"},
      {"[::]:0", Kind::inet, "::", 0, "", "[::]:0"},
      {"host:65535", Kind::inet, "host", 65535, "", "host:65535"},
      {"unix:/tmp/chat.sock", Kind::unix_path, "", 0, "/tmp/chat.sock", "unix:/tmp/chat.sock"},
      {"unix:relative.sock", Kind::unix_path, "", 0, "relative.sock", "unix:relative.sock"},
      {"unix:@sockit", Kind::unix_abstract, "", 0, "sockit", "unix:@sockit"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto ep = Endpoint::parse(c.text);
    EXPECT_EQ(ep.kind, c.kind);
    EXPECT_EQ(ep.host, c.host);
    EXPECT_EQ(ep.port, c.port);
    EXPECT_EQ(ep.path, c.path);
    EXPECT_EQ(ep.to_string(), c.printed);
    EXPECT_EQ(Endpoint::parse(ep.to_string()), ep);
  }
}

TEST(EndpointParse, DefaultPortFillsAMissingOne) {
  EXPECT_EQ(Endpoint::parse("example.org", 80).port, 80);
  EXPECT_EQ(Endpoint::parse("[::1]", 443).port, 443);
  EXPECT_EQ(Endpoint::parse("example.org:81", 80).port, 81);
}

struct BadCase {
  std::string text;
  std::string message_part;
};

TEST(EndpointParse, RejectsBadTextWithAPreciseMessage) {
  const BadCase cases[] = {
      {"", "empty address"},
      {"localhost", "missing port"},
      {"localhost:", "missing port"},
      {"localhost:70000", "out of range 0-65535"},
      {"localhost:99999999999999999999", "out of range"},
      {"localhost:-1", "bad port"},
      {"localhost:80x", "bad port"},
      {"localhost: 80", "bad port"},
      {"::1:80", "needs brackets"},
      {"[::1:80", "missing ']'"},
      {"[]:80", "empty IPv6 address"},
      {"[::1]80", "expected ':' after ']'"},
      {"::1]:80", "bad brackets"},
      {"[[::1]]:80", "bad brackets"},
      {"[::1]", "missing port"},
      {"unix:", "empty unix socket path"},
      {"unix:@", "empty unix socket path"},
      {"unix:/" + std::string(200, 'x'), "too long"},
      {"bad host:80", "bad host"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    try {
      Endpoint::parse(c.text);
      ADD_FAILURE() << "accepted";
    } catch (const parse_error& e) {
      EXPECT_NE(std::string(e.what()).find(c.message_part), std::string::npos) << e.what();
    }
  }
}

TEST(HostnameCheck, AcceptsDnsNamesAndRejectsJunk) {
  for (const char* good : {"localhost", "example.org", "example.org.", "a-b.c_d.e", "x1"}) {
    SCOPED_TRACE(good);
    EXPECT_NO_THROW(check_hostname(good));
  }
  for (const char* bad : {"", ".", "a..b", ".a", "bad name", "bad!", "a/b", "ä.org"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(check_hostname(bad), parse_error);
  }
  EXPECT_THROW(check_hostname(std::string(64, 'a') + ".org"), parse_error);
  EXPECT_THROW(check_hostname(std::string(300, 'a')), parse_error);
}

TEST(Address, LiteralsPrintAndCompare) {
  EXPECT_EQ(Address::inet("127.0.0.1", 80).to_string(), "127.0.0.1:80");
  EXPECT_EQ(Address::inet("::1", 80).to_string(), "[::1]:80");
  EXPECT_EQ(Address::inet("2001:DB8::0:1", 1).host(), "2001:db8::1");
  EXPECT_EQ(Address::inet("fe80::1%1", 1).scope_id(), 1u);
  EXPECT_EQ(Address::any6(5).to_string(), "[::]:5");
  EXPECT_EQ(Address::unix_path("/tmp/x").to_string(), "unix:/tmp/x");
  EXPECT_EQ(Address::unix_abstract("name").to_string(), "unix:@name");
  EXPECT_TRUE(Address::unix_abstract("name").is_abstract());
  EXPECT_EQ(Address::inet("10.0.0.1", 1), Address::inet("10.0.0.1", 1));
  EXPECT_FALSE(Address::inet("10.0.0.1", 1) == Address::inet("10.0.0.1", 2));
  EXPECT_EQ(Address().to_string(), "unspec");
  EXPECT_EQ(Address::from_endpoint(Endpoint::parse(":81")).to_string(), "0.0.0.0:81");
}

TEST(Address, RejectsNamesAndJunkAsLiterals) {
  EXPECT_THROW(Address::inet("localhost", 1), parse_error);
  EXPECT_THROW(Address::inet("1.2.3", 1), parse_error);
  EXPECT_THROW(Address::inet("fe80::1%nosuchif0", 1), parse_error);
  EXPECT_THROW(Address::from_endpoint(Endpoint::parse("example.org:1")), parse_error);
  EXPECT_THROW(Address::unix_path(""), parse_error);
}

}  // namespace
}  // namespace sockit
