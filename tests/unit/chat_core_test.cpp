// The chat core in process, without sockets: the Hub and its Shards deliver into fake
// outboxes that record. One loop is driven by the test's own thread (poll); the sharding
// tests run two loops on two threads, as `--threads 2` does.
#include <atomic>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "support/chat_core.hpp"

namespace sockit::chat {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the fixture of these tests
namespace asio = boost::asio;

class ChatCore : public ::testing::Test {
 protected:
  ChatLimits limits;
  asio::io_context ctx{1};  // outlives the hub: its shard's timer belongs to it
  Core core{limits};
  Hub& hub = core.hub;

  void attach(Client& c) { ASSERT_TRUE(hub.attach(c.member, c.out, ctx.get_executor())); }
  void login(Client& c, const std::string& nick) {
    attach(c);
    hub.login(c.member, nick, "");
    turn();
  }
  void turn() {  // runs what the loop has queued, paced flushes included
    ctx.restart();
    ctx.run_for(std::chrono::milliseconds(5));
  }
};

TEST_F(ChatCore, MembersGetTheRoomsMessagesInSeqOrderAndNotTheirOwn) {
  Client a, b, c;
  login(a, "alice");
  login(b, "bob");
  login(c, "carol");
  hub.join(a.member, Join{"dev"}, "");
  hub.join(b.member, Join{"dev"}, "");
  for (int i = 0; i < 5; ++i) hub.broadcast(a.member, say("dev", "m" + std::to_string(i)), "");
  turn();
  EXPECT_EQ(b.out.seqs(), (std::vector<std::int64_t>{3, 4, 5, 6, 7}));  // 1, 2: two joins
  EXPECT_TRUE(a.out.seqs().empty());
  EXPECT_EQ(c.out.count("\"room\":\"dev\""), 0u);  // not a member
  EXPECT_EQ(b.out.count("carol(3) joined"), 1u);    // the lobby's notice
  // Lobby notices 1 + 2 + 3 (each joiner gets its own), dev notices 1 + 2, five broadcasts to bob.
  EXPECT_EQ(hub.deliveries(), 14u);
}

TEST_F(ChatCore, MessagesOfOneTurnAreFlushedOnceARecipient) {
  Client a, b;
  login(a, "alice");
  login(b, "bob");
  const int before = b.out.flushes;
  for (int i = 0; i < 10; ++i) hub.broadcast(a.member, say("lobby", "x"), "");
  turn();
  EXPECT_EQ(b.out.seqs().size(), 10u);
  EXPECT_EQ(b.out.flushes - before, 1);
}

TEST_F(ChatCore, JoinAndLeaveCutTheStreamExactlyAndAnswerFirst) {
  Client a, b;
  login(a, "alice");
  login(b, "bob");
  hub.join(a.member, Join{"dev"}, "");
  hub.broadcast(a.member, say("dev", "before"), "");
  hub.join(b.member, Join{"dev"}, "");
  hub.broadcast(a.member, say("dev", "during"), "");
  hub.leave(b.member, "dev", "");
  hub.broadcast(a.member, say("dev", "after"), "");
  turn();
  EXPECT_EQ(b.out.count("before"), 0u);
  EXPECT_EQ(b.out.count("during"), 1u);
  EXPECT_EQ(b.out.count("after"), 0u);
  EXPECT_EQ(a.out.count("bob(2) left"), 1u);
  hub.who(a.member, "dev", "");
  turn();
  EXPECT_NE(a.out.lines.back().find(R"("users":[{"id":1,"nickname":"alice"}])"), std::string::npos)
      << a.out.lines.back();
}

TEST_F(ChatCore, ADetachedMemberLeavesItsRoomsAndFreesItsNickname) {
  Client a, b, again;
  login(a, "alice");
  login(b, "bob");
  hub.detach(b.member);
  hub.detach(b.member);  // idempotent
  hub.broadcast(a.member, say("lobby", "anyone?"), "");
  turn();
  EXPECT_EQ(b.out.count("anyone?"), 0u);
  EXPECT_EQ(a.out.count("bob(2) left"), 1u);
  login(again, "BOB");  // the nickname is free again
  EXPECT_EQ(again.member.id(), 3);
  EXPECT_EQ(hub.connections(), 2u);
}

TEST_F(ChatCore, ARoomKeepsNumberingAfterItEmpties) {
  Client a;
  login(a, "alice");
  hub.join(a.member, Join{"dev"}, "");
  hub.broadcast(a.member, say("dev", "one"), "11");
  hub.leave(a.member, "dev", "");
  hub.join(a.member, Join{"dev"}, "");
  hub.broadcast(a.member, say("dev", "two"), "22");
  turn();
  EXPECT_EQ(a.out.count(R"("type":"ack","req":11,"seq":2)"), 1u);  // 1: the join notice
  EXPECT_EQ(a.out.count(R"("type":"ack","req":22,"seq":5)"), 1u);  // 3: left, 4: joined
}

TEST_F(ChatCore, TheServerLimitAndShutdownRefuseAndClose) {
  limits.max_clients = 2;
  Client a, b, c;
  attach(a);
  attach(b);
  EXPECT_FALSE(hub.attach(c.member, c.out, ctx.get_executor()));
  hub.detach(b.member);
  EXPECT_TRUE(hub.attach(c.member, c.out, ctx.get_executor()));
  hub.shutdown();
  turn();
  EXPECT_EQ(a.out.closed, Errc::shutting_down);
  EXPECT_EQ(c.out.closed, Errc::shutting_down);
  Client late;
  EXPECT_FALSE(hub.attach(late.member, late.out, ctx.get_executor()));
}

// Two loops, as with --threads 2.
class ChatCoreSharded : public ::testing::Test {
 protected:
  ChatLimits limits;
  Core core{limits};
  Hub& hub = core.hub;
  Loop loops[2];
  StopFirst stop_first{loops, hub};

  // Attaches and logs `c` in on loop `i`.
  void enter(Client& c, int i, const std::string& nick) {
    loops[i].run([&] {
      ASSERT_TRUE(hub.attach(c.member, c.out, loops[i].executor()));
      hub.login(c.member, nick, "");
    });
  }
};

// Publishers on both, subscribers on both. Every subscriber
// gets every message once, in one seq order without gaps.
TEST_F(ChatCoreSharded, PublishersOnTwoLoopsAndEverySubscriberSeesOneOrder) {
  limits.max_queue_bytes = 1 << 30;
  limits.soft_queue_bytes = 1 << 30;
  constexpr int kSubs = 6, kMessages = 2000;
  Client subs[kSubs], pubs[2];
  for (int i = 0; i < kSubs; ++i) {
    enter(subs[i], i % 2, "sub" + std::to_string(i));
    loops[i % 2].run([&, i] { hub.join(subs[i].member, Join{"fan"}, ""); });
  }
  for (int p = 0; p < 2; ++p) {
    enter(pubs[p], p, "pub" + std::to_string(p));
    loops[p].run([&, p] { hub.join(pubs[p].member, Join{"fan"}, ""); });
  }
  for (auto& l : loops) l.settle();
  std::atomic<int> ready{0};
  std::thread publishers[2];
  for (int p = 0; p < 2; ++p) {
    publishers[p] = std::thread([&, p] {
      ++ready;
      while (ready < 2) std::this_thread::yield();
      for (int k = 0; k < kMessages; k += 50) {  // 50 a loop turn
        loops[p].run([&, p, k] {
          for (int j = k; j < k + 50; ++j) hub.broadcast(pubs[p].member, say("fan", "m"), "");
        });
      }
    });
  }
  for (auto& t : publishers) t.join();
  for (auto& l : loops) l.settle();
  for (int i = 0; i < kSubs; ++i) {
    loops[i % 2].run([&, i] {
      const auto seqs = subs[i].out.seqs();
      ASSERT_EQ(seqs.size(), 2u * kMessages) << "subscriber " << i;
      for (std::size_t k = 1; k < seqs.size(); ++k) ASSERT_EQ(seqs[k], seqs[k - 1] + 1) << i;
    });
  }
  for (int i = 0; i < kSubs; ++i) loops[i % 2].run([&, i] { hub.detach(subs[i].member); });
  for (int p = 0; p < 2; ++p) loops[p].run([&, p] { hub.detach(pubs[p].member); });
}

// A member joining and leaving on one loop while another loop publishes sees a contiguous
// run of the room's seqs, starting right after its own join notice.
TEST_F(ChatCoreSharded, AJoinOnAnotherLoopStartsRightAfterItsNotice) {
  Client pub, sub;
  enter(pub, 0, "pub");
  loops[0].run([&] { hub.join(pub.member, Join{"fan"}, ""); });
  enter(sub, 1, "sub");
  std::atomic<bool> stop{false};
  std::thread publisher([&] {
    while (!stop) loops[0].run([&] { hub.broadcast(pub.member, say("fan", "m"), ""); });
  });
  for (int round = 0; round < 20; ++round) {
    loops[1].run([&] { hub.join(sub.member, Join{"fan"}, ""); });
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    loops[1].run([&] { hub.leave(sub.member, "fan", ""); });
  }
  stop = true;
  publisher.join();
  loops[1].settle();
  loops[1].run([&] {
    std::vector<std::int64_t> joined;
    for (const auto& l : sub.out.lines) {
      if (l.find("sub(2) joined") != std::string::npos && l.find("\"fan\"") != std::string::npos) {
        joined.push_back(seq_of(l));
      }
    }
    ASSERT_EQ(joined.size(), 20u);
    // Between two joins, the broadcasts form one contiguous run right after the join.
    std::size_t j = 0;
    std::int64_t expect = 0;
    for (const auto& l : sub.out.lines) {
      const auto seq = seq_of(l);
      if (l.find("\"fan\"") == std::string::npos || seq < 0) continue;
      if (l.find("sub(2) joined") != std::string::npos) {
        expect = joined[j++] + 1;
        continue;
      }
      ASSERT_EQ(seq, expect) << l;
      ++expect;
    }
  });
  loops[0].run([&] { hub.detach(pub.member); });
  loops[1].run([&] { hub.detach(sub.member); });
}

TEST_F(ChatCoreSharded, ADirectMessageReachesAUserOnAnotherLoop) {
  Client a, b;
  enter(a, 0, "alice");
  enter(b, 1, "bob");
  loops[0].run([&] {
    Direct d;
    d.to = "BOB";
    d.message = "psst";
    hub.direct(a.member, d, "7");
  });
  loops[1].settle();
  loops[1].run([&] { EXPECT_EQ(b.out.count(R"("type":"direct")"), 1u); });
  loops[0].run([&] {
    EXPECT_EQ(a.out.count(R"("type":"ack","req":7)"), 1u);
    hub.detach(a.member);
  });
  loops[1].run([&] { hub.detach(b.member); });
}

// An entry whose work holds a lock and posts to its own shard (a login admitted on its loop
// joins the lobby under the hub's lock) must not have that post applied inside it, which would
// take the lock again: what it posts runs after it.
TEST(ChatShard, WorkPostedFromAnEntryRunsAfterItNotInsideIt) {
  Loop loop;
  FakeOutbox out;
  std::unique_ptr<Shard> shard;
  loop.run([&] {
    shard = std::make_unique<Shard>(loop.executor());
    shard->attach(1, out);
  });
  std::mutex mu;
  std::vector<int> order;
  std::thread other([&] {
    shard->post_call(1, [&] {
      std::lock_guard lock(mu);
      order.push_back(1);
      shard->post_call(1, [&] {
        std::lock_guard again(mu);
        order.push_back(2);
      });
      order.push_back(3);
    });
  });
  other.join();
  loop.settle();
  EXPECT_EQ(order, (std::vector<int>{1, 3, 2}));
  loop.run([&] {
    shard->detach(1);
    shard->stop();
  });
  loop.join();
}

// The deadlock this rule prevents: on the loop, a caller holding a lock posts an entry that
// takes the same lock (a login admitted under the hub's mutex, a kick's expel). Posting only
// appends; the entry runs in the loop's next drain, with nothing held.
TEST(ChatShard, PostingUnderALockTheEntryTakesRunsItLaterOnTheSameLoop) {
  Loop loop;
  FakeOutbox out;
  std::unique_ptr<Shard> shard;
  Mutex mu;
  bool ran_inside = false, ran = false;
  loop.run([&] {
    shard = std::make_unique<Shard>(loop.executor());
    shard->attach(1, out);
    MutexLock lock(mu);
    shard->post_call(1, [&] {
      MutexLock again(mu);  // deadlocks if run inside post_call
      ran = true;
    });
    ran_inside = ran;
  });
  loop.settle();
  EXPECT_FALSE(ran_inside);
  EXPECT_TRUE(ran);
  loop.run([&] {
    shard->detach(1);
    shard->stop();
  });
  loop.join();
}

}  // namespace
}  // namespace sockit::chat
