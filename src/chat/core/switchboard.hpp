// Internal: the chat server's delivery fabric — one Shard per event loop, the memory budget of
// every connection's unsent output, and the server's counters. The Hub and whichever Directory
// it runs on (directory.hpp) both deliver through it, so neither needs the other to send.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "chat/core/queue_budget.hpp"
#include "chat/core/room.hpp"
#include "chat/core/shard.hpp"
#include "sockit/core/mutex.hpp"
#include "chat/core/stats.hpp"

namespace sockit::chat {

/// Thread safe as stated per member.
class Switchboard {
 public:
  /// `max_queue_total`: the bytes all connections' unsent output may hold (QueueBudget).
  explicit Switchboard(std::size_t max_queue_total) : budget_(max_queue_total) {}
  Switchboard(const Switchboard&) = delete;
  Switchboard& operator=(const Switchboard&) = delete;

  /// The shard of the loop that runs `executor`, made on first use. Thread safe.
  Shard& shard_for(const boost::asio::any_io_executor& executor) SOCKIT_EXCLUDES(shards_mu_);

  /// Hands `encoded` to every shard with members of `room`, to every member but the connection
  /// `except` (0: none). One copy a shard, so that no reference count is shared between loops.
  /// The caller holds room->mu, which orders the room's messages.
  void fan_out(const std::shared_ptr<Room>& room, std::string encoded, ConnId except)
      SOCKIT_REQUIRES(room->mu);

  /// Sends every connection `code` and closes it. Thread safe.
  void close_all(Errc code, const std::string& message) SOCKIT_EXCLUDES(shards_mu_);
  /// Drops the shards' timers: once the loops have stopped, before their io_contexts go.
  void stop() SOCKIT_EXCLUDES(shards_mu_);

  /// Room messages and direct messages handed to their recipients. Thread safe.
  std::uint64_t deliveries() const SOCKIT_EXCLUDES(shards_mu_);
  /// Thread safe.
  QueueBudget& budget() noexcept { return budget_; }
  const QueueBudget& budget() const noexcept { return budget_; }
  /// Thread safe (atomic counters).
  ChatStats& stats() noexcept { return stats_; }
  const ChatStats& stats() const noexcept { return stats_; }

 private:
  QueueBudget budget_;  // before the shards: their inboxes hold its messages
  ChatStats stats_;
  // Before Shard::inbox_mu_ (close_all posts under it).
  mutable Mutex shards_mu_;
  std::map<const void*, std::unique_ptr<Shard>> shards_ SOCKIT_GUARDED_BY(shards_mu_);
};

}  // namespace sockit::chat
