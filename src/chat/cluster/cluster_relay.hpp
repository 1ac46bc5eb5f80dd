// Internal: the order in which one node hands a room's messages from Redis to its local
// members. Redis numbers the messages; they reach the node by PUBLISH (in seq order, but not
// necessarily all of them: what is published before the node's SUBSCRIBE takes effect, or
// while a dropped subscription is down, does not) and by reading the room's stream (once after
// every confirmed SUBSCRIBE, and on a gap). The relay delivers each seq once, in order, and applies
// a local member's join or leave exactly at the seq of its notice, so a member gets the messages
// numbered from its "joined" notice up to, not including, its "left" notice — on every node.
//
// While a join or leave of this node's is on its way to Redis, or a stretch of the stream is
// being read, the relay holds what arrives (it cannot yet know where the member's seq falls);
// it lets go, in order, once nothing is pending. Pure logic; not thread safe (one thread: the
// cluster's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "chat/cluster/cluster_wire.hpp"
#include "chat/core/room.hpp"

namespace sockit::chat::cluster {

/// A local member entering or leaving the room at a seq. Value type.
struct Marker {
  bool join = true;
  ConnId conn = 0;
};

/// What the relay asks of its owner.
class RelaySink {
 public:
  virtual ~RelaySink() = default;
  /// Hand `m` to the room's local members (it is the next seq).
  virtual void deliver(const RoomMessage& m) = 0;
  /// Make `marker` effective now (before the message of its seq).
  virtual void apply(const Marker& marker) = 0;
  /// Read the stream after seq `after`, then call RelayRoom::fetched.
  virtual void fetch(std::int64_t after) = 0;
};

class RelayRoom {
 public:
  /// Messages held at most; past it new arrivals are dropped and read from the stream later.
  static constexpr std::size_t kMaxHeld = 100000;

  /// A join or leave goes to Redis: hold deliveries until settle().
  void hold() noexcept { ++holds_; }
  /// Its answer arrived (or it failed): delivers what may now go.
  void settle(RelaySink& sink);
  /// The node's first member's join got `seq`: nothing before it is owed to anyone here.
  void start_at(std::int64_t seq) noexcept;
  /// Makes `marker` effective just before seq `seq` is delivered (now, if it already was).
  void mark(std::int64_t seq, Marker marker, RelaySink& sink);
  /// Drops the markers of a connection that has gone.
  void forget(ConnId conn);

  /// A message published to the room.
  void offer(RoomMessage m, RelaySink& sink);
  /// Redis confirmed the node's SUBSCRIBE to the room's channel (the first, or again after a
  /// reconnect): from now on every message reaches offer(). What was published before it is
  /// read from the stream once, after what was delivered — now (true), or as soon as the relay
  /// has started (start_at) and no read is on its way.
  bool subscribed(RelaySink& sink);
  /// The stream's messages after `after`; `more` when the page was full and the rest follows.
  void fetched(std::int64_t after, std::vector<RoomMessage> page, bool more, RelaySink& sink);
  /// The stream could not be read: what is held waits for the next catch_up().
  void fetch_failed() noexcept { fetching_ = false; }

  bool idle() const noexcept { return holds_ == 0 && !fetching_ && held_.empty() && markers_.empty(); }
  std::int64_t delivered() const noexcept { return delivered_; }
  /// Messages the stream no longer had when they were missed (trimmed): lost to this node.
  std::uint64_t skipped() const noexcept { return skipped_; }

 private:
  void release(RelaySink& sink);
  void apply_markers_upto(std::int64_t seq, RelaySink& sink);
  void start_fetch(RelaySink& sink);
  bool read_owed(RelaySink& sink);

  std::int64_t delivered_ = -1;  // the last seq handed on; -1: not started
  int holds_ = 0;
  bool fetching_ = false;
  bool owed_ = false;  // a read of the stream sent after the last subscribed() is still due
  std::map<std::int64_t, RoomMessage> held_;  // by seq
  std::multimap<std::int64_t, Marker> markers_;
  std::uint64_t skipped_ = 0;
};

}  // namespace sockit::chat::cluster
