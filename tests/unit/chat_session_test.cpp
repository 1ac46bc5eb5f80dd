// A chat Session in process, over an in-memory transport (support/memory_transport.hpp): the
// test is the peer, and reads at the pace it chooses. What the binary-driven tests check
// through sockets and timing, checked here by counting bytes.
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/chat_session.hpp"

namespace sockit::chat {
namespace {

namespace asio = boost::asio;
using test::MemoryTransport;

using Peer = test::SessionTest::Peer;

class ChatSession : public test::SessionTest {};

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
  std::set<std::string> distinct;
  for (const auto& m : messages(reader.transport)) {
    const auto* r = std::get_if<from_server::RoomMessage>(&m);
    if (r && !r->system) distinct.insert(r->message);
  }
  EXPECT_EQ(distinct.size(), 390U);
  for (auto* s : senders) {  // a ping spends no token: each is answered
    s->transport.send(R"({"type":"ping","req":"p"})");
    EXPECT_EQ(next_type(*s, "pong").at("req"), "p");
    EXPECT_EQ(count<from_server::Error>(messages(s->transport)), 0U);
  }
  EXPECT_EQ(count<from_server::Error>(messages(reader.transport)), 0U);
  end_all();
}

}  // namespace
}  // namespace sockit::chat
