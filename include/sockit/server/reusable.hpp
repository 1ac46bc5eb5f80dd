// Reusable connections (nginx's name for them): a server at its connection limit makes room
// for a newcomer by closing the connection that has waited longest for a request — one that
// has not sent a byte of a request yet, or sits idle between keep-alive requests. A
// connection in the middle of a request is never closed this way, so idle clients, however
// many, cannot lock real ones out.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <span>

namespace sockit::server {

class ReusablePool;

/// One connection's standing. The server makes one per connection (busy at first) and hands
/// it to the handler, which marks the waits for a request (IdleWait). Used by the thread
/// serving the connection only; the pool it is in is thread safe.
class Reusable {
 public:
  /// In no pool: idle() and busy() do nothing (datagrams; handlers that never wait).
  Reusable() noexcept = default;
  /// Joins `pool` as busy (a null pool: none). `fd` is the connection's socket, which must
  /// stay open until this object is destroyed.
  Reusable(ReusablePool* pool, int fd) noexcept;
  /// Leaves the pool (before the socket closes, so an eviction never hits a reused number).
  ~Reusable();
  Reusable(const Reusable&) = delete;
  Reusable& operator=(const Reusable&) = delete;

  /// Waiting for a request: the pool may now shut the socket down (both directions), which
  /// ends the wait with end of stream.
  void idle() noexcept;
  /// Serving a request: never evicted.
  void busy() noexcept;

 private:
  friend class ReusablePool;
  using Clock = std::chrono::steady_clock;

  ReusablePool* pool_ = nullptr;
  int fd_ = -1;
  // The pool's idle list, oldest first; all of these are guarded by the pool's mutex.
  Reusable* prev_ = nullptr;
  Reusable* next_ = nullptr;
  bool listed_ = false;
  bool evicted_ = false;
  Clock::time_point idle_since_;
};

/// idle() for its lifetime, then busy(): wraps one wait for a request. Works across co_await.
class IdleWait {
 public:
  explicit IdleWait(Reusable& reusable) noexcept : reusable_(reusable) { reusable_.idle(); }
  ~IdleWait() { reusable_.busy(); }
  IdleWait(const IdleWait&) = delete;
  IdleWait& operator=(const IdleWait&) = delete;

 private:
  Reusable& reusable_;
};

/// The idle connections of one server, or of one event loop of a server. Thread safe.
class ReusablePool {
 public:
  ReusablePool() = default;
  ReusablePool(const ReusablePool&) = delete;
  ReusablePool& operator=(const ReusablePool&) = delete;

  /// Shuts down the socket of the connection idle longest, passing over those whose request
  /// has begun to arrive (unread bytes); false if none is idle.
  bool evict_oldest() noexcept;
  /// When the longest-idle connection began to wait; nullopt if none is idle.
  std::optional<std::chrono::steady_clock::time_point> oldest_idle_since() const;
  /// Idle connections now.
  std::size_t idle_count() const;
  /// Evicts nothing from now on (the server is stopping and closing sockets itself).
  void close() noexcept;

 private:
  friend class Reusable;
  void link(Reusable& r) noexcept;    // at the tail; mu_ held
  void unlink(Reusable& r) noexcept;  // mu_ held

  mutable std::mutex mu_;
  Reusable* head_ = nullptr;  // the oldest idle connection
  Reusable* tail_ = nullptr;
  std::size_t count_ = 0;
  bool closed_ = false;
};

/// Evicts the longest-idle connection among `pools` (one per event loop); false if none of
/// them has one. Thread safe.
bool evict_oldest(std::span<ReusablePool* const> pools) noexcept;

}  // namespace sockit::server
