// ReusablePool over socketpairs: the longest idle goes first, a busy connection never goes,
// and the one that goes sees end of stream.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <thread>

#include "sockit/server/reusable.hpp"
#include "sockit/socket/socket.hpp"

namespace sockit::server {
namespace {

using namespace std::chrono_literals;

// A connection as a server holds it (`served`), with its client's end, in `pool`.
struct Connection {
  explicit Connection(ReusablePool& pool)
      : ends(Socket::pair()), reusable(&pool, ends.first.fileno()) {}
  Socket& served() { return ends.first; }
  // Whether the server's end was shut down: it then reads end of stream at once.
  bool evicted() {
    served().settimeout(0ms);
    std::array<char, 1> byte{};
    std::error_code ec;
    return served().recv_into(byte, ec) == 0 && !ec;
  }
  std::pair<Socket, Socket> ends;
  Reusable reusable;
};

TEST(ReusablePool, TheLongestIdleGoesFirstAndBusyNeverGoes) {
  ReusablePool pool;
  Connection a(pool), b(pool), c(pool), d(pool);
  b.reusable.idle();
  std::this_thread::sleep_for(2ms);
  a.reusable.idle();
  c.reusable.idle();
  c.reusable.busy();  // a request began
  EXPECT_EQ(pool.idle_count(), 2u);
  EXPECT_TRUE(pool.evict_oldest());
  EXPECT_TRUE(b.evicted());
  EXPECT_FALSE(a.evicted());
  EXPECT_TRUE(pool.evict_oldest());
  EXPECT_TRUE(a.evicted());
  EXPECT_FALSE(pool.evict_oldest());  // c is busy, d never waited
  EXPECT_FALSE(c.evicted());
  EXPECT_FALSE(d.evicted());
  a.reusable.idle();  // an evicted connection is not listed again
  EXPECT_EQ(pool.idle_count(), 0u);
}

TEST(ReusablePool, IdleWaitAndLeavingThePool) {
  ReusablePool pool;
  auto a = std::make_unique<Connection>(pool);
  {
    IdleWait wait(a->reusable);
    EXPECT_EQ(pool.idle_count(), 1u);
  }
  EXPECT_EQ(pool.idle_count(), 0u);
  a->reusable.idle();
  a.reset();  // leaves the pool while idle
  EXPECT_EQ(pool.idle_count(), 0u);
  EXPECT_FALSE(pool.evict_oldest());
  Reusable unpooled;  // datagrams: marks do nothing
  unpooled.idle();
  unpooled.busy();
}

TEST(ReusablePool, AcrossPoolsTheOldestGoes) {
  ReusablePool first, second;
  Connection a(first), b(second);
  b.reusable.idle();
  std::this_thread::sleep_for(2ms);
  a.reusable.idle();
  const std::array<ReusablePool*, 2> pools{&first, &second};
  EXPECT_TRUE(evict_oldest(pools));
  EXPECT_TRUE(b.evicted());
  EXPECT_FALSE(a.evicted());
  first.close();  // stopping: nothing is evicted any more
  EXPECT_FALSE(evict_oldest(pools));
  EXPECT_FALSE(a.evicted());
}

}  // namespace
}  // namespace sockit::server
