// The password-check pool: bounded per source and in all, fair between sources, and a check
// whose client has gone is dropped unrun.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "chat/core/hashing_pool.hpp"

namespace sockit::chat {
namespace {

using Submitted = HashingPool::Submitted;

// Holds the pool's one thread until open() is called.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }
  void open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(ChatHashingPool, BoundedPerSourceAndInAllFairBetweenSourcesAndDropsTheGone) {
  HashingPool pool(HashingPool::Limits{1, 6, 3});
  auto alive = std::make_shared<const int>(0);
  Gate gate;
  std::mutex mu;
  std::vector<std::string> order;
  auto job = [&](std::string name) {
    return [&, name] {
      std::lock_guard lock(mu);
      order.push_back(name);
    };
  };
  // The one thread is held by the first job of "busy".
  ASSERT_EQ(pool.submit("busy", alive, [&] { gate.wait(); }), Submitted::queued);
  while (pool.queued() != 0) std::this_thread::yield();  // it is running, not waiting
  EXPECT_EQ(pool.submit("a", alive, job("a1")), Submitted::queued);
  EXPECT_EQ(pool.submit("a", alive, job("a2")), Submitted::queued);
  EXPECT_EQ(pool.submit("a", alive, job("a3")), Submitted::queued);
  EXPECT_EQ(pool.submit("a", alive, job("a4")), Submitted::source_full);
  auto gone = std::make_shared<const int>(0);
  EXPECT_EQ(pool.submit("b", gone, job("b1")), Submitted::queued);
  EXPECT_EQ(pool.submit("b", alive, job("b2")), Submitted::queued);
  EXPECT_EQ(pool.submit("c", alive, job("c1")), Submitted::queued);
  EXPECT_EQ(pool.submit("d", alive, job("d1")), Submitted::full);  // 6 wait in all
  gone.reset();  // b1's client leaves before its turn
  gate.open();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    {
      std::lock_guard lock(mu);
      if (order.size() == 5) break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  pool.stop();
  // Sources in turn, each its oldest first; b1 was dropped unrun (and took b's turn).
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "c1", "a2", "b2", "a3"}));
  EXPECT_EQ(pool.submit("a", alive, job("late")), Submitted::stopped);
}

}  // namespace
}  // namespace sockit::chat
