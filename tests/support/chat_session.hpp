// Test support: chat Sessions in process, each over a MemoryTransport, on one loop that the
// test's thread drives. The test plays every peer: it sends frames or raw bytes, and takes what
// the server wrote one line at a time, like tests/e2e/chat_client.py does over a socket.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "chat/core/session.hpp"
#include "sockit/chat/protocol/server_message.hpp"
#include "support/chat_core.hpp"
#include "support/memory_transport.hpp"

namespace sockit::chat::test {

/// Not thread safe: the test's thread runs the loop.
class SessionTest : public ::testing::Test {
 public:
  struct Peer {
    Peer(boost::asio::any_io_executor ex, std::size_t window, std::size_t max_frame)
        : transport(std::move(ex), window, max_frame) {}
    MemoryTransport transport;
    bool ended = false;   // serve_chat_connection has returned
    std::size_t at = 0;   // bytes of transport.written() taken by next()
  };

 protected:

  /// A connection served as the server serves one; the peer's window is `window` bytes. Set
  /// `limits` before the first connect.
  Peer& connect(std::size_t window = MemoryTransport::kUnlimited) {
    peers_.push_back(std::make_unique<Peer>(ctx.get_executor(), window, limits.max_frame_bytes));
    Peer& p = *peers_.back();
    boost::asio::co_spawn(ctx, serve_chat_connection(p.transport, address_, hub, limits),
                          [&p](std::exception_ptr) { p.ended = true; });
    return p;
  }
  /// Runs the loop until `done` (at most 10 s: the deadline is a guard, not a measure).
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "timed out";
        return false;
      }
      ctx.restart();
      ctx.run_for(std::chrono::milliseconds(1));
    }
    return true;
  }
  /// Runs the loop until nothing is left to do now.
  void settle() {
    ctx.restart();
    while (ctx.poll() > 0) ctx.restart();
  }

  /// The next whole line `p` was sent, as JSON text exactly as written; "" (and a failure) if
  /// none comes, or if the connection ended first.
  std::string next_line(Peer& p) {
    std::size_t nl = std::string::npos;
    const bool got = run_until([&] {
      p.transport.read(MemoryTransport::kUnlimited);
      nl = p.transport.written().find('\n', p.at);
      return nl != std::string::npos || p.ended;
    });
    if (!got || nl == std::string::npos) {
      ADD_FAILURE() << "no more lines";
      return {};
    }
    auto line = p.transport.written().substr(p.at, nl - p.at);
    p.at = nl + 1;
    return line;
  }
  /// The next message, parsed.
  boost::json::object next(Peer& p) {
    const auto line = next_line(p);
    if (line.empty()) return {};
    return boost::json::parse(line).as_object();
  }
  /// Skips other messages until one of type `type` comes (chat_client.py's recv_type).
  boost::json::object next_type(Peer& p, const std::string& type) {
    for (;;) {
      auto m = next(p);
      if (m.empty() || m.at("type") == type.c_str()) return m;
    }
  }
  /// The same, as the JSON text it was written as.
  std::string next_text(Peer& p, const std::string& type) {
    return boost::json::serialize(next_type(p, type));
  }
  /// Whether the server ends the connection (after what it still sends, which is skipped).
  bool closed(Peer& p) {
    const bool ended = run_until([&] {
      p.transport.read(MemoryTransport::kUnlimited);
      return p.ended;
    });
    p.at = p.transport.written().size();
    return ended && (p.transport.finished() || p.transport.aborted());
  }
  /// Sends a login and waits for its answer, which must be ok; returns the id.
  std::int64_t login(Peer& p, const std::string& nick) {
    p.transport.send(R"({"type":"login","nickname":")" + nick + R"("})");
    const auto m = next_type(p, "login");
    EXPECT_EQ(m.if_contains("status") ? m.at("status") : boost::json::value(), "ok")
        << boost::json::serialize(m);
    return m.if_contains("id") ? m.at("id").as_int64() : 0;
  }
  /// The error code of the next error `p` gets, with "/req" when it carries one.
  std::string next_error(Peer& p) {
    const auto e = next_type(p, "error");
    if (e.empty()) return {};
    std::string code(e.at("code").as_string());
    if (const auto* req = e.if_contains("req")) {
      code += "/" + (req->is_string() ? std::string(req->as_string()) : boost::json::serialize(*req));
    }
    return code;
  }

  /// Every message the peer has read so far, decoded; a line that does not decode fails.
  static std::vector<ServerMessage> messages(const MemoryTransport& t) {
    std::vector<ServerMessage> out;
    for (const auto& line : t.lines()) {
      auto m = decode_server_message(line);
      EXPECT_TRUE(m.has_value()) << "not a whole message: " << line.substr(0, 80);
      if (m) out.push_back(std::move(*m));
    }
    return out;
  }
  template <class T>
  static std::size_t count(const std::vector<ServerMessage>& ms) {
    return static_cast<std::size_t>(std::count_if(
        ms.begin(), ms.end(), [](const auto& m) { return std::holds_alternative<T>(m); }));
  }

  /// Every peer hangs up; the sessions end; the hub's timers stop. Call at the end of a test.
  void end_all() {
    for (auto& p : peers_) p->transport.abort();
    run_until([&] {
      return std::all_of(peers_.begin(), peers_.end(), [](const auto& p) { return p->ended; });
    });
    hub.stop_background();
  }

  ChatLimits limits;
  boost::asio::io_context ctx{1};
  Core core{limits};
  Hub& hub = core.hub;
  Address address_ = Address::loopback4(40000);
  std::vector<std::unique_ptr<Peer>> peers_;
};

}  // namespace sockit::chat::test
