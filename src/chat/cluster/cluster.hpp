// Internal: this node's part in a chat cluster — several `sockit chat serve --cluster` nodes
// sharing rooms, nicknames and history through Redis (docs/cluster.md).
//
// Rooms are spread over the Redis instances by instance_for_room(); nicknames, user ids and
// the nodes' heartbeats are on the first instance (the directory). A room message is numbered,
// kept and published by one script; a node subscribes to the channels of the rooms it has
// members in (a Relay each) and hands each room's messages to its local members through a
// RelayRoom, which keeps seq order and reads the room's stream to fill what the subscription
// missed (before it took effect, or while it was down).
//
// It is the Redis implementation of Directory (directory.hpp). Threads: the cluster has one
// thread of its own that does all Redis I/O and owns all state below. The request members are
// called on the user's loop; they copy what they need of the User and post the work to the
// cluster thread; every `done` goes back to the user's loop through Shard::post_call.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "chat/cluster/cluster_gauges.hpp"
#include "chat/cluster/cluster_relay.hpp"
#include "chat/cluster/cluster_wire.hpp"
#include "chat/core/directory.hpp"
#include "chat/cluster/redis_link.hpp"
#include "sockit/chat/core/limits.hpp"
#include "sockit/chat/protocol/protocol.hpp"
#include "sockit/chat/server.hpp"
#include "chat/core/switchboard.hpp"

namespace sockit::chat::cluster {

class Cluster final : public Directory {
 public:
  /// Throws std::invalid_argument for a bad address or option. Does not connect yet. `board`
  /// must outlive the cluster.
  Cluster(const ClusterOptions& options, Switchboard& board, const ChatLimits& limits);
  ~Cluster() override;
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  /// Starts the cluster thread, which connects (and reconnects, with backoff) to every
  /// instance and then takes this node's place: it removes the users that earlier runs of
  /// this --node-id left in Redis (a crash), before any login here. Logins that come before
  /// that wait for it; if Redis cannot be reached they are answered cluster_unavailable.
  /// Returns at once.
  void start(DirectoryEvents& events) override;
  /// Takes this node's users out of the cluster (with "left" notices), frees its nicknames and
  /// stops the thread; at most ~3 s. Call after the loops have stopped. Idempotent.
  void stop() override;

  // ---- On the user's loop (see the header comment). ----
  void claim(const User& user, const std::string& room, Done<Claimed> done) override;
  void release(const User& user, const std::vector<std::string>& rooms) override;
  void join(const User& user, const std::string& room, Done<std::shared_ptr<Room>> done) override;
  void leave(const User& user, const std::string& room, Done<Ok> done) override;
  void expel(const User& by, const std::string& key, const std::string& room, Done<Ok> done) override;
  void publish(const User& user, const std::shared_ptr<Room>& room, const std::string& text,
               const std::string& send_id, Done<std::int64_t> done) override;
  void send_to(const User& from, const std::string& key, std::string line, const std::string& send_id,
               Done<Ok> done) override;
  void who(const User& asker, const std::string& room, Done<Members> done) override;
  void rooms(const User& asker, Done<std::vector<RoomListing>> done) override;
  void history(const User& asker, const History& request, Done<HistoryPage> done) override;
  void known(const User& asker, const std::string& room, Done<bool> done) override;

  /// Rooms with members on this node. Thread safe.
  std::size_t room_count() const override { return local_rooms_.load(); }
  /// True while every instance is reachable and this node has taken its place. Thread safe.
  bool healthy() const noexcept override { return ready_.load() && connected_.load() == instances_.size(); }
  /// Thread safe.
  std::optional<Gauges> gauges() const override;
  const std::string& node_id() const noexcept { return node_; }

 private:
  struct Instance;
  struct Conn;
  struct Relay;
  class Sink;

  // Connections (cluster thread).
  void connect(std::size_t i);
  void subscribe(std::size_t i);
  void up(std::size_t i);
  void lost(std::size_t i);
  void retry(std::size_t i);
  bool available(std::size_t i) const;
  RedisLink& cmd(std::size_t i);
  std::size_t instance_of(const std::string& room) const;

  // Rooms (cluster thread).
  Relay& relay(const std::string& room);
  void listen(const std::string& room, Relay& r, std::function<void(bool)> then = {});
  void settle(const std::string& room);
  void on_room_message(std::string_view channel, std::string_view payload);
  void on_direct_message(std::string_view payload);
  void fetch(const std::string& room, std::int64_t after);
  void deliver(Relay& r, const RoomMessage& m);
  void apply(Relay& r, const Marker& marker);
  void drop_relay_if_idle(const std::string& room);
  void tell_expelled(ConnId conn, const std::string& room, const std::string& by);
  void on_private_list(std::string_view payload);
  void reload_private_lists(std::size_t i);

  // Users (cluster thread).
  template <typename T>
  Conn* start_change(ConnId conn, const std::string& room, const Done<T>& done);
  void do_join(ConnId conn, const std::string& room, Done<std::shared_ptr<Room>> done);
  void do_leave(ConnId conn, const std::string& room, Done<Ok> done);
  void finish(ConnId conn);
  void clean_up(ConnId conn);
  void send_leave(std::int64_t id, const std::string& nick, const std::string& room);
  void heartbeat();
  bool may_reap() const;
  void reap(const std::string& node, std::function<void(bool done, long long seats)> then = {});
  void take_over();
  void taken_over(bool ok);
  void when_ready(std::function<void()> fn);
  void retry_orphans();

  // Answers: `done(result)` on the user's loop.
  template <typename T>
  void call(Shard* shard, ConnId conn, const Done<T>& done, Result<T> result);
  template <typename T>
  void unavailable(Shard* shard, ConnId conn, const Done<T>& done);
  static Refusal invite_only(const std::string& room);

  Switchboard& board_;
  DirectoryEvents* events_ = nullptr;  // set by start(), before the cluster thread; read-only after
  const std::string send_ids_;     // the window of send ids (ChatLimits), as the scripts take it
  const std::string send_id_age_;  // ... in ms
  const std::string id_;           // --node-id
  const std::string incarnation_;  // this run of it: random, new at every start
  const std::string node_;         // ID@INCARNATION: this run's name in Redis
  const std::chrono::milliseconds ttl_;
  const std::string max_len_;  // --history-max, as the scripts take it
  boost::asio::io_context io_;
  std::vector<std::unique_ptr<Instance>> instances_;
  boost::asio::steady_timer beat_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> ready_{false};  // this run has taken its place in the cluster

  // The cluster thread's state.
  std::unordered_map<ConnId, Conn> conns_;
  std::map<std::string, Relay, std::less<>> relays_;
  std::uint64_t subscribes_ = 0;  // SUBSCRIBEs to rooms' channels sent
  struct Orphan {  // a user whose removal Redis missed (it was down): retried on reconnect
    std::int64_t id;
    std::string nick, key;
    ConnId conn;
    std::set<std::string> rooms;
  };
  std::vector<Orphan> orphans_;
  bool registered_ = false;  // the heartbeat found this node known to the cluster
  // Start-up: this run takes its place (take_over) once every instance is reachable; until
  // then logins and drops wait here, in order (one login and one drop a connection at most),
  // unless the first try has failed (they are then answered at once: unavailable).
  bool starting_ = true;
  bool taking_over_ = false;
  std::vector<std::function<void()>> waiting_;
  // Heartbeats: when the last one Redis took was sent, and since when every one was taken
  // (unset after a failure). A node judges others only on a steady record of its own.
  std::chrono::steady_clock::time_point beat_ok_{};
  std::chrono::steady_clock::time_point beating_since_{};

  std::atomic<std::size_t> connected_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> publishes_{0};
  std::atomic<std::uint64_t> publish_us_{0};
  std::atomic<std::uint64_t> caught_up_{0};
  std::atomic<std::uint64_t> catch_up_lag_us_{0};
  std::atomic<std::uint64_t> reaped_{0};
  std::atomic<std::size_t> local_rooms_{0};  // relays_.size()
  std::atomic<std::uint64_t> heartbeat_failures_{0};
  std::atomic<std::uint64_t> expiry_checks_{0};
};

}  // namespace sockit::chat::cluster
