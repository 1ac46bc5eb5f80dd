// A chat Session in process, over an in-memory transport (support/memory_transport.hpp): the
// test is the peer, and reads at the pace it chooses. What the binary-driven tests check
// through sockets and timing, checked here by counting bytes.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "chat/core/session.hpp"
#include "sockit/chat/protocol/server_message.hpp"
#include "support/chat_core.hpp"
#include "support/memory_transport.hpp"

namespace sockit::chat {
namespace {

namespace asio = boost::asio;
using test::MemoryTransport;

// One loop, driven by the test's thread.
class ChatSession : public ::testing::Test {
 protected:
  struct Peer {
    explicit Peer(asio::any_io_executor ex, std::size_t window)
        : transport(std::move(ex), window) {}
    MemoryTransport transport;
    bool ended = false;
  };

  // A connection served as the server serves one; the peer's window is `window` bytes.
  Peer& connect(std::size_t window = MemoryTransport::kUnlimited) {
    peers_.push_back(std::make_unique<Peer>(ctx.get_executor(), window));
    Peer& p = *peers_.back();
    asio::co_spawn(ctx, serve_chat_connection(p.transport, address_, hub, limits),
                   [&p](std::exception_ptr) { p.ended = true; });
    return p;
  }
  // Runs the loop until `done` (at most 10 s; the deadline is a guard, not a measure).
  void run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline);
      ctx.restart();
      ctx.run_for(std::chrono::milliseconds(1));
    }
  }
  // The messages the peer has read, decoded; a line that does not decode is a failure.
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
  void login(Peer& p, const std::string& nick) {
    p.transport.send(R"({"type":"login","nickname":")" + nick + R"("})");
    run_until([&] {
      p.transport.read(MemoryTransport::kUnlimited);  // the answer, and whatever came before it
      return count<from_server::Login>(messages(p.transport)) == 1;
    });
  }
  void end_all() {
    for (auto& p : peers_) p->transport.abort();
    run_until([&] {
      for (auto& p : peers_) {
        if (!p->ended) return false;
      }
      return true;
    });
    hub.stop_background();
  }

  ChatLimits limits;
  asio::io_context ctx{1};
  test::Core core{limits};
  Hub& hub = core.hub;
  Address address_ = Address::loopback4(40000);
  std::vector<std::unique_ptr<Peer>> peers_;
};

// A reader whose window stays full is cut at the hard limit. It then reads everything: whole
// lines, the last of them slow_consumer (what was in flight could not be taken back; what
// was queued behind it was dropped).
TEST_F(ChatSession, ASlowConsumerGetsWholeLinesThenTheErrorNeverAPartialLine) {
  limits.max_queue_bytes = 64 * 1024;
  Peer& slow = connect(16 * 1024);
  login(slow, "slow");
  test::Client pub;
  ASSERT_TRUE(hub.attach(pub.member, pub.out, ctx.get_executor()));
  hub.login(pub.member, "pub", "");
  const std::string text(1000, 'x');
  // Ten messages a turn: the window fills, the writer takes a chunk in flight, the queue behind
  // it passes the limit.
  bool cut = false;
  for (int turn = 0; turn < 300 && !cut; ++turn) {
    for (int i = 0; i < 10; ++i) hub.broadcast(pub.member, test::say("lobby", text), "");
    run_until([&] { return ctx.poll() == 0; });
    cut = hub.stats().errors(Errc::slow_consumer) > 0;
  }
  ASSERT_TRUE(cut);
  EXPECT_EQ(slow.transport.written().find("slow_consumer"), std::string::npos)
      << "it waits behind what is in flight";
  run_until([&] {  // the peer now reads all it is sent
    slow.transport.read(MemoryTransport::kUnlimited);
    return slow.ended;
  });
  const auto got = messages(slow.transport);
  ASSERT_FALSE(got.empty());
  ASSERT_TRUE(std::holds_alternative<from_server::Error>(got.back()));
  EXPECT_EQ(std::get<from_server::Error>(got.back()).code, "slow_consumer");
  EXPECT_LT(count<from_server::RoomMessage>(got), 300U);
  EXPECT_LE(slow.transport.written().size(), limits.max_queue_bytes + 2 * 64 * 1024);
  hub.detach(pub.member);
  end_all();
}

// Every refusal carries its req, the rate limit's too; a ping spends no token.
TEST_F(ChatSession, ARateLimitRefusalCarriesItsReqAndPingsAreFree) {
  limits.rate = 1;
  limits.burst = 3;
  Peer& p = connect();
  login(p, "quick");  // one token of three
  for (int k = 0; k < 4; ++k) {
    p.transport.send(R"({"type":"broadcast","message":"m","req":"b)" + std::to_string(k) + R"("})");
  }
  for (int k = 0; k < 20; ++k)
    p.transport.send(R"({"type":"ping","req":)" + std::to_string(k) + "}");
  run_until([&] { return count<from_server::Pong>(messages(p.transport)) == 20; });
  std::vector<std::string> answers;
  for (const auto& m : messages(p.transport)) {
    if (const auto* a = std::get_if<from_server::Ack>(&m)) answers.push_back(a->req + " ack");
    if (const auto* e = std::get_if<from_server::Error>(&m))
      answers.push_back(e->req + " " + e->code);
  }
  EXPECT_EQ(answers, (std::vector<std::string>{R"("b0" ack)", R"("b1" ack)", R"("b2" rate_limited)",
                                               R"("b3" rate_limited)"}));
  end_all();
}

// Ten users spend what is left of their burst at once (39 of 40 after the login): a reader that
// keeps up gets all 390 messages, and nobody is refused. No clock is involved.
TEST_F(ChatSession, ALegalBurstFromTenUsersReachesAFastReader) {
  Peer& reader = connect();
  login(reader, "reader");
  std::vector<Peer*> senders;
  for (int i = 0; i < 10; ++i) {
    senders.push_back(&connect());
    login(*senders.back(), "sender" + std::to_string(i));
  }
  for (int i = 0; i < 10; ++i) {
    for (int k = 0; k < 39; ++k) {
      senders[static_cast<std::size_t>(i)]->transport.send(
          R"({"type":"broadcast","message":")" + std::to_string(i) + "-" + std::to_string(k) +
          std::string(4000, 'z') + R"("})");
    }
  }
  run_until([&] {
    const auto got = messages(reader.transport);
    return std::count_if(got.begin(), got.end(), [](const auto& m) {
             const auto* r = std::get_if<from_server::RoomMessage>(&m);
             return r && !r->system;
           }) == 390;
  });
  for (auto* s : senders) EXPECT_EQ(count<from_server::Error>(messages(s->transport)), 0U);
  EXPECT_EQ(count<from_server::Error>(messages(reader.transport)), 0U);
  end_all();
}

}  // namespace
}  // namespace sockit::chat
