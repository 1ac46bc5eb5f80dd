// The chat server's limits, in process: Sessions over MemoryTransports, the test the peers.
// Moved from the binary-driven tests Chat.ErrorsThatCloseTheConnection and
// Chat.ASlowConsumerIsDroppedAndNobodyElseWaits: the same limits and expected answers, with
// counted bytes instead of kernel buffers. End to end, the binary keeps one test of each:
// ChatWeb.AnOversizeFrameIsRefusedAndClosedAsTooBig, ChatWeb.LoginTimeoutAndKeepAlivePings...,
// ChatSafety.ARateLimitRefusalCarriesItsReq..., ConnectionLimit (server_full) and
// ChatWeb.ASlowWebSocketReaderIsClosedWithAReasonAndNobodyElseWaits.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "support/chat_session.hpp"

namespace sockit::chat {
namespace {

using Peer = test::SessionTest::Peer;
using test::MemoryTransport;

class ChatSessionLimits : public test::SessionTest {};

// An object past the frame limit is refused and the connection closed, whatever it was.
TEST_F(ChatSessionLimits, AnOversizeFrameIsRefusedAndClosed) {
  limits.max_frame_bytes = 200;
  Peer& a = connect();
  a.transport.send_bytes(R"({"type":"login","nickname":")" + std::string(500, 'x') + R"("})");
  EXPECT_EQ(next_error(a), "frame_too_large");
  EXPECT_TRUE(closed(a));
  end_all();
}

// No login in time: login_timeout, closed. (The timer is the Session's own; the run waits for
// it, it measures nothing.)
TEST_F(ChatSessionLimits, NoLoginInTimeIsClosedWithLoginTimeout) {
  limits.login_timeout = std::chrono::milliseconds(20);
  Peer& b = connect();
  EXPECT_EQ(next_error(b), "login_timeout");
  EXPECT_TRUE(closed(b));
  end_all();
}

// The login spends one token of three; of six broadcasts two are acked and four refused. The
// rate refills a token in 2 s, far longer than this takes, so the count does not depend on the
// machine's speed.
TEST_F(ChatSessionLimits, BroadcastsPastTheBurstAreRefused) {
  limits.rate = 0.5;
  limits.burst = 3;
  Peer& c = connect();
  login(c, "c");
  next_type(c, "system");  // its own joined notice
  for (int i = 0; i < 6; ++i) {
    c.transport.send(R"({"type":"broadcast","message":"m","req":)" + std::to_string(i) + "}");
  }
  std::vector<std::string> types;
  for (int i = 0; i < 6; ++i) types.push_back(std::string(next(c).at("type").as_string()));
  EXPECT_EQ(std::count(types.begin(), types.end(), "ack"), 2);
  EXPECT_EQ(std::count(types.begin(), types.end(), "error"), 4);
  end_all();
}

// max_clients counts connections, logged in or not; closed ones free their place. One more is
// told server_full and closed.
TEST_F(ChatSessionLimits, OneConnectionPastMaxClientsIsToldServerFull) {
  limits.max_clients = 3;
  limits.max_frame_bytes = 200;
  Peer& a = connect();  // closed by the server
  a.transport.send_bytes(R"({"type":"login","nickname":")" + std::string(500, 'x') + R"("})");
  EXPECT_EQ(next_error(a), "frame_too_large");
  EXPECT_TRUE(closed(a));
  Peer& b = connect();  // closed by the peer
  b.transport.send(R"({"type":"ping"})");
  next_type(b, "pong");
  b.transport.abort();
  run_until([&] { return b.ended; });
  Peer& c = connect();
  login(c, "c");
  Peer& d = connect();
  Peer& e = connect();
  for (Peer* x : {&d, &e}) {
    x->transport.send(R"({"type":"ping"})");
    next_type(*x, "pong");
  }
  Peer& f = connect();
  EXPECT_EQ(next_error(f), "server_full");
  EXPECT_TRUE(closed(f));
  end_all();
}

// The number in "m01234 xxx…", or -1.
int number_of(std::string_view line) {
  const auto at = line.find(R"("message":"m)");
  if (at == std::string::npos || line.size() < at + 17) return -1;
  return std::stoi(std::string(line.substr(at + 12, 5)));
}

// A reader that never reads (a 4 KiB window) is cut at the hard limit while fifty readers that
// keep up get every message in order. The sender sends in rounds of 300, as the binary-driven
// test kept its sender at most 300 messages ahead of the slowest reader.
TEST_F(ChatSessionLimits, ASlowConsumerIsDroppedAndNobodyElseWaits) {
  limits.max_queue_bytes = 262144;
  limits.rate = 100000;
  limits.burst = 100000;
  Peer& slow = connect(4096);
  slow.transport.send(R"({"type":"login","nickname":"slow"})");
  std::vector<Peer*> readers;
  for (int i = 0; i < 50; ++i) {
    readers.push_back(&connect());
    login(*readers.back(), "r" + std::to_string(i));
  }
  Peer& sender = connect();
  login(sender, "sender");
  constexpr int kN = 4000;
  for (int i = 0; i < kN; ++i) {
    char number[8];
    std::snprintf(number, sizeof number, "m%05d", i);
    sender.transport.send(R"({"type":"broadcast","message":")" + std::string(number) + " " +
                          std::string(300, 'x') + R"("})");
    if (i % 300 == 299) settle();
  }
  const auto done = [&](Peer& r) {  // the last message is in (a look at the end only)
    const auto& w = r.transport.written();
    return !w.empty() && w.back() == '\n' &&
           w.find("m03999", w.size() > 1024 ? w.size() - 1024 : 0) != std::string::npos;
  };
  run_until([&] {
    return std::all_of(readers.begin(), readers.end(), [&](Peer* r) { return done(*r); });
  });
  std::size_t whole = 0;
  for (Peer* r : readers) {
    std::vector<int> got;
    const auto& w = r->transport.written();
    for (std::size_t at = 0, nl; (nl = w.find('\n', at)) != std::string::npos; at = nl + 1) {
      const std::string_view line(w.data() + at, nl - at);
      if (line.find(R"("type":"broadcast")") != line.npos) got.push_back(number_of(line));
    }
    std::vector<int> all(kN);
    for (int i = 0; i < kN; ++i) all[static_cast<std::size_t>(i)] = i;
    whole += got == all;
  }
  EXPECT_EQ(whole, readers.size());
  EXPECT_EQ(hub.stats().errors(Errc::slow_consumer), 1U);
  EXPECT_TRUE(closed(slow));  // once its linger has passed
  end_all();
}

}  // namespace
}  // namespace sockit::chat
