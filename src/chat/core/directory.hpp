// Internal: where the chat room's shared state lives — nicknames and user ids, rooms with their
// members and message numbers, history — behind one interface with two implementations:
// LocalDirectory (this process, history in the ChatStore) and cluster::Cluster (Redis, shared
// by every node). The server picks one when it is built and hands it to the Hub, which keeps
// the policy: who may do what, accounts, private rooms, and every answer's text.
//
// Threads: each request member is called on the loop of the connection it is for (User::shard)
// and returns at once. Its `done` runs exactly once, on that loop — inline before the member
// returns, or later through Shard::post_call — and only while the connection is still attached:
// never after Hub::detach. A `done` may therefore use the connection's Member.
//
// Order: a claim, join, leave or expel takes effect at one seq of the room on every loop (the
// membership cut, docs/architecture.md). A claim's or join's `done` runs before any message of
// the room numbered after it reaches the member; an expel's `done` runs after the cut.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "chat/cluster/cluster_gauges.hpp"
#include "chat/core/room.hpp"
#include "chat/store/private_room_records.hpp"
#include "sockit/chat/protocol/protocol.hpp"

namespace sockit::chat {

class Member;

/// A connection as a directory sees it, for the length of one call: where it is served, who it
/// is (id 0 and empty names before login) and the Hub's handle for it, which a directory only
/// hands back (Directory::expel). Copy what is kept.
struct User {
  Shard* shard = nullptr;
  ConnId conn = 0;
  std::int64_t id = 0;
  std::string_view nickname;
  std::string_view key;  ///< nickname_key(nickname)
  Member* member = nullptr;
};

/// Why a request was not done: its error code and message, as the requester will read them.
struct Refusal {
  Errc code;
  std::string message;
};
template <typename T>
using Result = std::variant<T, Refusal>;
template <typename T>
using Done = std::function<void(Result<T>)>;
struct Ok {};

/// A claimed nickname: the user's id, and the room it was seated in (null when the room could
/// not be reached: the user is logged in outside it).
struct Claimed {
  std::int64_t id = 0;
  std::shared_ptr<Room> room;
};
/// A room's members, by user id.
using Members = std::vector<std::pair<std::int64_t, std::string>>;
/// A page of history: encoded room messages, oldest first; `stored` false when nothing is
/// kept at all (--data none).
struct HistoryPage {
  std::vector<std::string> messages;
  bool stored = true;
};

/// What a directory tells the Hub unasked.
class DirectoryEvents {
 public:
  /// Another user (`by`) took the member out of `room` (Directory::expel), after the cut: the
  /// member has had every message of the room numbered before it and gets none after. Also
  /// called when the member was not in the room (it is off the room's list all the same). On
  /// the member's loop, only while its connection is attached.
  virtual void expelled(Member& member, const std::string& room, const std::string& by) = 0;
  /// A node changed `room`'s private list: now `list` (nullopt: not private). From the
  /// directory's thread (a cluster's), in the order of the changes.
  virtual void private_list(const std::string& room, std::optional<PrivateList> list) = 0;
  /// Every private list of the rooms `covers` names, read again after changes may have gone
  /// untold (a lost link). From the directory's thread.
  virtual void private_lists(PrivateLists lists, const std::function<bool(const std::string& room)>& covers) = 0;

 protected:
  ~DirectoryEvents() = default;
};

/// Implementations are thread safe as stated per member (see the header comment).
class Directory {
 public:
  virtual ~Directory() = default;

  /// Starts what runs beside the loops (the Redis link) and names who hears of `events`,
  /// which must outlive the directory's work (until stop()). Call once, before the first
  /// connection.
  virtual void start(DirectoryEvents& events) = 0;
  /// Takes the remaining users out (with notices, where others can see it) and waits for the
  /// directory's own background work. Call once the loops have stopped. Idempotent.
  virtual void stop() = 0;

  // ---- Requests, on the user's loop (see the header comment). ----

  /// Gives `user` the nickname `user.nickname` (unique by `user.key`) and a user id, and seats
  /// it in `room`. Refusals: nickname_taken, cluster_unavailable.
  virtual void claim(const User& user, const std::string& room, Done<Claimed> done) = 0;
  /// The connection has gone: it leaves `rooms` (with notices) and its nickname is free. No
  /// answer; the directory finishes on its own.
  virtual void release(const User& user, const std::vector<std::string>& rooms) = 0;
  /// Seats the user in `room`: the room as this process mirrors it.
  virtual void join(const User& user, const std::string& room, Done<std::shared_ptr<Room>> done) = 0;
  virtual void leave(const User& user, const std::string& room, Done<Ok> done) = 0;
  /// Takes the user `key`, if logged in (on any node), out of `room` at the room's next seq (a
  /// notice: removed by `by`), then tells DirectoryEvents::expelled on that user's loop.
  /// `done` (the requester's) runs after the cut. Refusal: cluster_unavailable.
  virtual void expel(const User& by, const std::string& key, const std::string& room, Done<Ok> done) = 0;
  /// Numbers `text` from `user` in `room` (a room the user was seated in) and delivers it to
  /// the room's other members: its seq once it is kept (store or Redis). With a `send_id` the
  /// user sent lately (the window of ChatLimits::send_ids), nothing is delivered: the first
  /// send's seq, once that one is kept. Refusals: not_in_room (a kick came first),
  /// store_unavailable, cluster_unavailable.
  virtual void publish(const User& user, const std::shared_ptr<Room>& room, const std::string& text,
                       const std::string& send_id, Done<std::int64_t> done) = 0;
  /// Delivers `line` (an encoded message) to the user `key`, unless `send_id` is one the sender
  /// used lately (then Ok at once, nothing delivered). Refusal: no_such_user.
  virtual void send_to(const User& from, const std::string& key, std::string line,
                       const std::string& send_id, Done<Ok> done) = 0;
  virtual void who(const User& asker, const std::string& room, Done<Members> done) = 0;
  /// Every room with members, and how many (is_private is left to the Hub).
  virtual void rooms(const User& asker, Done<std::vector<RoomListing>> done) = 0;
  virtual void history(const User& asker, const History& request, Done<HistoryPage> done) = 0;
  /// Whether `room` has ever been used: has members now or a message number.
  virtual void known(const User& asker, const std::string& room, Done<bool> done) = 0;

  // ---- State, thread safe. ----

  /// Rooms with members (on this node).
  virtual std::size_t room_count() const = 0;
  /// False while the shared state cannot be reached (GET /healthz says so).
  virtual bool healthy() const noexcept { return true; }
  /// The Redis link's figures, when there is one.
  virtual std::optional<cluster::Gauges> gauges() const { return std::nullopt; }
};

}  // namespace sockit::chat
