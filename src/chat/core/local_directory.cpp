#include "chat/core/local_directory.hpp"

#include <algorithm>
#include <optional>

#include <boost/asio/post.hpp>

#include "chat/core/nickname.hpp"
#include "sockit/chat/store/store.hpp"
#include "sockit/core/clock.hpp"
#include "sockit/core/log.hpp"

namespace sockit::chat {

LocalDirectory::LocalDirectory(Switchboard& board, ChatStore* store, const ChatLimits& limits)
    : board_(board),
      store_(store),
      sent_(SendWindow::Limits{limits.send_ids, limits.send_id_age}) {
  if (!store_) return;
  seq_floor_ = store_->seq_floor();
  {
    MutexLock lock(mu_);
    for (const auto& [room, seq] : store_->last_seqs()) seqs_[room] = std::max(seq, seq_floor_);
  }
  MutexLock lock(sent_mu_);
  for (const auto& s : store_->recent_sends()) {
    sent_.record(s.sender_key, s.send_id, s.ts_ms, std::make_shared<SendWindow::Ack>(s.seq, true));
  }
}

LocalDirectory::~LocalDirectory() { stop(); }

void LocalDirectory::stop() { reads_.join(); }

// ---- Rooms: the caller holds mu_. ----

std::shared_ptr<Room> LocalDirectory::room_locked(const std::string& name) {
  auto& room = rooms_[name];
  if (!room) {
    const auto kept = seqs_.find(name);
    room = std::make_shared<Room>(name, kept == seqs_.end() ? seq_floor_ : kept->second);
  }
  return room;
}

std::shared_ptr<Room> LocalDirectory::enter_locked(const User& user, const std::string& name) {
  auto room = room_locked(name);
  MutexLock lock(room->mu);
  room->members[user.id] = Room::Seat{std::string(user.nickname), user.shard, user.conn};
  room->count(user.shard, 1);
  user.shard->post_join(room, user.conn);
  notify(room, user_label(user.nickname, user.id) + " joined");
  return room;
}

// The cut: under the room's mutex the seat goes, the member's shard is told to stop
// delivering (post_leave, behind every message numbered so far) and the notice takes the next
// seq. Whatever is numbered later reaches the shard after the leave: never this member.
bool LocalDirectory::unseat_locked(const std::shared_ptr<Room>& room, std::int64_t id, ConnId conn,
                                   Shard* shard, const std::string& text) {
  MutexLock lock(room->mu);
  const auto seat = room->members.find(id);
  if (seat == room->members.end() || seat->second.conn != conn) return false;
  room->members.erase(seat);
  room->count(shard, -1);
  shard->post_leave(room, conn);
  notify(room, text);
  if (room->members.empty()) {
    seqs_[room->name] = room->last_seq;  // numbering goes on if the room is used again
    rooms_.erase(room->name);
  }
  return true;
}

// ---- Numbering: the caller holds room.mu. ----

bool LocalDirectory::store_append(Room& room, std::int64_t seq, std::int64_t ts, const User* sender,
                                  const std::string& text, const std::string& send_id,
                                  std::function<void()> on_commit) {
  if (!store_) return true;
  StoredMessage s;
  s.room = room.name;
  s.seq = seq;
  s.ts_ms = ts;
  s.sender_id = sender ? sender->id : 0;
  s.sender_nickname = sender ? std::string(sender->nickname) : "System";
  s.message = text;
  s.type = sender ? "broadcast" : "system";
  if (sender && !send_id.empty()) {
    s.sender_key = std::string(sender->key);
    s.send_id = send_id;
  }
  return store_->try_append(std::move(s), std::move(on_commit));
}

// A notice the store cannot take is not sent: every seq a client sees must be on its way to
// the store (`who` still shows the change).
void LocalDirectory::notify(const std::shared_ptr<Room>& room, const std::string& text) {
  const auto ts = unix_time_ms();
  const auto seq = room->last_seq + 1;
  if (!store_append(*room, seq, ts, nullptr, text, {}, {})) {
    return board_.stats().dropped(DropReason::store_unavailable);
  }
  room->last_seq = seq;
  board_.fan_out(room, encode_system(text, room->name, seq, ts), 0);
}

// ---- Requests ----

void LocalDirectory::claim(const User& user, const std::string& room, Done<Claimed> done) {
  Claimed claimed;
  std::optional<std::string> holder;
  {
    MutexLock lock(mu_);
    if (const auto it = by_key_.find(user.key); it != by_key_.end()) {
      holder = it->second.nickname;
    } else {
      claimed.id = next_id_++;
      by_key_.emplace(std::string(user.key),
                      Holder{std::string(user.nickname), user.shard, user.conn, claimed.id, user.member});
      User seated = user;
      seated.id = claimed.id;
      claimed.room = enter_locked(seated, room);
    }
  }
  if (holder) return done(Refusal{Errc::nickname_taken, taken_message(user.nickname, *holder)});
  done(std::move(claimed));
}

void LocalDirectory::release(const User& user, const std::vector<std::string>& rooms) {
  if (user.id == 0) return;
  MutexLock lock(mu_);
  const auto text = user_label(user.nickname, user.id) + " left";
  for (const auto& name : rooms) {
    if (const auto it = rooms_.find(name); it != rooms_.end()) {
      const auto room = it->second;  // (the entry goes if the room empties)
      unseat_locked(room, user.id, user.conn, user.shard, text);
    }
  }
  if (const auto it = by_key_.find(user.key); it != by_key_.end() && it->second.conn == user.conn) {
    by_key_.erase(it);
  }
}

void LocalDirectory::join(const User& user, const std::string& room, Done<std::shared_ptr<Room>> done) {
  std::shared_ptr<Room> seated;
  {
    MutexLock lock(mu_);
    seated = enter_locked(user, room);
  }
  done(std::move(seated));
}

void LocalDirectory::leave(const User& user, const std::string& room, Done<Ok> done) {
  {
    MutexLock lock(mu_);
    if (const auto it = rooms_.find(room); it != rooms_.end()) {
      const auto seated = it->second;
      unseat_locked(seated, user.id, user.conn, user.shard, user_label(user.nickname, user.id) + " left");
    }
  }
  done(Ok{});
}

void LocalDirectory::expel(const User& by, const std::string& key, const std::string& room, Done<Ok> done) {
  {
    MutexLock lock(mu_);
    const auto it = by_key_.find(key);
    if (it != by_key_.end()) {
      const Holder& h = it->second;
      if (const auto r = rooms_.find(room); r != rooms_.end()) {
        const auto seated = r->second;
        unseat_locked(seated, h.id, h.conn, h.shard,
                      user_label(h.nickname, h.id) + " was removed by " + std::string(by.nickname));
      }
      // Its own loop hears of it after every message numbered before the cut.
      h.shard->post_call(h.conn, [events = events_, member = h.member, room, by = std::string(by.nickname)] {
        events->expelled(*member, room, by);
      });
    }
  }
  done(Ok{});
}

void LocalDirectory::publish(const User& user, const std::shared_ptr<Room>& room, const std::string& text,
                             const std::string& send_id, Done<std::int64_t> done) {
  const auto ts = unix_time_ms();
  Result<std::int64_t> numbered = std::int64_t{0};
  std::shared_ptr<SendWindow::Ack> first;
  {
    MutexLock lock(room->mu);
    first = sent_before(user, send_id, ts);
    if (!first) {
      numbered = number_locked(user, room, text, send_id, ts, done);
      if (const auto* seq = std::get_if<std::int64_t>(&numbered)) {
        board_.fan_out(room, encode_broadcast(user.id, user.nickname, text, room->name, *seq, ts), user.conn);
      }
    }
  }
  if (first) {  // a resend: the first send's seq, once that one is kept
    return first->when_kept([shard = user.shard, conn = user.conn, done, seq = first->seq()] {
      shard->post_call(conn, [done, seq] { done(seq); });
    });
  }
  // Without a store the seq is told at once: the answer is queued on this loop now, while the
  // fan-out waits for the loops' next drain. With one, once the store has committed it.
  if (!store_ || std::holds_alternative<Refusal>(numbered)) done(std::move(numbered));
}

std::shared_ptr<SendWindow::Ack> LocalDirectory::sent_before(const User& user, const std::string& send_id,
                                                             std::int64_t now) {
  if (send_id.empty()) return nullptr;
  MutexLock lock(sent_mu_);
  return sent_.find(user.key, send_id, now);
}

Result<std::int64_t> LocalDirectory::number_locked(const User& user, const std::shared_ptr<Room>& room,
                                                    const std::string& text, const std::string& send_id,
                                                    std::int64_t ts, const Done<std::int64_t>& done) {
  if (!room->members.count(user.id)) {  // removed (a kick) before its own loop heard of it
    return Refusal{Errc::not_in_room, "you are not in room '" + room->name + "'"};
  }
  const auto seq = room->last_seq + 1;
  std::shared_ptr<SendWindow::Ack> ack;
  if (!send_id.empty()) ack = std::make_shared<SendWindow::Ack>(seq, store_ == nullptr);
  std::function<void()> committed;
  if (store_) {
    committed = [shard = user.shard, conn = user.conn, done, seq, ack] {
      if (ack) ack->kept();
      shard->post_call(conn, [done, seq] { done(seq); });
    };
  }
  if (!store_append(*room, seq, ts, &user, text, send_id, std::move(committed))) {
    board_.stats().dropped(DropReason::store_unavailable);
    return Refusal{Errc::store_unavailable, "the message store is not writing; not sent"};
  }
  room->last_seq = seq;
  if (ack) {
    MutexLock lock(sent_mu_);
    sent_.record(user.key, send_id, ts, std::move(ack));
  }
  board_.stats().messages_in.fetch_add(1, std::memory_order_relaxed);
  return seq;
}

// A direct message's id is remembered in memory only: direct messages are not stored.
void LocalDirectory::send_to(const User& from, const std::string& key, std::string line,
                             const std::string& send_id, Done<Ok> done) {
  Shard* shard = nullptr;
  ConnId conn = 0;
  bool again = false;
  {
    MutexLock lock(mu_);
    const auto now = unix_time_ms();
    again = sent_before(from, send_id, now) != nullptr;
    if (const auto it = by_key_.find(key); !again && it != by_key_.end()) {
      shard = it->second.shard;
      conn = it->second.conn;
      if (!send_id.empty()) {
        MutexLock sent(sent_mu_);
        sent_.record(from.key, send_id, now, std::make_shared<SendWindow::Ack>(0, true));
      }
    }
  }
  if (again) return done(Ok{});
  if (!shard) return done(Refusal{Errc::no_such_user, {}});
  board_.stats().messages_in.fetch_add(1, std::memory_order_relaxed);
  shard->post_one(conn, board_.budget().share(std::move(line)));
  board_.stats().direct_deliveries.fetch_add(1, std::memory_order_relaxed);
  done(Ok{});
}

void LocalDirectory::who(const User&, const std::string& room, Done<Members> done) {
  std::shared_ptr<Room> r;
  {
    MutexLock lock(mu_);
    if (const auto it = rooms_.find(room); it != rooms_.end()) r = it->second;
  }
  Members users;
  if (r) {
    MutexLock lock(r->mu);
    for (const auto& [id, seat] : r->members) users.emplace_back(id, seat.nickname);
  }
  done(std::move(users));
}

void LocalDirectory::rooms(const User&, Done<std::vector<RoomListing>> done) {
  std::vector<RoomListing> list;
  {
    MutexLock lock(mu_);
    for (const auto& [name, room] : rooms_) {
      MutexLock room_lock(room->mu);
      list.push_back({name, room->members.size()});
    }
  }
  done(std::move(list));
}

// Read on a thread of its own; the page comes back on the asker's loop.
void LocalDirectory::history(const User& asker, const History& h, Done<HistoryPage> done) {
  if (!store_) return done(HistoryPage{{}, false});
  boost::asio::post(reads_, [this, shard = asker.shard, conn = asker.conn, h, done = std::move(done)] {
    Result<HistoryPage> page = HistoryPage{};
    try {
      auto& messages = std::get<HistoryPage>(page).messages;
      for (const auto& s : store_->history(h.room, h.limit, h.before)) {
        messages.push_back(s.type == "system" ? encode_system(s.message, s.room, s.seq, s.ts_ms)
                                              : encode_broadcast(s.sender_id, s.sender_nickname, s.message,
                                                                 s.room, s.seq, s.ts_ms));
      }
    } catch (const chat_store_error& e) {
      log_error("history of '{}': {}", h.room, e.what());
      page = Refusal{Errc::store_unavailable, "history cannot be read now"};
    }
    shard->post_call(conn, [done, page = std::move(page)] { done(page); });
  });
}

void LocalDirectory::known(const User&, const std::string& room, Done<bool> done) {
  bool used = false;
  {
    MutexLock lock(mu_);
    used = rooms_.count(room) > 0 || seqs_.count(room) > 0;
  }
  done(used);
}

std::size_t LocalDirectory::room_count() const {
  MutexLock lock(mu_);
  return rooms_.size();
}

}  // namespace sockit::chat
