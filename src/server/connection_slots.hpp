// Internal: a server's connection limit as slots. A slot is taken before a connection is
// accepted and given back once its socket is closed, so at no instant are more connections
// open than there are slots — not within a batch of accepts, and not while connections closed
// to make room are still ending.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <utility>

#include "sockit/core/mutex.hpp"

namespace sockit::server {

class ConnectionSlots;

/// One taken slot, given back when released or destroyed. Move-only; not thread safe (one
/// connection's owner holds it).
class ConnectionSlot {
 public:
  ConnectionSlot() noexcept = default;
  ~ConnectionSlot() { release(); }
  ConnectionSlot(ConnectionSlot&& o) noexcept : slots_(std::exchange(o.slots_, nullptr)) {}
  ConnectionSlot& operator=(ConnectionSlot&& o) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

  /// Whether a slot is held.
  explicit operator bool() const noexcept { return slots_ != nullptr; }
  /// Gives the slot back now (after the connection's socket is closed).
  void release() noexcept;

 private:
  friend class ConnectionSlots;
  explicit ConnectionSlot(ConnectionSlots* slots) noexcept : slots_(slots) {}
  ConnectionSlots* slots_ = nullptr;
};

/// Thread safe. Must outlive every slot it gave.
class ConnectionSlots {
 public:
  /// `max` slots (at least one).
  explicit ConnectionSlots(std::size_t max) noexcept : max_(max ? max : 1) {}
  ConnectionSlots(const ConnectionSlots&) = delete;
  ConnectionSlots& operator=(const ConnectionSlots&) = delete;

  /// A free slot, or an empty one when all are taken.
  ConnectionSlot try_take() noexcept;
  /// Slots taken now.
  std::size_t in_use() const noexcept { return used_.load(); }
  std::size_t max() const noexcept { return max_; }

  /// `wake` runs on the thread that gives a slot back, whenever a slot is given back while
  /// someone waits (between begin_wait and end_wait): it must only post a wake-up. Set once,
  /// before any slot is taken; clear_wake() before what it posts to is destroyed.
  void on_free(std::function<void()> wake) SOCKIT_EXCLUDES(wake_mu_);
  void clear_wake() noexcept SOCKIT_EXCLUDES(wake_mu_);
  /// A waiter that found no slot: after begin_wait(), try try_take() once more before waiting,
  /// so a slot given back in between is not missed.
  void begin_wait() noexcept { ++waiting_; }
  void end_wait() noexcept { --waiting_; }

 private:
  friend class ConnectionSlot;
  void give_back() noexcept SOCKIT_EXCLUDES(wake_mu_);

  const std::size_t max_;
  std::atomic<std::size_t> used_{0};
  std::atomic<std::size_t> waiting_{0};
  // A leaf: wake_ runs under it (it only posts), so that after clear_wake() it never runs.
  Mutex wake_mu_;
  std::function<void()> wake_ SOCKIT_GUARDED_BY(wake_mu_);
};

}  // namespace sockit::server
