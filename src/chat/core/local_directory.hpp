// Internal: the directory of a server on its own (directory.hpp): nicknames and rooms in this
// process, each room numbered under its own mutex, history in the ChatStore.
//
// Threads: the maps (nicknames, rooms) are guarded by mu_, which claims, joins, leaves, `who`,
// `rooms` and direct messages take; a room message takes only its room's mutex. Lock order
// (docs/architecture.md, checked by clang's thread-safety analysis): LocalDirectory::mu_ before
// Room::mu before Shard::inbox_mu_. Every `done` runs inline, except a broadcast's when there
// is a store (after the store committed it) and history's (read on a thread of its own).
//
// Durability: a room message is numbered only once the store has queued it
// (ChatStore::try_append), so every seq a client sees is on its way to the store.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "chat/core/directory.hpp"
#include "chat/core/send_window.hpp"
#include "sockit/chat/core/limits.hpp"
#include "chat/core/switchboard.hpp"
#include "sockit/core/mutex.hpp"

namespace sockit::chat {

class ChatStore;

class LocalDirectory final : public Directory {
 public:
  /// `store` may be null (no history); both must outlive the directory. `limits` gives the
  /// window of send ids.
  LocalDirectory(Switchboard& board, ChatStore* store, const ChatLimits& limits);
  ~LocalDirectory() override;

  void start(DirectoryEvents& events) override { events_ = &events; }
  void stop() override;

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

  std::size_t room_count() const override;

 private:
  std::shared_ptr<Room> room_locked(const std::string& name) SOCKIT_REQUIRES(mu_);
  std::shared_ptr<Room> enter_locked(const User& user, const std::string& name) SOCKIT_REQUIRES(mu_);
  // The seat of `conn` (user `id`, on `shard`) leaves `room` at the room's next seq, which is
  // the notice `text`; false when it had no seat there (a kick took it already).
  bool unseat_locked(const std::shared_ptr<Room>& room, std::int64_t id, ConnId conn, Shard* shard,
                     const std::string& text) SOCKIT_REQUIRES(mu_);
  // Numbers `text` as a notice of `room` and posts it to the room's shards; dropped (and
  // counted) when the store refuses it.
  void notify(const std::shared_ptr<Room>& room, const std::string& text) SOCKIT_REQUIRES(room->mu);
  // Numbers a broadcast of `user` in `room` and queues it to the store, whose commit runs
  // `done`; a refusal when the user has no seat there or the store refuses it.
  Result<std::int64_t> number_locked(const User& user, const std::shared_ptr<Room>& room,
                                     const std::string& text, const std::string& send_id, std::int64_t ts,
                                     const Done<std::int64_t>& done) SOCKIT_REQUIRES(room->mu);
  // The first send of `user` with `send_id`, if it is in the window.
  std::shared_ptr<SendWindow::Ack> sent_before(const User& user, const std::string& send_id, std::int64_t now)
      SOCKIT_EXCLUDES(sent_mu_);
  // Queues the message numbered `seq` to the store (if any); false when the store refuses it.
  bool store_append(Room& room, std::int64_t seq, std::int64_t ts, const User* sender,
                    const std::string& text, const std::string& send_id, std::function<void()> on_commit)
      SOCKIT_REQUIRES(room.mu);

  Switchboard& board_;
  ChatStore* const store_;
  std::int64_t seq_floor_ = 0;  // a room's first seq in this run is above it (ChatStore)
  DirectoryEvents* events_ = nullptr;  // set by start(), before any connection; read-only after

  // Before every Room::mu and Shard::inbox_mu_.
  mutable Mutex mu_;
  struct Holder {
    std::string nickname;
    Shard* shard;
    ConnId conn;
    std::int64_t id;
    Member* member;  // the Hub's handle, used on its loop while `conn` is attached
  };
  // Logged-in users by nickname_key().
  std::map<std::string, Holder, std::less<>> by_key_ SOCKIT_GUARDED_BY(mu_);
  // Rooms with members.
  std::map<std::string, std::shared_ptr<Room>, std::less<>> rooms_ SOCKIT_GUARDED_BY(mu_);
  // The last seq of rooms that emptied.
  std::map<std::string, std::int64_t, std::less<>> seqs_ SOCKIT_GUARDED_BY(mu_);
  std::int64_t next_id_ SOCKIT_GUARDED_BY(mu_) = 1;

  // After mu_ and Room::mu: a leaf.
  Mutex sent_mu_;
  SendWindow sent_ SOCKIT_GUARDED_BY(sent_mu_);

  boost::asio::thread_pool reads_{1};  // history: it waits for the disk, never for a loop
};

}  // namespace sockit::chat
