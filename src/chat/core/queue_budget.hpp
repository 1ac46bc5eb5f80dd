// Internal: the memory that all chat sessions' unsent output holds, against --max-queue-total.
//
// Counted as memory, not as what each client owes: a broadcast's bytes once (however many
// queues share it) plus one queue entry per recipient. A fast reader that owes a legal burst
// costs little; what grows with stalled readers is counted.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "chat/transport/transport.hpp"

namespace sockit::chat {

/// Thread safe: every member may be called from any thread. Must outlive every Encoded it
/// made and every session that charges it.
class QueueBudget {
 public:
  /// What one queued message costs a session beyond the shared bytes.
  static constexpr std::size_t kEntryCost = sizeof(Encoded);

  explicit QueueBudget(std::size_t limit) noexcept : limit_(limit) {}

  /// `text` as a shared message whose bytes count until its last holder lets go.
  Encoded share(std::string text);

  void charge(std::size_t bytes) noexcept { used_.fetch_add(bytes, std::memory_order_relaxed); }
  void release(std::size_t bytes) noexcept { used_.fetch_sub(bytes, std::memory_order_relaxed); }
  /// Sessions that may hold output (an equal share is limit / holders).
  void join() noexcept { holders_.fetch_add(1, std::memory_order_relaxed); }
  void leave() noexcept { holders_.fetch_sub(1, std::memory_order_relaxed); }

  /// True when the total is past the limit and a session owing `owed` bytes holds more than
  /// an equal share: it is the one to cut.
  bool over_share(std::size_t owed) const noexcept {
    if (used() <= limit_) return false;
    return owed > limit_ / std::max<std::size_t>(holders_.load(std::memory_order_relaxed), 1);
  }

  std::size_t used() const noexcept { return used_.load(std::memory_order_relaxed); }
  std::size_t limit() const noexcept { return limit_; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
  std::atomic<std::size_t> holders_{0};
};

}  // namespace sockit::chat
