// Pure pieces of the chat server's web port: the Origin rule, the disconnect reasons that
// label /metrics, and the page built into the binary.
#include <gtest/gtest.h>

#include "chat/web/origin.hpp"
#include "chat/core/stats.hpp"
#include "chat/web/web_assets.hpp"

namespace sockit::chat {
namespace {

TEST(ChatOrigin, TheServersOwnPageAndNonBrowsersMayConnect) {
  EXPECT_TRUE(origin_allowed("", "127.0.0.1:8080", {}));  // no Origin: not a browser
  EXPECT_TRUE(origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", {}));
  EXPECT_TRUE(origin_allowed("http://LocalHost:8080", "localhost:8080", {}));
  EXPECT_TRUE(origin_allowed("http://chat.example", "chat.example:80", {}));  // default port
  EXPECT_TRUE(origin_allowed("https://chat.example", "chat.example", {}));
  EXPECT_TRUE(origin_allowed("http://[::1]:8080", "[::1]:8080", {}));
  // Behind a TLS-terminating proxy the page is https while the Host is the same.
  EXPECT_TRUE(origin_allowed("https://chat.example:8443", "chat.example:8443", {}));
  EXPECT_FALSE(origin_allowed("https://chat.example", "chat.example:8080", {}));
}

TEST(ChatOrigin, OtherPagesAreRefusedUnlessAllowed) {
  EXPECT_FALSE(origin_allowed("http://evil.example", "127.0.0.1:8080", {}));
  EXPECT_FALSE(origin_allowed("http://127.0.0.1:9999", "127.0.0.1:8080", {}));
  EXPECT_FALSE(origin_allowed("null", "127.0.0.1:8080", {}));
  EXPECT_FALSE(origin_allowed("file:///tmp/x.html", "127.0.0.1:8080", {}));
  EXPECT_FALSE(origin_allowed("not a url", "127.0.0.1:8080", {}));
  const std::vector<std::string> allowed{"https://Chat.Example", "http://app.test:3000"};
  EXPECT_TRUE(origin_allowed("https://chat.example:443", "127.0.0.1:8080", allowed));
  EXPECT_TRUE(origin_allowed("http://app.test:3000", "127.0.0.1:8080", allowed));
  EXPECT_FALSE(origin_allowed("http://app.test:3001", "127.0.0.1:8080", allowed));
  EXPECT_TRUE(origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", allowed));
  EXPECT_TRUE(origin_allowed("http://anything.example", "127.0.0.1:8080", {"*"}));
}

TEST(ChatStats, CloseReasonsComeFromOneTable) {
  EXPECT_EQ(disconnect_reason_for(Errc::slow_consumer), DisconnectReason::slow_consumer);
  EXPECT_EQ(disconnect_reason_for(Errc::login_timeout), DisconnectReason::login_timeout);
  EXPECT_EQ(disconnect_reason_for(Errc::frame_too_large), DisconnectReason::frame_too_large);
  EXPECT_EQ(disconnect_reason_for(Errc::shutting_down), DisconnectReason::shutting_down);
  EXPECT_EQ(disconnect_reason_for(Errc::server_full), DisconnectReason::server_full);
  EXPECT_EQ(disconnect_reason_for(Errc::bad_json), DisconnectReason::error);
  EXPECT_EQ(websocket_close_code(DisconnectReason::logout), 1000);
  EXPECT_EQ(websocket_close_code(DisconnectReason::shutting_down), 1001);
  EXPECT_EQ(websocket_close_code(DisconnectReason::slow_consumer), 1008);
  EXPECT_EQ(websocket_close_code(DisconnectReason::frame_too_large), 1009);
  EXPECT_EQ(websocket_close_code(DisconnectReason::server_full), 1013);
  for (std::size_t i = 0; i < kDisconnectReasons; ++i) {
    EXPECT_NE(disconnect_reason_name(static_cast<DisconnectReason>(i)), "unknown");
  }
}

TEST(ChatStats, CountsByTransportAndCode) {
  ChatStats stats;
  stats.connected(TransportKind::websocket);
  stats.connected(TransportKind::websocket);
  stats.connected(TransportKind::tcp);
  stats.disconnected(TransportKind::websocket, DisconnectReason::logout);
  stats.error(Errc::rate_limited);
  stats.dropped(DropReason::slow_consumer, 5);
  EXPECT_EQ(stats.clients(TransportKind::websocket), 1);
  EXPECT_EQ(stats.clients(TransportKind::tcp), 1);
  EXPECT_EQ(stats.accepted(TransportKind::websocket), 2u);
  EXPECT_EQ(stats.disconnects(DisconnectReason::logout), 1u);
  EXPECT_EQ(stats.errors(Errc::rate_limited), 1u);
  EXPECT_EQ(stats.errors(Errc::bad_json), 0u);
  EXPECT_EQ(stats.drops(DropReason::slow_consumer), 5u);
}

TEST(ChatWebAssets, ThePageIsBuiltIntoTheBinary) {
  const auto* index = find_web_asset("/");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->path, "/index.html");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("app.js"), std::string_view::npos);
  EXPECT_TRUE(index->etag.starts_with('"') && index->etag.ends_with('"'));
  const auto* script = find_web_asset("/app.js");
  ASSERT_NE(script, nullptr);
  EXPECT_EQ(script->content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(script->etag, index->etag);
  EXPECT_EQ(find_web_asset("/../etc/passwd"), nullptr);
  EXPECT_EQ(find_web_asset("/missing.js"), nullptr);
}

}  // namespace
}  // namespace sockit::chat
