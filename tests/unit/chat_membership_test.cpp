// The membership cut, in process: a kick takes a member out of a private room at one seq, while
// publishers on both loops keep the room busy. The member must receive exactly the room's
// messages numbered between its join and its removal, and nothing sent after the owner's kick
// answer.
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "chat/store/private_rooms.hpp"
#include "sockit/chat/store/accounts.hpp"
#include "support/chat_core.hpp"
#include "support/temp_dir.hpp"

namespace sockit::chat {
namespace {

using test::Client;
using test::Loop;
namespace json = boost::json;

constexpr ScryptCost kCheap{10, 1, 1};  // tests need no slow hashing
constexpr auto kWait = std::chrono::seconds(20);

// One room message as a member received it.
struct Seen {
  std::string type;  // broadcast or system
  std::int64_t seq;
  std::string text;
};

// What `c` received in `room` so far, in order. On c's loop.
std::vector<Seen> seen_in(const Client& c, const std::string& room) {
  std::vector<Seen> out;
  for (const auto& line : c.out.lines) {
    const json::value value = json::parse(line);
    const auto& v = value.as_object();
    const auto* r = v.if_contains("room");
    const auto* seq = v.if_contains("seq");
    if (!r || !seq || r->as_string() != room) continue;
    const auto type = std::string(v.at("type").as_string());
    if (type != "broadcast" && type != "system") continue;
    out.push_back({type, seq->as_int64(), std::string(v.at("message").as_string())});
  }
  return out;
}

class ChatMembership : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* nick : {"owner", "mem", "pub0", "pub1"}) book.add(nick, "pw", kCheap);
  }

  // Attaches `c` on loop `i` and logs it in with its password; waits for the answer.
  void enter(Client& c, int i, const std::string& nick) {
    loops[i].run([&] {
      ASSERT_TRUE(hub.attach(c.member, c.out, loops[i].executor()));
      c.member.set_source("127.0.0.1");
      hub.login(c.member, Login{nick, "pw"}, "login");
    });
    wait_for(c, i, R"("type":"login","status":"ok")");
  }
  // Waits until `c` has received `n` lines containing `text` in all. Scans each line once (the
  // publishers fill the outboxes fast: rescanning them made the test quadratic).
  void wait_for(Client& c, int i, const std::string& text, std::size_t n = 1) {
    auto& [scanned, found] = progress_[{&c, text}];
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    for (;;) {
      loops[i].run([&] {
        for (; scanned < c.out.lines.size(); ++scanned)
          found += c.out.lines[scanned].find(text) != std::string::npos;
      });
      if (found >= n) return;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "waiting for " << text;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  std::map<std::pair<const Client*, std::string>, std::pair<std::size_t, std::size_t>> progress_;
  sockit::test::TempDir dir{"sockit-membership"};
  AccountBook book{dir.path()};
  PrivateRooms rooms{dir.path()};
  ChatLimits limits = [] {
    ChatLimits l;
    l.max_queue_bytes = l.soft_queue_bytes = std::size_t{1} << 30;
    return l;
  }();
  test::Core core{limits, HubAccounts{&book, &rooms, false, std::chrono::hours(1)}};
  Hub& hub = core.hub;
  Loop loops[2];
  test::StopFirst stop_first{loops, hub};
};

// The owner is on loop 0 with one publisher; the member on loop 1 with the other. Each round
// the member is invited, joins, and is kicked while both publishers publish; after the kick
// answer the owner publishes a last message, which the member must never get.
TEST_F(ChatMembership, AKickCutsAtOneSeqWhilePublishersRace) {
  constexpr int kRounds = 200;
  Client owner, mem, pubs[2];
  enter(owner, 0, "owner");
  enter(mem, 1, "mem");
  enter(pubs[0], 0, "pub0");
  enter(pubs[1], 1, "pub1");
  loops[0].run([&] { hub.join(owner.member, Join{"den", true}, "mk"); });
  wait_for(owner, 0, R"("type":"join","room":"den")");
  for (int p = 0; p < 2; ++p) {
    loops[0].run([&, p] {
      hub.invite(owner.member, Invite{"den", "pub" + std::to_string(p)}, "i");
    });
    wait_for(owner, 0, R"("type":"invite")", static_cast<std::size_t>(p) + 1);
    loops[p].run([&, p] { hub.join(pubs[p].member, Join{"den"}, ""); });
  }

  std::atomic<bool> stop{false};
  std::thread publishers[2];
  for (int p = 0; p < 2; ++p) {
    publishers[p] = std::thread([&, p] {
      Broadcast b;
      b.room = "den";
      b.message = "race";
      while (!stop) {
        loops[p].run([&] { hub.broadcast(pubs[p].member, b, ""); });
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
    });
  }
  for (int round = 0; round < kRounds; ++round) {
    const auto n = static_cast<std::size_t>(round) + 1;
    loops[0].run([&] { hub.invite(owner.member, Invite{"den", "mem"}, "inv"); });
    wait_for(owner, 0, R"("type":"invite","room":"den","nickname":"mem")", n);
    loops[1].run([&] { hub.join(mem.member, Join{"den"}, "j"); });
    wait_for(mem, 1, R"("type":"join","room":"den")", n);
    loops[0].run([&] { hub.kick(owner.member, Kick{"den", "mem"}, "k"); });
    wait_for(owner, 0, R"("type":"kick","room":"den","nickname":"mem","status":"ok")", n);
    loops[0].run([&] {
      Broadcast b;
      b.room = "den";
      b.message = "after " + std::to_string(round);
      hub.broadcast(owner.member, b, "");
    });
    wait_for(mem, 1, R"("type":"kicked")", n);
  }
  stop = true;
  for (auto& t : publishers) t.join();
  for (auto& l : loops) l.settle();

  // The room's whole order, from a member that never left (the owner misses only its own).
  std::vector<Seen> all, got;
  loops[0].run([&] { all = seen_in(owner, "den"); });
  loops[1].run([&] { got = seen_in(mem, "den"); });
  std::set<std::int64_t> windows;  // seqs the member had to get: after its join, before its cut
  bool inside = false;
  std::size_t cuts = 0;
  for (const auto& s : all) {
    if (s.type == "system" && s.text.find("mem(") == 0 &&
        s.text.find(" joined") != std::string::npos) {
      inside = true;
      continue;
    }
    if (s.type == "system" && s.text.find("mem(") == 0 &&
        s.text.find("was removed by owner") != std::string::npos) {
      inside = false;
      ++cuts;
      continue;
    }
    if (inside) windows.insert(s.seq);
  }
  ASSERT_EQ(cuts, static_cast<std::size_t>(kRounds));
  std::size_t leaks = 0, afters = 0;
  std::set<std::int64_t> received;
  for (const auto& s : got) {
    if (s.type == "system" && s.text.find("mem(") == 0) continue;  // its own joined notices
    received.insert(s.seq);
    leaks += windows.count(s.seq) == 0;
    afters += s.text.rfind("after ", 0) == 0;
  }
  EXPECT_EQ(leaks, 0U) << "messages numbered after a kick reached the kicked member";
  EXPECT_EQ(afters, 0U) << "a message sent after the kick answer reached the kicked member";
  EXPECT_EQ(received, windows) << "the member missed messages numbered while it was in";
  for (auto* c : {&owner, &pubs[0]}) loops[0].run([&] { hub.detach(c->member); });
  for (auto* c : {&mem, &pubs[1]}) loops[1].run([&] { hub.detach(c->member); });
}

}  // namespace
}  // namespace sockit::chat
