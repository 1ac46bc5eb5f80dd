// Internal: the chat room's policy — logins and accounts, private rooms, what each request of
// protocol v1 may do and what it is answered — over a Directory (directory.hpp: nicknames,
// rooms and their numbers, here or in Redis) and the Switchboard's shards, which deliver.
//
// Threads: every connection belongs to the Shard of the event loop that serves it, and calls
// the Hub for its requests on that loop. Answers to a request go to the caller's outbox; room
// messages, acks and direct messages to other connections go through their shard's inbox.
// While a request that changes the member (a login, join, leave, or accounts work) is on its
// way, the member's later requests wait (Hub::defer) and run in order once it is answered.
// Lock order (docs/architecture.md, checked by clang's thread-safety analysis): the directory's
// before Room::mu before Shard::inbox_mu_; the Hub's own throttle mutex is a leaf.
//
// Blocking work runs off the loops, by kind: password checks on the HashingPool, token and
// guest look-ups and private-room writes on the hub's store pool, history on the directory's
// own — so a flood of password checks never delays the rest.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include "chat/core/directory.hpp"
#include "chat/core/hashing_pool.hpp"
#include "chat/core/login_throttle.hpp"
#include "chat/core/outbox.hpp"
#include "chat/core/room.hpp"
#include "chat/core/shard.hpp"
#include "sockit/chat/core/limits.hpp"
#include "sockit/chat/protocol/protocol.hpp"
#include "sockit/core/mutex.hpp"
#include "chat/core/switchboard.hpp"

namespace sockit::chat {

class AccountBook;
class PrivateRooms;
enum class RoomAccess;

/// One connection as the hub knows it. Owned by the connection (its Session); every member
/// is used on the connection's loop only. Identity is set once, at login.
class Member {
 public:
  std::int64_t id() const noexcept { return id_; }  ///< 0 until logged in
  const std::string& nickname() const noexcept { return nickname_; }
  /// A login, join, leave, who, rooms, history or accounts work is on its way; later requests
  /// go to Hub::defer, so that answers keep the order of the requests.
  bool busy() const noexcept { return busy_; }
  /// Where the connection comes from (its IP address), for the login throttle. Set once,
  /// before the first request.
  void set_source(std::string source) { source_ = std::move(source); }

 private:
  friend class Hub;
  std::string source_;
  bool busy_ = false;  // a request that waits for the directory is on its way (answers keep request order)
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

/// Registered users and their private rooms (--auth accounts); with no `book`, everyone is a
/// guest and there are no private rooms. The pointers must outlive the hub.
struct HubAccounts {
  AccountBook* book = nullptr;
  PrivateRooms* private_rooms = nullptr;
  bool no_guests = false;  ///< only registered users log in
  std::chrono::seconds token_ttl{86400};
};

/// Thread safe as stated per member; the request members run on the member's loop.
class Hub final : public DirectoryEvents {
 public:
  /// `board` and `directory` must outlive the hub. With accounts, registered nicknames log in
  /// only with their password (checked on the hashing pool, started here) or a resume token.
  Hub(const ChatLimits& limits, Switchboard& board, Directory& directory, HubAccounts accounts = {});
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
  /// The member was removed from a private room by its owner: it forgets the room and is told.
  /// On the member's loop (the directory calls it).
  void expelled(Member& m, const std::string& room, const std::string& by) override;
  /// Other nodes' changes to private rooms' lists (a cluster). Thread safe.
  void private_list(const std::string& room, std::optional<PrivateList> list) override;
  void private_lists(PrivateLists lists, const std::function<bool(const std::string& room)>& covers) override;
  /// Answers `text` to the member's own request (pong, bye, request errors). On its loop.
  void answer(Member& m, std::string text);
  /// While a request that changes the member is on its way (m.busy()), its next requests wait
  /// here: `request` runs, in order, once the member is free; past kMaxWaiting it is refused
  /// with rate_limited (and `req`). On its loop.
  void defer(Member& m, std::function<void()> request, const std::string& req);
  static constexpr std::size_t kMaxWaiting = 256;
  /// Counts the error and answers it. On the member's loop.
  void refuse(Member& m, Errc code, const std::string& message, const std::string& req);

  /// Tells every connection `shutting_down` and closes them; later connections are refused.
  /// Thread safe.
  void shutdown();
  /// Stops the directory (in a cluster, this node's users leave it), waits for the blocking
  /// work in progress and stops taking more, and drops the shards' timers. Call once the
  /// loops have stopped, before the store closes. Idempotent.
  void stop_background();

  bool accounts() const noexcept { return accounts_.book != nullptr; }
  bool guests() const noexcept { return !accounts_.no_guests; }
  /// Thread safe.
  std::size_t connections() const noexcept { return connections_.load(std::memory_order_relaxed); }
  const Directory& directory() const noexcept { return directory_; }
  /// Room messages and direct messages handed to their recipients. Thread safe.
  std::uint64_t deliveries() const { return board_.deliveries(); }
  ChatStats& stats() noexcept { return board_.stats(); }
  const ChatStats& stats() const noexcept { return board_.stats(); }
  /// The memory budget of every session's unsent output. Thread safe.
  QueueBudget& budget() noexcept { return board_.budget(); }
  const QueueBudget& budget() const noexcept { return board_.budget(); }

 private:
  static User user_of(Member& m);
  // Marks the member busy; what `done` returns to runs on its loop, then what waited.
  template <typename T, typename F>
  Done<T> then_resume(Member& m, F on_result);
  void resume(Member& m);
  template <typename T>
  bool refused(Member& m, const Result<T>& r, const std::string& req);
  void claim(Member& m, const std::string& nickname, std::string key, const std::string& req,
             const std::string& token);
  void login_with_account(Member& m, const Login& login, std::string key, const std::string& req);
  // Runs `work` on the store pool while the member's later requests wait (busy); what it
  // returns then runs on the member's loop, before the requests that waited.
  using OnLoop = std::function<void(Member&)>;
  using Work = std::function<OnLoop()>;
  void off_loop(Member& m, Work work);
  // The same on the hashing pool; the member is answered rate_limited when it is full.
  void off_loop_hashing(Member& m, Work work, const std::string& req);
  void back_on_loop(Shard* shard, ConnId conn, Member* m, const Work& work);
  OnLoop check_account(const Login& login, const std::string& key, const std::string& req,
                       const std::string& source);
  // Private rooms: refuse and return false unless `m` may see `room` / owns it.
  RoomAccess access_of(const Member& m, const std::string& room) const;
  bool may_see(Member& m, const std::string& room, const std::string& req);
  bool owns(Member& m, const std::string& room, const std::string& req);
  void create_private(Member& m, const std::string& room, const std::string& req);
  void save_private(Member& m, const std::string& room, const std::string& req);
  void enter(Member& m, const std::string& room, const std::string& req);

  const ChatLimits& limits_;
  Switchboard& board_;
  Directory& directory_;
  const HubAccounts accounts_;
  Mutex throttle_mu_;  // a leaf: nothing is taken under it
  LoginThrottle throttle_ SOCKIT_GUARDED_BY(throttle_mu_);
  const std::string system_key_;  // nobody may look like "System"
  std::atomic<std::size_t> connections_{0};
  std::atomic<ConnId> next_conn_{1};
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> stopped_{false};

  // Token and guest look-ups, private-room writes: work that waits for a disk.
  boost::asio::thread_pool store_pool_{2};
  std::optional<HashingPool> hashing_;  // password checks; only with accounts
};

}  // namespace sockit::chat
