// Internal: the chat room's logic — logins and nicknames, rooms and their message numbers,
// the requests of protocol v1 — over shards that deliver (shard.hpp).
//
// Threads: every connection belongs to the Shard of the event loop that serves it, and calls
// the Hub for its requests on that loop. The hub's own maps (nicknames, rooms) are guarded
// by one mutex that logins, joins, leaves, `who`, `rooms` and `direct` take; a room message
// takes only its room's mutex (see shard.hpp for why members see seq order). Answers to a
// request go to the caller's outbox at once; room messages, acks and direct messages to
// other connections go through their shard's inbox. Lock order (docs/architecture.md, checked
// by clang's thread-safety analysis): Hub::mu_ before Room::mu before Shard::inbox_mu_.
//
// Membership: joining, leaving, a kick and a disconnect each take effect at one seq of the
// room, under Room::mu: the member gets exactly the room's messages numbered between them.
//
// Blocking work runs off the loops, by kind: password checks on the HashingPool, everything
// else that waits for a disk (history, token and guest look-ups, private-room writes) on the
// hub's store pool — so a flood of password checks never delays the rest.
//
// Durability: a room message is numbered only once the store has queued it
// (ChatStore::try_append), so every seq a client sees is on its way to the store; the ack of
// a broadcast is sent when the store has committed it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include "hashing_pool.hpp"
#include "login_throttle.hpp"
#include "outbox.hpp"
#include "queue_budget.hpp"
#include "room.hpp"
#include "shard.hpp"
#include "sockit/chat/limits.hpp"
#include "sockit/chat/protocol.hpp"
#include "sockit/core/mutex.hpp"
#include "stats.hpp"

namespace sockit::chat {

class AccountBook;
class ChatStore;
class PrivateRooms;
enum class RoomAccess;
namespace cluster {
class Cluster;
}

/// One connection as the hub knows it. Owned by the connection (its Session); every member
/// is used on the connection's loop only. Identity is set once, at login.
class Member {
 public:
  std::int64_t id() const noexcept { return id_; }  ///< 0 until logged in
  const std::string& nickname() const noexcept { return nickname_; }
  /// In a cluster: a login, join or leave is on its way; later requests go to Hub::defer.
  bool busy() const noexcept { return busy_; }
  /// Where the connection comes from (its IP address), for the login throttle. Set once,
  /// before the first request.
  void set_source(std::string source) { source_ = std::move(source); }

 private:
  friend class Hub;
  friend class cluster::Cluster;
  std::string source_;
  bool busy_ = false;  // a login or private room change (accounts), or in a cluster a join or
                       // leave, is on its way
  bool registered_ = false;  // logged in with a password or token (--auth accounts)
  std::deque<std::function<void()>> waiting_;  // requests that came meanwhile, in order
  std::shared_ptr<const int> alive_;  // from attach to detach: work off the loop checks it
  Shard* shard_ = nullptr;
  Outbox* out_ = nullptr;
  ConnId conn_ = 0;
  std::int64_t id_ = 0;
  std::string nickname_;
  std::string key_;  // nickname_key(nickname_)
  std::map<std::string, std::shared_ptr<Room>, std::less<>> rooms_;
};

/// Thread safe as stated per member; the request members run on the member's loop.
class Hub {
 public:
  /// `store` may be null (no history); it must outlive the hub.
  Hub(const ChatLimits& limits, ChatStore* store);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  /// Registers a new connection served by `out` on the loop of `executor` (call on that
  /// loop); false, changing nothing, when the server is full or shutting down.
  bool attach(Member& m, Outbox& out, const boost::asio::any_io_executor& executor);
  /// Unregisters it: it leaves its rooms (with notices), frees its nickname and nothing more
  /// reaches its outbox. Idempotent. On the member's loop.
  void detach(Member& m);

  /// The requests of protocol v1, on the member's loop; each answers the member itself.
  void login(Member& m, const Login& login, const std::string& req);
  void login(Member& m, const std::string& nickname, const std::string& req) {
    login(m, Login{nickname}, req);
  }
  void broadcast(Member& m, const Broadcast& b, const std::string& req);
  void direct(Member& m, const Direct& d, const std::string& req);
  void join(Member& m, const Join& join, const std::string& req);
  void leave(Member& m, const std::string& room, const std::string& req);
  void who(Member& m, const std::string& room, const std::string& req);
  void rooms(Member& m, const std::string& req);
  void history(Member& m, const History& h, const std::string& req);
  void invite(Member& m, const Invite& invite, const std::string& req);
  void kick(Member& m, const Kick& kick, const std::string& req);
  /// Answers `text` to the member's own request (pong, bye, request errors). On its loop.
  void answer(Member& m, std::string text);
  /// In a cluster, while a login, join or leave of the member is on its way to Redis
  /// (m.busy()), its next requests wait here: `request` runs, in order, once the member is
  /// free; past kMaxWaiting it is refused with rate_limited (and `req`). On its loop.
  void defer(Member& m, std::function<void()> request, const std::string& req);
  /// The member's cluster request has been answered: runs what waited. On its loop.
  void resume(Member& m);
  static constexpr std::size_t kMaxWaiting = 256;
  /// Counts the error and answers it. On the member's loop.
  void refuse(Member& m, Errc code, const std::string& message, const std::string& req);

  /// Tells every connection `shutting_down` and closes them; later connections are refused.
  /// Thread safe.
  void shutdown();
  /// Sends every connection `code` and closes it; new ones are still taken. Thread safe.
  void close_all(Errc code, const std::string& message);

  /// Registered nicknames (--auth accounts): they log in only with their password or a resume
  /// token (valid `token_ttl`); with `no_guests` nobody else logs in. Passwords are checked on
  /// the hashing pool (started here: a server without accounts has none), tokens on the store
  /// pool. Call once, before the first connection; `book` must outlive the hub.
  void use_accounts(AccountBook* book, bool no_guests, std::chrono::seconds token_ttl);
  bool accounts() const noexcept { return accounts_ != nullptr; }
  /// Invite-only rooms of registered users (--auth accounts). Call before the first
  /// connection; `rooms` must outlive the hub.
  void use_private_rooms(PrivateRooms* rooms) noexcept { private_ = rooms; }
  bool guests() const noexcept { return !no_guests_; }

  /// Numbers and delivers room messages through `cluster` instead of itself (nullptr: alone).
  /// Call before the first connection; `cluster` must outlive the hub's connections.
  void use_cluster(cluster::Cluster* cluster) noexcept { cluster_ = cluster; }
  const cluster::Cluster* cluster() const noexcept { return cluster_; }
  /// Hands `encoded` to every shard with members of `room` except the connection `except`.
  /// The caller holds room->mu (which orders the room's messages).
  void fan_out(const std::shared_ptr<Room>& room, std::string encoded, ConnId except)
      SOCKIT_REQUIRES(room->mu);
  /// Waits for the blocking work in progress (history reads, password checks) and stops
  /// taking more. Call once the loops have stopped, before the store closes. Thread safe.
  void stop_background();

  /// Thread safe.
  std::size_t connections() const noexcept { return connections_.load(std::memory_order_relaxed); }
  std::size_t room_count() const;
  /// Room messages and direct messages handed to their recipients. Thread safe.
  std::uint64_t deliveries() const;
  ChatStats& stats() noexcept { return stats_; }
  const ChatStats& stats() const noexcept { return stats_; }
  /// The memory budget of every session's unsent output. Thread safe.
  QueueBudget& budget() noexcept { return budget_; }
  const QueueBudget& budget() const noexcept { return budget_; }

 private:
  Shard& shard_for(const boost::asio::any_io_executor& executor);
  void admit(Member& m, const std::string& nickname, std::string key, const std::string& req,
             const std::string& token) SOCKIT_EXCLUDES(mu_);
  void login_with_account(Member& m, const Login& login, std::string key, const std::string& req);
  // Runs `work` on the store pool while the member's later requests wait (busy); what it
  // returns then runs on the member's loop, before the requests that waited.
  using OnLoop = std::function<void(Member&)>;
  using Work = std::function<OnLoop()>;
  void off_loop(Member& m, Work work);
  // The same on the hashing pool; false (the member is answered rate_limited) when it is full.
  void off_loop_hashing(Member& m, Work work, const std::string& req);
  void back_on_loop(Shard* shard, ConnId conn, Member* m, const Work& work);
  OnLoop check_account(const Login& login, const std::string& key, const std::string& req,
                       const std::string& source);
  // Private rooms: refuse and return false unless `m` may see `room` / owns it.
  RoomAccess access_of(const Member& m, const std::string& room) const;
  bool may_see(Member& m, const std::string& room, const std::string& req);
  bool owns(Member& m, const std::string& room, const std::string& req);
  void create_private(Member& m, const std::string& room, const std::string& req);
  // Sends `key`'s connection, if logged in, `text`.
  void tell(const std::string& key, const std::string& text) SOCKIT_EXCLUDES(mu_);
  // Takes `key`'s connection, if logged in, out of `room` at the room's next seq (now, from
  // the caller's loop), then tells it so on its own loop.
  void expel(const std::string& key, const std::string& room, const std::string& by)
      SOCKIT_EXCLUDES(mu_);
  std::shared_ptr<Room> room_locked(const std::string& name) SOCKIT_REQUIRES(mu_);
  void enter_locked(Member& m, const std::string& name) SOCKIT_REQUIRES(mu_);
  void exit_locked(Member& m, const std::string& name, const std::string& why = "left")
      SOCKIT_REQUIRES(mu_);
  // The seat of `conn` (user `id`, on `shard`) leaves `room` at the room's next seq, which is
  // the notice `text`; false when it had no seat there (a kick took it already).
  bool unseat_locked(const std::shared_ptr<Room>& room, std::int64_t id, ConnId conn,
                     Shard* shard, const std::string& text) SOCKIT_REQUIRES(mu_);
  // Numbers `text` as a notice of `room` and posts it to the room's shards; dropped (and
  // counted) when the store refuses it.
  void notify(const std::shared_ptr<Room>& room, const std::string& text) SOCKIT_REQUIRES(room->mu);
  bool store_append(Room& room, std::int64_t seq, std::int64_t ts, const Member* sender,
                    const std::string& text, std::function<void()> on_commit)
      SOCKIT_REQUIRES(room.mu);

  const ChatLimits& limits_;
  ChatStore* store_;
  cluster::Cluster* cluster_ = nullptr;
  AccountBook* accounts_ = nullptr;
  PrivateRooms* private_ = nullptr;
  bool no_guests_ = false;
  std::chrono::seconds token_ttl_{86400};
  Mutex throttle_mu_;  // a leaf: nothing is taken under it
  LoginThrottle throttle_ SOCKIT_GUARDED_BY(throttle_mu_);
  const std::string system_key_;  // nobody may look like "System"
  std::int64_t seq_floor_ = 0;    // a room's first seq in this run is above it (ChatStore)
  QueueBudget budget_;            // before the shards: their inboxes hold its messages
  ChatStats stats_;
  std::atomic<std::size_t> connections_{0};
  std::atomic<ConnId> next_conn_{1};
  std::atomic<bool> shutting_down_{false};

  // Before Shard::inbox_mu_ (close_all posts under it); never together with mu_.
  mutable Mutex shards_mu_;
  std::map<const void*, std::unique_ptr<Shard>> shards_ SOCKIT_GUARDED_BY(shards_mu_);

  // Before every Room::mu and Shard::inbox_mu_. It never nests with the hub's other two
  // mutexes today; should it ever, the order is declared here for the compiler.
  mutable Mutex mu_ SOCKIT_ACQUIRED_BEFORE(shards_mu_, throttle_mu_);
  struct Holder {
    std::string nickname;
    Shard* shard;
    ConnId conn;
    std::int64_t id;
    Member* member;  // valid on its loop while `conn` is attached (Shard::post_call)
  };
  // Logged-in users by nickname_key().
  std::map<std::string, Holder, std::less<>> by_key_ SOCKIT_GUARDED_BY(mu_);
  // Rooms with members.
  std::map<std::string, std::shared_ptr<Room>, std::less<>> rooms_ SOCKIT_GUARDED_BY(mu_);
  // The last seq of rooms that emptied.
  std::map<std::string, std::int64_t, std::less<>> seqs_ SOCKIT_GUARDED_BY(mu_);
  std::int64_t next_id_ SOCKIT_GUARDED_BY(mu_) = 1;

  // History reads, token and guest look-ups, private-room writes: work that waits for a disk.
  boost::asio::thread_pool store_pool_{2};
  std::optional<HashingPool> hashing_;  // password checks; made by use_accounts
};

}  // namespace sockit::chat
