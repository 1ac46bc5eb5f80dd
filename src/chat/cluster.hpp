// Internal: this node's part in a chat cluster — several `sockit chat serve --cluster` nodes
// sharing rooms, nicknames and history through Redis (docs/cluster.md).
//
// Rooms are spread over the Redis instances by instance_for_room(); nicknames, user ids and
// the nodes' heartbeats are on the first instance (the directory). A room message is numbered,
// kept and published by one script; every node reads the rooms' channels (PSUBSCRIBE) and hands
// each room's messages to its local members through a RelayRoom, which keeps seq order and
// reads the room's stream to fill what a dropped subscription missed.
//
// Threads: the cluster has one thread of its own that does all Redis I/O and owns all state
// below. The request members are called on the member's loop; they read the Member there and
// post the work to the cluster thread; what changes the Member (login, join, leave) comes back
// to its loop through Shard::post_call, and while it is on its way the member's later requests
// wait (Hub::defer). Answers go back through the member's shard.
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

#include "cluster_relay.hpp"
#include "cluster_wire.hpp"
#include "redis_link.hpp"
#include "sockit/chat/protocol.hpp"
#include "sockit/chat/server.hpp"

namespace sockit::chat {
class Hub;
class Member;
class Shard;
}  // namespace sockit::chat

namespace sockit::chat::cluster {

/// What /metrics shows of the cluster. Value type.
struct Gauges {
  std::size_t instances = 0;
  std::size_t connected = 0;            ///< instances reachable now
  std::uint64_t reconnects = 0;         ///< links re-established after a loss
  std::uint64_t publishes = 0;          ///< room messages numbered through Redis
  double publish_seconds_sum = 0;       ///< their round trips, summed
  std::uint64_t caught_up = 0;          ///< messages read from streams to fill gaps
  double catch_up_lag_seconds = 0;      ///< the last catch-up: from reconnect to caught up
  std::uint64_t reaped_nodes = 0;       ///< dead nodes whose users this node removed
  std::uint64_t heartbeat_failures = 0; ///< heartbeats Redis did not take (down, out of memory)
  std::uint64_t expiry_checks = 0;      ///< looks for silent nodes to remove
};

class Cluster {
 public:
  /// Throws std::invalid_argument for a bad address or option. Does not connect yet.
  Cluster(const ClusterOptions& options, Hub& hub);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  /// Starts the cluster thread, which connects (and reconnects, with backoff) to every
  /// instance and then takes this node's place: it removes the users that earlier runs of
  /// this --node-id left in Redis (a crash), before any login here. Logins that come before
  /// that wait for it; if Redis cannot be reached they are answered cluster_unavailable.
  /// Returns at once.
  void start();
  /// Takes this node's users out of the cluster (with "left" notices), frees its nicknames and
  /// stops the thread; at most ~3 s. Call after the loops have stopped. Idempotent.
  void stop();

  // ---- On the member's loop (see the header comment). ----
  void login(Member& m, const std::string& nickname, const std::string& key, const std::string& req);
  void broadcast(Member& m, const Broadcast& b, const std::string& req);
  void direct(Member& m, const Direct& d, const std::string& key, const std::string& req);
  void join(Member& m, const std::string& room, const std::string& req);
  void leave(Member& m, const std::string& room, const std::string& req);
  void who(Member& m, const std::string& room, const std::string& req);
  void rooms(Member& m, const std::string& req);
  void history(Member& m, const History& h, const std::string& req);
  /// The connection has gone: its rooms are left (with notices) and its nickname freed.
  void drop(Member& m);

  /// True while every instance is reachable and this node has taken its place. Thread safe.
  bool healthy() const noexcept { return ready_.load() && connected_.load() == instances_.size(); }
  /// Thread safe.
  Gauges gauges() const;
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
  void settle(const std::string& room);
  void on_room_message(std::string_view channel, std::string_view payload);
  void on_direct_message(std::string_view payload);
  void fetch(const std::string& room, std::int64_t after);
  void deliver(Relay& r, const RoomMessage& m);
  void apply(Relay& r, const Marker& marker);
  void drop_relay_if_idle(const std::string& room);

  // Users (cluster thread).
  Conn* start_change(ConnId conn, const std::string& room, const std::string& req, Member* m,
                     bool quiet);
  void do_join(ConnId conn, const std::string& room, const std::string& req, Member* m,
               std::optional<std::string> login_ok);
  void admit(ConnId conn, Member* m, std::string login_ok);
  void do_leave(ConnId conn, const std::string& room, const std::string& req, Member* m);
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

  // Answers: to the member's loop.
  void reply(Shard* shard, ConnId conn, std::string text);
  void unavailable(Shard* shard, ConnId conn, const std::string& req);
  void call(Shard* shard, ConnId conn, std::function<void()> fn);

  Hub& hub_;
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
  std::atomic<std::uint64_t> heartbeat_failures_{0};
  std::atomic<std::uint64_t> expiry_checks_{0};
};

}  // namespace sockit::chat::cluster
