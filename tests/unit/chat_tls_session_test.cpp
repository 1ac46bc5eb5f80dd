// A slow reader over TLS, in process: the server's end of a socketpair in a TlsTransport,
// served as the server serves a TLS connection (handshake, then serve_chat_connection), and the
// test's end an Asio TLS client on the same loop. The reader stops reading; a publisher fills
// its queue until it is cut as a slow consumer. TLS records end where messages end (the
// transport hands the stream whole messages), so whatever the reader gets is whole lines, and
// if it catches up the last of them is slow_consumer. (When the whole backlog was once in
// flight, the reader got a truncated line and no error.) Moved from tests/e2e/chat_tls.py,
// which ran it against the binary with a Python reader sleeping between reads. And a client
// that leaves without a close_notify.
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "chat/core/session.hpp"
#include "chat/transport/tls_transport.hpp"
#include "sockit/chat/protocol/server_message.hpp"
#include "sockit/server/with_timeout.hpp"
#include "sockit/socket/tls.hpp"
#include "support/chat_core.hpp"

namespace sockit::chat {
namespace {

namespace asio = boost::asio;
using server::tuple_awaitable;
using namespace std::chrono_literals;

class ChatTlsSession : public ::testing::Test {
 protected:
  void SetUp() override {
    // The limits of chat_tls.py's slow reader.
    limits.rate = limits.burst = 100000;
    limits.max_queue_bytes = 2 << 20;
    limits.soft_queue_bytes = 256 << 10;
    limits.soft_queue_time = 500ms;
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    const asio::generic::stream_protocol unix_stream(AF_UNIX, SOCK_STREAM);
    server_socket.assign(unix_stream, fds[0]);
    tls.emplace(server_socket, server_context, limits.max_frame_bytes);  // on the open socket
    client.next_layer().assign(unix_stream, fds[1]);
    // Served as the chat server serves a TLS connection.
    asio::co_spawn(
        ctx,
        [this]() -> asio::awaitable<void> {
          if (co_await tls->handshake(5s, address)) {
            co_await serve_chat_connection(*tls, address, hub, limits);
          }
        },
        [this](std::exception_ptr) { server_ended = true; });
    asio::co_spawn(
        ctx,
        [this]() -> asio::awaitable<void> {
          co_await client.async_handshake(asio::ssl::stream_base::client, tuple_awaitable);
          const std::string login = R"({"type":"login","nickname":"slow"})" "\n";
          co_await asio::async_write(client, asio::buffer(login), tuple_awaitable);
          co_await read();
        },
        [this](std::exception_ptr) { client_ended = true; });
    reading = true;
    ASSERT_TRUE(run_until([&] { return got.find(R"("status":"ok")") != std::string::npos; }));
    reading = false;
  }
  void TearDown() override {
    boost::system::error_code ignored;
    client.next_layer().close(ignored);
    start_reading();  // a reader waiting at the gate finds the socket closed
    run_until([&] { return server_ended && client_ended; });
    hub.stop_background();
  }

  // The client's reader: reads while `reading`, else waits (one read already begun finishes).
  asio::awaitable<void> read() {
    char buffer[2048];
    for (;;) {
      while (!reading) {
        gate.expires_after(1h);
        co_await gate.async_wait(tuple_awaitable);
      }
      const auto [ec, n] = co_await client.async_read_some(asio::buffer(buffer), tuple_awaitable);
      got.append(buffer, n);
      if (ec) co_return;  // the end, clean or abrupt: what came before is judged
    }
  }
  void start_reading() {
    reading = true;
    gate.cancel();
  }
  // Runs the loop until `done` (at most 20 s: a guard, not a measure).
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "timed out";
        return false;
      }
      ctx.restart();
      ctx.run_for(1ms);
    }
    return true;
  }
  // A publisher on the same loop sends 1000-byte messages until the reader is cut.
  void publish_until_cut() {
    test::Client pub;
    ASSERT_TRUE(hub.attach(pub.member, pub.out, ctx.get_executor()));
    hub.login(pub.member, "pub", "");
    const std::string text(1000, 'x');
    for (int i = 0; i < 3000 && hub.stats().errors(Errc::slow_consumer) == 0; ++i) {
      hub.broadcast(pub.member, test::say("lobby", std::to_string(i) + "-" + text), "");
      ctx.restart();
      while (ctx.poll() > 0) ctx.restart();
    }
    hub.detach(pub.member);
    ASSERT_EQ(hub.stats().errors(Errc::slow_consumer), 1U);
  }
  // The lines the reader got: all whole, and all messages; returns the last.
  std::optional<ServerMessage> whole_lines() {
    EXPECT_FALSE(got.empty());
    EXPECT_EQ(got.back(), '\n') << "a partial line: ..." << got.substr(got.size() > 80 ? got.size() - 80 : 0);
    std::optional<ServerMessage> last;
    std::size_t start = 0, lines = 0;
    for (auto nl = got.find('\n'); nl != std::string::npos; nl = got.find('\n', start)) {
      last = decode_server_message(std::string_view(got).substr(start, nl - start));
      EXPECT_TRUE(last.has_value()) << got.substr(start, 80);
      start = nl + 1;
      ++lines;
    }
    EXPECT_GT(lines, 2U);  // the login, notices, then room messages
    return last;
  }

  ChatLimits limits;
  asio::io_context ctx{1};
  test::Core core{limits};
  Hub& hub = core.hub;
  Address address = Address::loopback4(40001);
  std::shared_ptr<asio::ssl::context> server_context =
      std::make_shared<asio::ssl::context>(TlsContext::server("", "").release());
  asio::ssl::context client_context{TlsContext::client(false, "").release()};
  server::AsyncStream server_socket{ctx};
  std::optional<TlsTransport> tls;
  asio::ssl::stream<asio::generic::stream_protocol::socket> client{ctx, client_context};
  asio::steady_timer gate{ctx};
  bool reading = false;
  std::string got;
  bool server_ended = false;
  bool client_ended = false;
};

TEST_F(ChatTlsSession, ASlowReaderThatCatchesUpGetsWholeLinesThenSlowConsumer) {
  publish_until_cut();
  start_reading();
  ASSERT_TRUE(run_until([&] { return client_ended; }));
  const auto last = whole_lines();
  ASSERT_TRUE(last && std::holds_alternative<from_server::Error>(*last));
  EXPECT_EQ(std::get<from_server::Error>(*last).code, "slow_consumer");
  EXPECT_TRUE(run_until([&] { return server_ended; }));
}

// It never reads again: the server closes it a second after the cut, mid-record. What the
// reader then finds in its socket is still whole lines.
TEST_F(ChatTlsSession, ASlowReaderThatStaysSlowGetsWholeLinesOnly) {
  publish_until_cut();
  ASSERT_TRUE(run_until([&] { return server_ended; }));
  start_reading();
  ASSERT_TRUE(run_until([&] { return client_ended; }));
  whole_lines();
}

// The client closes its socket without a close_notify, as browsers do: it left, and the server
// counts it so (not as an error).
TEST_F(ChatTlsSession, AClientThatClosesWithoutCloseNotifyHasLeft) {
  boost::system::error_code ignored;
  client.next_layer().shutdown(asio::socket_base::shutdown_both, ignored);
  ASSERT_TRUE(run_until([&] { return server_ended; }));
  EXPECT_EQ(hub.stats().disconnects(DisconnectReason::client_closed), 1U);
  EXPECT_EQ(hub.stats().disconnects(DisconnectReason::error), 0U);
}

}  // namespace
}  // namespace sockit::chat
