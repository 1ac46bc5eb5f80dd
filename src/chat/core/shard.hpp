// Internal: one event loop's part of the chat room — the connections that loop serves, and per
// room the list of those that are members — and the loop's delivery of room messages.
//
// Ordering: a room's messages are numbered under Room::mu, and in the same critical section
// handed to the inbox of every shard that has members of the room (post_room). An inbox is
// FIFO and only its own loop drains it, delivering each entry to its members' outboxes in
// inbox order, and an outbox writes in order; so every member sees a room's messages in seq
// order. Joins and leaves go through the same inbox (post_join/post_leave), so a member gets
// exactly the messages numbered after its join and before its leave.
//
// Posting never runs work inline, on the loop itself neither: it appends to the inbox, and the
// loop applies its inbox at one point (a drain handler) with no lock held. So a caller may
// post while holding the hub's or a room's mutex, and an entry may take them.
//
// Cost: a room message costs one inbox entry per shard (a mutex and, when the loop was not
// already due to drain, one asio::post), then a loop over the shard's local members with no
// lock and no shared atomic. Outboxes pushed to in a turn are flushed once at its end, so
// messages arriving together cost one write per member.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "chat/core/outbox.hpp"
#include "chat/core/room.hpp"
#include "sockit/core/mutex.hpp"

namespace sockit::chat {

class Shard {
 public:
  using Clock = std::chrono::steady_clock;
  /// Under load, deliveries are written at most once per kPace (see schedule_flush()).
  static constexpr std::chrono::microseconds kPace{500};

  /// `executor` runs one thread (an io_context run by one thread): the shard's loop.
  explicit Shard(boost::asio::any_io_executor executor);
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // ---- From any thread: queued in the inbox, applied in order on the loop. ----

  /// Delivers `message` of `room` to every local member except `except` (0: none).
  void post_room(const std::shared_ptr<Room>& room, Encoded message, ConnId except);
  /// Delivers `message` to one connection, if it is still here.
  void post_one(ConnId conn, Encoded message);
  /// Makes `conn` a local member of `room` / no longer one, at this point of the room's
  /// message order.
  void post_join(const std::shared_ptr<Room>& room, ConnId conn);
  void post_leave(const std::shared_ptr<Room>& room, ConnId conn);
  /// Closes every connection of the shard with `code` (shutdown).
  void post_close_all(Errc code, std::string message);
  /// Runs `fn` on the loop, in inbox order, if `conn` is still here then (so `fn` may use
  /// what the connection owns).
  void post_call(ConnId conn, std::function<void()> fn);

  // ---- On the loop only. ----

  /// Serves `out` as `conn` from now on; `out` must stay valid until detach(conn).
  void attach(ConnId conn, Outbox& out);
  /// Forgets `conn`: it leaves every local member list it is in and nothing more reaches its
  /// outbox. Idempotent.
  void detach(ConnId conn);
  /// Queues `message` to `out` now (an answer to its own request) and flushes it at the end
  /// of the turn.
  void send(Outbox& out, const Encoded& message);

  /// Drops the shard's timer. Call once its loop has stopped and before the loop's
  /// io_context is destroyed (the Hub does, in stop_background()).
  void stop() noexcept;

  /// Room messages handed to local outboxes so far. Thread safe (relaxed: a monotonic count).
  std::uint64_t deliveries() const noexcept { return deliveries_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    enum class Kind { room, one, join, leave, close_all, call };
    Kind kind;
    std::shared_ptr<Room> room;
    Encoded message;
    ConnId conn = 0;  // the recipient, joiner or leaver; for room: the one to skip
    Errc code = Errc::shutting_down;  // close_all: message holds the text
    std::function<void()> fn = nullptr;  // call
  };
  struct Conn {
    Outbox* out;
    std::vector<const Room*> rooms;  // the local member lists it is in
  };
  struct Local {
    ConnId conn;
    Outbox* out;
  };

  void post(Entry entry) SOCKIT_EXCLUDES(inbox_mu_);
  void drain() SOCKIT_EXCLUDES(inbox_mu_);
  void apply(const Entry& e);
  void deliver_room(const Entry& e);
  void join_local(const Room* room, ConnId conn);
  void leave_local(const Room* room, ConnId conn);
  void mark(Outbox& out);
  void mark_urgent(Outbox& out);
  void flush_urgent();
  void schedule_flush();
  void flush_marked();
  void flush_all(std::vector<Outbox*>& outs, bool Outbox::*due);
  void count(std::size_t n) noexcept {
    deliveries_.store(deliveries_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  const boost::asio::any_io_executor executor_;

  // The last lock of every order (docs/architecture.md): nothing is taken or run under it.
  Mutex inbox_mu_;
  std::vector<Entry> inbox_ SOCKIT_GUARDED_BY(inbox_mu_);
  bool drain_due_ SOCKIT_GUARDED_BY(inbox_mu_) = false;  // a drain is posted, not run yet

  // The loop's own state: no lock.
  std::vector<Entry> work_;      // the inbox being applied by drain()
  std::unordered_map<ConnId, Conn> conns_;
  std::unordered_map<const Room*, std::vector<Local>> rooms_;
  std::vector<Outbox*> marked_;  // deliveries pushed: flushed at the end of the turn, or paced
  std::vector<Outbox*> urgent_;  // answers pushed: flushed at the end of the turn
  bool flush_due_ = false;
  bool urgent_flush_due_ = false;
  Clock::time_point last_flush_{};
  std::optional<boost::asio::steady_timer> pacer_;  // made on the loop; see stop()
  std::atomic<std::uint64_t> deliveries_{0};  // written by the loop only
};

}  // namespace sockit::chat
