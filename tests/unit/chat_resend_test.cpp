// Exactly-once sends on one server, in process: a broadcast or direct message resent with the
// same "id" — on the same connection, after a reconnect, after a restart on the same store —
// is delivered once and answered with the first send's seq.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "sockit/chat/store/store.hpp"
#include "support/chat_core.hpp"
#include "support/temp_dir.hpp"

namespace sockit::chat {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the fixture of these tests
namespace asio = boost::asio;

Broadcast say_with_id(const std::string& text, const std::string& id) {
  auto b = say("lobby", text);
  b.id = id;
  return b;
}

// One server: a loop, a store (optional) and the core over them.
struct Server {
  explicit Server(ChatStore* store) : store_(store), core(limits, {}, store) {}
  // The store's commits post to the shards: it stops before they go (as ChatServer's does).
  ~Server() {
    hub.stop_background();
    if (store_) store_->close();
  }
  void attach(Client& c) { ASSERT_TRUE(hub.attach(c.member, c.out, ctx.get_executor())); }
  void login(Client& c, const std::string& nick) {
    attach(c);
    hub.login(c.member, nick, "");
    turn();
  }
  // Runs what the loop has queued; with a store, until `c` has `n` lines with `text` (the
  // store's commit posts them from its own thread: the loop may be idle meanwhile).
  void turn(Client* c = nullptr, const std::string& text = {}, std::size_t n = 1) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    do {
      ctx.restart();
      ctx.run_for(std::chrono::milliseconds(5));
      if (!c || c->out.count(text) >= n) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } while (std::chrono::steady_clock::now() < deadline);
    FAIL() << "waiting for " << text;
  }
  ChatStore* store_;
  ChatLimits limits;
  asio::io_context ctx{1};
  Core core;
  Hub& hub = core.hub;
};

TEST(ChatResend, AResendOnTheSameConnectionIsDeliveredOnceAndAckedWithTheFirstSeq) {
  Server s(nullptr);
  Client a, b;
  s.login(a, "alice");
  s.login(b, "bob");
  s.hub.broadcast(a.member, say_with_id("hello", "m1"), "1");
  s.hub.broadcast(a.member, say_with_id("hello", "m1"), "2");
  s.hub.broadcast(a.member, say_with_id("hello again", "m2"), "3");
  s.turn();
  EXPECT_EQ(b.out.count("\"message\":\"hello\""), 1u);
  EXPECT_EQ(b.out.count("\"message\":\"hello again\""), 1u);
  const auto seq1 = a.out.count(R"("type":"ack","req":1,"seq":3)");
  EXPECT_EQ(seq1, 1u) << a.out.lines.back();
  EXPECT_EQ(a.out.count(R"("type":"ack","req":2,"seq":3)"), 1u);
  EXPECT_EQ(a.out.count(R"("type":"ack","req":3,"seq":4)"), 1u);
}

TEST(ChatResend, AfterAReconnectTheSameIdIsRecognisedAndAnotherUsersIsNot) {
  Server s(nullptr);
  Client a, b, c;
  s.login(a, "alice");
  s.login(b, "bob");
  s.hub.broadcast(a.member, say_with_id("once", "x"), "1");
  s.turn();
  s.hub.detach(a.member);  // the ack was lost with the connection
  Client again;
  s.login(again, "alice");
  s.hub.broadcast(again.member, say_with_id("once", "x"), "1");
  s.login(c, "carol");
  s.hub.broadcast(c.member, say_with_id("once", "x"), "9");  // carol's own "x"
  s.turn();
  EXPECT_EQ(b.out.count("\"message\":\"once\""), 2u);  // alice's once, carol's once
  EXPECT_EQ(again.out.count(R"("type":"ack","req":1,"seq":3)"), 1u);
}

TEST(ChatResend, ADirectMessageResentIsDeliveredOnce) {
  Server s(nullptr);
  Client a, b;
  s.login(a, "alice");
  s.login(b, "bob");
  Direct d{"bob", "psst", "d1"};
  s.hub.direct(a.member, d, "1");
  s.hub.direct(a.member, d, "2");
  s.turn();
  EXPECT_EQ(b.out.count("\"message\":\"psst\""), 1u);
  EXPECT_EQ(a.out.count(R"("type":"ack","req":2,"seq":0)"), 1u);
}

// The resend comes before the store has committed the first: its ack waits for that commit.
TEST(ChatResend, AResendBeforeTheFirstIsCommittedIsAckedAfterItWithItsSeq) {
  sockit::test::TempDir dir("sockit-resend");
  auto store = ChatStore::open(dir.path() / "chat.db");
  Server s(store.get());
  Client a;
  s.login(a, "alice");
  s.hub.broadcast(a.member, say_with_id("early", "e1"), "1");
  s.hub.broadcast(a.member, say_with_id("early", "e1"), "2");
  s.turn(&a, R"("type":"ack")", 2);
  EXPECT_EQ(a.out.count(R"("req":1,"seq":2)"), 1u);
  EXPECT_EQ(a.out.count(R"("req":2,"seq":2)"), 1u);
  store->flush();
  EXPECT_EQ(store->history("lobby", 100, std::nullopt).size(), 2u);  // alice joined, early
  store->close();
}

TEST(ChatResend, AfterARestartOnTheSameStoreTheResendGetsTheFirstSeq) {
  sockit::test::TempDir dir("sockit-resend");
  const auto file = dir.path() / "chat.db";
  {
    auto store = ChatStore::open(file);
    Server s(store.get());
    Client a;
    s.login(a, "alice");
    s.hub.broadcast(a.member, say_with_id("kept", "k1"), "1");
    s.turn(&a, R"("type":"ack")");
    ASSERT_EQ(a.out.count(R"("req":1,"seq":2)"), 1u) << a.out.lines.back();
    s.hub.detach(a.member);
    s.turn();
    store->close();
  }
  auto store = ChatStore::open(file);
  Server s(store.get());
  Client a, b;
  s.login(b, "bob");
  s.login(a, "alice");
  s.hub.broadcast(a.member, say_with_id("kept", "k1"), "1");
  s.turn(&a, R"("type":"ack")");
  EXPECT_EQ(a.out.count(R"("req":1,"seq":2)"), 1u) << a.out.lines.back();
  EXPECT_EQ(b.out.count("\"message\":\"kept\""), 0u);
  const auto history = store->history("lobby", 100, std::nullopt);
  std::size_t kept = 0;
  for (const auto& m : history) kept += m.message == "kept";
  EXPECT_EQ(kept, 1u);
  store->close();
}

}  // namespace
}  // namespace sockit::chat
