#include "hub.hpp"

#include <fmt/core.h>
#include <chrono>

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

Hub::Hub(const ChatLimits& limits, ChatStore* store) : limits_(limits), store_(store) {
  if (store_) {
    for (const auto& [room, seq] : store_->last_seqs()) seqs_[room] = seq;
  }
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
  const auto rooms = s.rooms;
  for (const auto& room : rooms) {
    exit_room(s, room);
    notify_room(room, fmt::format("{}({}) left", s.nickname, s.id));
  }
  if (s.id != 0) by_nickname_.erase(s.nickname);
  sessions_.erase(&s);
  stats_.disconnected(s.transport(), classify_disconnect(s.close_reason()));
}

std::int64_t Hub::next_seq(const std::string& room) {
  return ++seqs_[room];
}

void Hub::record(const std::string& room, std::int64_t seq, std::int64_t ts, const Session* sender,
                 const std::string& text) {
  if (!store_) return;
  StoredMessage m;
  m.room = room;
  m.seq = seq;
  m.ts_ms = ts;
  m.sender_id = sender ? sender->id : 0;
  m.sender_nickname = sender ? sender->nickname : "System";
  m.message = text;
  m.type = sender ? "broadcast" : "system";
  store_->append(std::move(m));
}

void Hub::refuse(Session& s, Errc code, const std::string& message, const std::string& req) {
  stats_.error(code);
  s.deliver(encode_error(code, message, req));
}

void Hub::fan_out(Room& room, const std::string& encoded, const Session* except) {
  const auto shared = std::make_shared<const std::string>(encoded);  // encoded once for all
  for (const auto& [id, member] : room.members) {
    if (member == except) continue;
    member->deliver(shared);
    stats_.deliveries.fetch_add(1, std::memory_order_relaxed);
  }
}

void Hub::notify_room(const std::string& room, const std::string& text) {
  const auto it = rooms_.find(room);
  const auto seq = next_seq(room);
  const auto ts = now_ms();
  record(room, seq, ts, nullptr, text);
  if (it != rooms_.end()) fan_out(it->second, encode_system(text, room, seq, ts), nullptr);
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
  if (by_nickname_.count(nickname) || nickname == "System") {  // "System" is the server's
    return refuse(s, Errc::nickname_taken, "nickname '" + nickname + "' is taken", req);
  }
  s.id = next_id_++;
  s.nickname = nickname;
  by_nickname_[nickname] = &s;
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
  stats_.messages_in.fetch_add(1, std::memory_order_relaxed);
  const auto seq = next_seq(b.room);
  const auto ts = now_ms();
  record(b.room, seq, ts, &s, b.message);
  fan_out(rooms_[b.room], encode_broadcast(s.id, s.nickname, b.message, b.room, seq, ts), &s);
  if (!req.empty()) s.deliver(encode_ack(req, seq));
}

void Hub::direct(Session& s, const Direct& d, const std::string& req) {
  std::lock_guard lock(mu_);
  const auto it = by_nickname_.find(d.to);
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
  if (store_) {
    for (const auto& m : store_->history(h.room, h.limit, h.before)) {  // outside the lock
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
