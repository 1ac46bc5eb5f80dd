#include "hub.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>

#include "nickname.hpp"
#include "session.hpp"
#include "sockit/chat/store.hpp"
#include "sockit/core/log.hpp"

namespace sockit::chat {
namespace {

constexpr const char* kLobby = "lobby";

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Hub::Hub(const ChatLimits& limits, ChatStore* store)
    : limits_(limits),
      store_(store),
      system_key_(nickname_key("System")),
      budget_(limits.max_queue_total) {
  if (!store_) return;
  seq_floor_ = store_->seq_floor();
  for (const auto& [room, seq] : store_->last_seqs()) seqs_[room] = std::max(seq, seq_floor_);
}

bool Hub::admit(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mu_);
  if (shutting_down_ || sessions_.size() >= limits_.max_clients) return false;
  sessions_.emplace(session.get(), session);
  stats_.connected(session->transport());
  return true;
}

void Hub::remove(Session& s) {
  std::lock_guard lock(mu_);
  const auto it = sessions_.find(&s);
  if (it == sessions_.end()) return;
  const auto keep_alive = it->second;  // erased last: `s` is used below
  const auto rooms = s.rooms;
  for (const auto& room : rooms) {
    exit_room(s, room);
    notify_room(room, fmt::format("{}({}) left", s.nickname, s.id));
  }
  if (s.id != 0) by_nickname_.erase(s.nickname_key);
  sessions_.erase(it);
  stats_.disconnected(s.transport(), classify_disconnect(s.close_reason()));
}

std::int64_t& Hub::last_seq(const std::string& room) {
  return seqs_.try_emplace(room, seq_floor_).first->second;
}

// The room's next seq, once the store has queued the message (or there is no store);
// nullopt, using no seq, when the store refuses it.
std::optional<std::int64_t> Hub::number(const std::string& room, std::int64_t ts,
                                        const Session* sender, const std::string& text,
                                        std::function<void()> on_commit) {
  std::int64_t& last = last_seq(room);
  if (!store_) {
    if (on_commit) on_commit();
    return ++last;
  }
  StoredMessage m;
  m.room = room;
  m.seq = last + 1;
  m.ts_ms = ts;
  m.sender_id = sender ? sender->id : 0;
  m.sender_nickname = sender ? sender->nickname : "System";
  m.message = text;
  m.type = sender ? "broadcast" : "system";
  if (!store_->try_append(std::move(m), std::move(on_commit))) return std::nullopt;
  return ++last;
}

void Hub::refuse(Session& s, Errc code, const std::string& message, const std::string& req) {
  stats_.error(code);
  s.deliver(encode_error(code, message, req));
}

void Hub::fan_out(Room& room, const std::string& encoded, const Session* except) {
  const auto shared = budget_.share(encoded);  // encoded once for all
  for (const auto& [id, member] : room.members) {
    if (member == except) continue;
    member->deliver(shared);
    stats_.deliveries.fetch_add(1, std::memory_order_relaxed);
  }
}

// A notice the store cannot take is not sent: every seq a client sees must be on its way to
// the store (`who` still shows the change).
void Hub::notify_room(const std::string& room, const std::string& text) {
  const auto ts = now_ms();
  const auto seq = number(room, ts, nullptr, text, {});
  if (!seq) return stats_.dropped(DropReason::store_unavailable);
  const auto it = rooms_.find(room);
  if (it != rooms_.end()) fan_out(it->second, encode_system(text, room, *seq, ts), nullptr);
}

void Hub::enter(Session& s, const std::string& room) {
  rooms_[room].members[s.id] = &s;
  s.rooms.insert(room);
}

void Hub::exit_room(Session& s, const std::string& room) {
  s.rooms.erase(room);
  const auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  it->second.members.erase(s.id);
  if (it->second.members.empty()) rooms_.erase(it);
}

void Hub::login(Session& s, const std::string& nickname, const std::string& req) {
  std::lock_guard lock(mu_);
  if (s.id != 0) return refuse(s, Errc::already_logged_in, "already logged in", req);
  auto key = nickname_key(nickname);
  if (key == system_key_) {
    return refuse(s, Errc::nickname_taken, "nickname '" + nickname + "' looks like System", req);
  }
  if (const auto it = by_nickname_.find(key); it != by_nickname_.end()) {
    const auto& holder = it->second->nickname;
    return refuse(s, Errc::nickname_taken,
                  holder == nickname ? "nickname '" + nickname + "' is taken"
                                     : "nickname '" + nickname + "' is too close to '" + holder + "'",
                  req);
  }
  s.id = next_id_++;
  s.nickname = nickname;
  s.nickname_key = key;
  by_nickname_.emplace(std::move(key), &s);
  log_info("{} logged in as {}({})", s.peer().to_string(), nickname, s.id);
  s.deliver(encode_login_ok(s.id, nickname, req));
  enter(s, kLobby);
  notify_room(kLobby, fmt::format("{}({}) joined", nickname, s.id));
}

void Hub::broadcast(Session& s, const Broadcast& b, const std::string& req) {
  std::lock_guard lock(mu_);
  if (!s.rooms.count(b.room)) {
    return refuse(s, Errc::not_in_room, "you are not in room '" + b.room + "'", req);
  }
  const auto ts = now_ms();
  std::function<void()> ack;
  if (!req.empty()) {  // sent once the store has committed the message
    ack = [sender = s.weak_from_this(), req, next = last_seq(b.room) + 1] {
      if (const auto session = sender.lock()) session->deliver(encode_ack(req, next));
    };
  }
  const auto seq = number(b.room, ts, &s, b.message, std::move(ack));
  if (!seq) {
    stats_.dropped(DropReason::store_unavailable);
    return refuse(s, Errc::store_unavailable, "the message store is not writing; not sent", req);
  }
  stats_.messages_in.fetch_add(1, std::memory_order_relaxed);
  fan_out(rooms_[b.room], encode_broadcast(s.id, s.nickname, b.message, b.room, *seq, ts), &s);
}

void Hub::direct(Session& s, const Direct& d, const std::string& req) {
  std::lock_guard lock(mu_);
  const auto it = by_nickname_.find(nickname_key(trim_blank(d.to)));  // "alice" reaches Alice
  if (it == by_nickname_.end()) {
    return refuse(s, Errc::no_such_user, "no user '" + d.to + "'", req);
  }
  stats_.messages_in.fetch_add(1, std::memory_order_relaxed);
  it->second->deliver(encode_direct(s.id, s.nickname, d.message, now_ms()));
  stats_.deliveries.fetch_add(1, std::memory_order_relaxed);
  if (!req.empty()) s.deliver(encode_ack(req, 0));
}

void Hub::join(Session& s, const std::string& room, const std::string& req) {
  std::lock_guard lock(mu_);
  const bool already = s.rooms.count(room) > 0;
  if (!already) enter(s, room);
  s.deliver(encode_room_ok(RoomAction::join, room, req));
  if (!already) notify_room(room, fmt::format("{}({}) joined", s.nickname, s.id));
}

void Hub::leave(Session& s, const std::string& room, const std::string& req) {
  std::lock_guard lock(mu_);
  if (!s.rooms.count(room)) {
    return refuse(s, Errc::not_in_room, "you are not in room '" + room + "'", req);
  }
  exit_room(s, room);
  s.deliver(encode_room_ok(RoomAction::leave, room, req));
  notify_room(room, fmt::format("{}({}) left", s.nickname, s.id));
}

void Hub::who(Session& s, const std::string& room, const std::string& req) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::int64_t, std::string>> users;
  if (const auto it = rooms_.find(room); it != rooms_.end()) {
    for (const auto& [id, member] : it->second.members) users.emplace_back(id, member->nickname);
  }
  s.deliver(encode_who(room, users, req));
}

void Hub::rooms(Session& s, const std::string& req) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::size_t>> list;
  for (const auto& [name, room] : rooms_) list.emplace_back(name, room.members.size());
  s.deliver(encode_rooms(list, req));
}

void Hub::history(Session& s, const History& h, const std::string& req) {
  std::vector<std::string> encoded;
  std::vector<StoredMessage> found;
  if (store_) {
    try {
      found = store_->history(h.room, h.limit, h.before);  // outside the lock
    } catch (const chat_store_error& e) {
      log_error("history of '{}': {}", h.room, e.what());
      return refuse(s, Errc::store_unavailable, "history cannot be read now", req);
    }
    for (const auto& m : found) {
      encoded.push_back(m.type == "system" ? encode_system(m.message, m.room, m.seq, m.ts_ms)
                                           : encode_broadcast(m.sender_id, m.sender_nickname,
                                                              m.message, m.room, m.seq, m.ts_ms));
    }
  }
  s.deliver(encode_history(h.room, encoded, req));
}

void Hub::shutdown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  for (const auto& [raw, session] : sessions_) {
    session->close_with(Errc::shutting_down, "the server is shutting down");
  }
}

std::size_t Hub::connections() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::size_t Hub::room_count() const {
  std::lock_guard lock(mu_);
  return rooms_.size();
}

}  // namespace sockit::chat
