#include "hub.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <thread>

#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

#include "cluster.hpp"
#include "nickname.hpp"
#include "private_rooms.hpp"
#include "sockit/chat/accounts.hpp"
#include "sockit/chat/store.hpp"
#include "sockit/core/clock.hpp"
#include "sockit/core/log.hpp"

namespace sockit::chat {
namespace {

constexpr const char* kLobby = "lobby";

// How notices name a user: "nickname(id)".
std::string label(std::string_view nickname, std::int64_t id) {
  return fmt::format("{}({})", nickname, id);
}
std::string label(const Member& m) { return label(m.nickname(), m.id()); }

}  // namespace

Hub::Hub(const ChatLimits& limits, ChatStore* store)
    : limits_(limits),
      store_(store),
      system_key_(nickname_key("System")),
      budget_(limits.max_queue_total) {
  if (!store_) return;
  seq_floor_ = store_->seq_floor();
  MutexLock lock(mu_);
  for (const auto& [room, seq] : store_->last_seqs()) seqs_[room] = std::max(seq, seq_floor_);
}

Hub::~Hub() { stop_background(); }

void Hub::use_accounts(AccountBook* book, bool no_guests, std::chrono::seconds token_ttl) {
  accounts_ = book;
  no_guests_ = no_guests;
  token_ttl_ = token_ttl;
  hashing_.emplace(HashingPool::Limits{std::max(1U, std::thread::hardware_concurrency())});
}

Shard& Hub::shard_for(const boost::asio::any_io_executor& executor) {
  const void* context = &boost::asio::query(executor, boost::asio::execution::context);
  MutexLock lock(shards_mu_);
  auto& shard = shards_[context];
  if (!shard) shard = std::make_unique<Shard>(executor);
  return *shard;
}

bool Hub::attach(Member& m, Outbox& out, const boost::asio::any_io_executor& executor) {
  if (shutting_down_.load()) return false;
  auto n = connections_.load(std::memory_order_relaxed);
  do {
    if (n >= limits_.max_clients) return false;
  } while (!connections_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  m.shard_ = &shard_for(executor);
  m.out_ = &out;
  m.conn_ = next_conn_.fetch_add(1, std::memory_order_relaxed);
  m.alive_ = std::make_shared<const int>(0);
  m.shard_->attach(m.conn_, out);
  return true;
}

void Hub::detach(Member& m) {
  if (!m.shard_) return;
  m.waiting_.clear();
  m.alive_.reset();  // queued password checks of this connection are dropped
  if (cluster_) {
    cluster_->drop(m);
    m.rooms_.clear();
  } else {
    MutexLock lock(mu_);
    while (!m.rooms_.empty()) exit_locked(m, m.rooms_.begin()->first);
    if (m.id_ != 0) by_key_.erase(m.key_);
  }
  m.shard_->detach(m.conn_);
  m.shard_ = nullptr;
  connections_.fetch_sub(1, std::memory_order_relaxed);
}

// ---- Rooms: the caller holds mu_. ----

std::shared_ptr<Room> Hub::room_locked(const std::string& name) {
  auto& room = rooms_[name];
  if (!room) {
    const auto kept = seqs_.find(name);
    room = std::make_shared<Room>(name, kept == seqs_.end() ? seq_floor_ : kept->second);
  }
  return room;
}

void Hub::enter_locked(Member& m, const std::string& name) {
  auto room = room_locked(name);
  MutexLock lock(room->mu);
  room->members[m.id_] = Room::Seat{m.nickname_, m.shard_, m.conn_};
  room->count(m.shard_, 1);
  m.shard_->post_join(room, m.conn_);
  m.rooms_[name] = room;
  notify(room, label(m) + " joined");
}

void Hub::exit_locked(Member& m, const std::string& name, const std::string& why) {
  const auto it = m.rooms_.find(name);
  if (it == m.rooms_.end()) return;
  const auto room = it->second;
  m.rooms_.erase(it);
  unseat_locked(room, m.id_, m.conn_, m.shard_, label(m) + " " + why);
}

// The cut: under the room's mutex the seat goes, the member's shard is told to stop
// delivering (post_leave, behind every message numbered so far) and the notice takes the next
// seq. Whatever is numbered later reaches the shard after the leave: never this member.
bool Hub::unseat_locked(const std::shared_ptr<Room>& room, std::int64_t id, ConnId conn,
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

// Queues the message numbered `seq` to the store (if any); false when the store refuses it.
bool Hub::store_append(Room& room, std::int64_t seq, std::int64_t ts, const Member* sender,
                       const std::string& text, std::function<void()> on_commit) {
  if (!store_) return true;
  StoredMessage s;
  s.room = room.name;
  s.seq = seq;
  s.ts_ms = ts;
  s.sender_id = sender ? sender->id_ : 0;
  s.sender_nickname = sender ? sender->nickname_ : "System";
  s.message = text;
  s.type = sender ? "broadcast" : "system";
  return store_->try_append(std::move(s), std::move(on_commit));
}

// A notice the store cannot take is not sent: every seq a client sees must be on its way to
// the store (`who` still shows the change).
void Hub::notify(const std::shared_ptr<Room>& room, const std::string& text) {
  const auto ts = unix_time_ms();
  const auto seq = room->last_seq + 1;
  if (!store_append(*room, seq, ts, nullptr, text, {})) {
    return stats_.dropped(DropReason::store_unavailable);
  }
  room->last_seq = seq;
  fan_out(room, encode_system(text, room->name, seq, ts), 0);
}

// One copy of the encoded message a shard, so that no reference count is shared between
// loops: each loop's deliveries touch only its own copy.
void Hub::fan_out(const std::shared_ptr<Room>& room, std::string encoded, ConnId except) {
  const auto n = room->shards.size();
  for (std::size_t i = 0; i < n; ++i) {
    room->shards[i].first->post_room(room, budget_.share(i + 1 < n ? encoded : std::move(encoded)),
                                     except);
  }
}

// ---- Requests, on the member's loop. ----

void Hub::answer(Member& m, std::string text) { m.shard_->send(*m.out_, budget_.share(std::move(text))); }

void Hub::refuse(Member& m, Errc code, const std::string& message, const std::string& req) {
  stats_.error(code);
  answer(m, encode_error(code, message, req));
}

void Hub::defer(Member& m, std::function<void()> request, const std::string& req) {
  if (m.waiting_.size() >= kMaxWaiting) {
    stats_.dropped(DropReason::rate_limited);
    return refuse(m, Errc::rate_limited, "too many requests while the last one is under way", req);
  }
  m.waiting_.push_back(std::move(request));
}

void Hub::resume(Member& m) {
  m.busy_ = false;
  while (!m.busy_ && !m.waiting_.empty()) {
    auto next = std::move(m.waiting_.front());
    m.waiting_.pop_front();
    next();
  }
}

void Hub::login(Member& m, const Login& login, const std::string& req) {
  const auto& nickname = login.nickname;
  if (m.id_ != 0) return refuse(m, Errc::already_logged_in, "already logged in", req);
  auto key = nickname_key(nickname);
  if (key == system_key_) {
    return refuse(m, Errc::nickname_taken, "nickname '" + nickname + "' looks like System", req);
  }
  if (cluster_) return cluster_->login(m, nickname, key, req);
  if (accounts_) return login_with_account(m, login, std::move(key), req);
  admit(m, nickname, std::move(key), req, {});
}

void Hub::off_loop(Member& m, Work work) {
  m.busy_ = true;
  boost::asio::post(store_pool_, [this, mp = &m, shard = m.shard_, conn = m.conn_, work = std::move(work)] {
    back_on_loop(shard, conn, mp, work);
  });
}

void Hub::off_loop_hashing(Member& m, Work work, const std::string& req) {
  const auto submitted = hashing_->submit(
      m.source_, m.alive_, [this, mp = &m, shard = m.shard_, conn = m.conn_, work = std::move(work)] {
        back_on_loop(shard, conn, mp, work);
      });
  if (submitted == HashingPool::Submitted::queued) {
    m.busy_ = true;
    return;
  }
  stats_.dropped(DropReason::rate_limited);
  refuse(m, Errc::rate_limited,
         submitted == HashingPool::Submitted::source_full
             ? "too many logins from your address are being checked; try again"
             : "too many logins are being checked; try again",
         req);
}

// Off the loop: runs `work`, then what it returns on the member's loop (if the connection is
// still there), then the requests that waited meanwhile.
void Hub::back_on_loop(Shard* shard, ConnId conn, Member* m, const Work& work) {
  OnLoop then;
  try {
    then = work();
  } catch (const std::exception& e) {
    log_error("background work of a request: {}", e.what());
    then = [this](Member& member) {
      refuse(member, Errc::store_unavailable, "the request could not be done now", {});
    };
  }
  shard->post_call(conn, [this, m, then = std::move(then)] {
    then(*m);
    resume(*m);
  });
}

// A password costs a scrypt: checked on the hashing pool. A token or a guest's nickname costs
// a look-up: on the store pool, never behind password checks.
void Hub::login_with_account(Member& m, const Login& login, std::string key, const std::string& req) {
  Work work = [this, login, key = std::move(key), req, source = m.source_] {
    return check_account(login, key, req, source);
  };
  if (login.password && !login.token) {
    off_loop_hashing(m, std::move(work), req);
  } else {
    off_loop(m, std::move(work));
  }
}

// Failures count towards the throttle.
Hub::OnLoop Hub::check_account(const Login& login, const std::string& key, const std::string& req,
                               const std::string& source) {
  auto deny = [this, req](Errc code, std::string message) -> OnLoop {
    return [this, code, message, req](Member& member) { refuse(member, code, message, req); };
  };
  const auto now = LoginThrottle::Clock::now();
  {
    MutexLock lock(throttle_mu_);
    if (const auto wait = throttle_.wait(source, key, now)) {
      stats_.dropped(DropReason::rate_limited);
      return deny(Errc::rate_limited,
                  fmt::format("too many failed logins; try again in {} s", wait->count()));
    }
  }
  std::string token;
  try {
    const auto registered = accounts_->registered(login.nickname);
    const bool ok =
        registered && ((login.token && accounts_->check_token(login.nickname, *login.token)) ||
                       (login.password && accounts_->check_password(login.nickname, *login.password)));
    if (registered && ok) token = accounts_->issue_token(login.nickname, token_ttl_);
    if (!ok && (registered || no_guests_)) {
      MutexLock lock(throttle_mu_);
      throttle_.failed(source, key, now);
      return deny(Errc::auth_failed, registered ? "wrong password or token for '" + login.nickname + "'"
                                                : "only registered users may log in here");
    }
  } catch (const account_error& e) {
    log_error("login of '{}': {}", login.nickname, e.what());
    return deny(Errc::store_unavailable, "the accounts cannot be read now");
  }
  return [this, nickname = login.nickname, key, req, token](Member& member) {
    admit(member, nickname, key, req, token);
  };
}

void Hub::admit(Member& m, const std::string& nickname, std::string key, const std::string& req,
                const std::string& token) {
  MutexLock lock(mu_);
  if (const auto it = by_key_.find(key); it != by_key_.end()) {
    const auto& holder = it->second.nickname;
    return refuse(m, Errc::nickname_taken,
                  holder == nickname ? "nickname '" + nickname + "' is taken"
                                     : "nickname '" + nickname + "' is too close to '" + holder + "'",
                  req);
  }
  m.id_ = next_id_++;
  m.nickname_ = nickname;
  m.key_ = key;
  m.registered_ = !token.empty();  // a token is issued to registered users only
  by_key_.emplace(std::move(key), Holder{nickname, m.shard_, m.conn_, m.id_, &m});
  answer(m, encode_login_ok(m.id_, nickname, req, token));
  enter_locked(m, kLobby);
}

void Hub::broadcast(Member& m, const Broadcast& b, const std::string& req) {
  const auto it = m.rooms_.find(b.room);
  if (it == m.rooms_.end()) {
    return refuse(m, Errc::not_in_room, "you are not in room '" + b.room + "'", req);
  }
  if (cluster_) return cluster_->broadcast(m, b, req);
  const auto& room = it->second;
  const auto ts = unix_time_ms();
  MutexLock lock(room->mu);
  if (!room->members.count(m.id_)) {  // removed (a kick) before its own loop heard of it
    return refuse(m, Errc::not_in_room, "you are not in room '" + b.room + "'", req);
  }
  const auto seq = room->last_seq + 1;
  {
    std::function<void()> ack;
    if (store_ && !req.empty()) {  // sent once the store has committed the message
      ack = [this, shard = m.shard_, conn = m.conn_, req, seq] {
        shard->post_one(conn, budget_.share(encode_ack(req, seq)));
      };
    }
    if (!store_append(*room, seq, ts, &m, b.message, std::move(ack))) {
      stats_.dropped(DropReason::store_unavailable);
      return refuse(m, Errc::store_unavailable, "the message store is not writing; not sent", req);
    }
  }
  room->last_seq = seq;
  stats_.messages_in.fetch_add(1, std::memory_order_relaxed);
  // Without a store the ack goes first: flushed before the fan-out's writes, it lets the
  // sender's next message arrive while they are written, to share the next turn's writes.
  if (!store_ && !req.empty()) answer(m, encode_ack(req, seq));
  fan_out(room, encode_broadcast(m.id_, m.nickname_, b.message, b.room, seq, ts), m.conn_);
}

void Hub::direct(Member& m, const Direct& d, const std::string& req) {
  const auto key = nickname_key(trim_blank(d.to));  // "alice" reaches Alice
  if (cluster_) return cluster_->direct(m, d, key, req);
  Holder to;
  {
    MutexLock lock(mu_);
    const auto it = by_key_.find(key);
    if (it == by_key_.end()) return refuse(m, Errc::no_such_user, "no user '" + d.to + "'", req);
    to = it->second;
  }
  stats_.messages_in.fetch_add(1, std::memory_order_relaxed);
  to.shard->post_one(to.conn, budget_.share(encode_direct(m.id_, m.nickname_, d.message, unix_time_ms())));
  stats_.direct_deliveries.fetch_add(1, std::memory_order_relaxed);
  if (!req.empty()) answer(m, encode_ack(req, 0));
}

void Hub::join(Member& m, const Join& join, const std::string& req) {
  const auto& room = join.room;
  if (join.is_private) return create_private(m, room, req);
  if (m.rooms_.count(room)) return answer(m, encode_room_ok(RoomAction::join, room, req));
  if (cluster_) return cluster_->join(m, room, req);
  if (!may_see(m, room, req)) return;
  answer(m, encode_room_ok(RoomAction::join, room, req));
  MutexLock lock(mu_);
  enter_locked(m, room);
}

void Hub::leave(Member& m, const std::string& room, const std::string& req) {
  if (!m.rooms_.count(room)) {
    return refuse(m, Errc::not_in_room, "you are not in room '" + room + "'", req);
  }
  if (cluster_) return cluster_->leave(m, room, req);
  answer(m, encode_room_ok(RoomAction::leave, room, req));
  MutexLock lock(mu_);
  exit_locked(m, room);
}

void Hub::who(Member& m, const std::string& room, const std::string& req) {
  if (cluster_) return cluster_->who(m, room, req);
  if (!may_see(m, room, req)) return;
  std::shared_ptr<Room> r;
  {
    MutexLock lock(mu_);
    if (const auto it = rooms_.find(room); it != rooms_.end()) r = it->second;
  }
  std::vector<std::pair<std::int64_t, std::string>> users;
  if (r) {
    MutexLock lock(r->mu);
    for (const auto& [id, seat] : r->members) users.emplace_back(id, seat.nickname);
  }
  answer(m, encode_who(room, users, req));
}

void Hub::rooms(Member& m, const std::string& req) {
  if (cluster_) return cluster_->rooms(m, req);
  std::vector<RoomListing> list;
  {
    MutexLock lock(mu_);
    for (const auto& [name, room] : rooms_) {
      const auto access = access_of(m, name);
      if (access == RoomAccess::outsider) continue;
      MutexLock room_lock(room->mu);
      list.push_back({name, room->members.size(), access != RoomAccess::open});
    }
  }
  answer(m, encode_rooms(list, req));
}

// Read on the store pool; the answer comes back through the member's shard.
void Hub::history(Member& m, const History& h, const std::string& req) {
  if (cluster_) return cluster_->history(m, h, req);
  if (!may_see(m, h.room, req)) return;
  if (!store_) return answer(m, encode_history(h.room, {}, req, false));
  boost::asio::post(store_pool_, [this, shard = m.shard_, conn = m.conn_, h, req] {
    std::vector<std::string> encoded;
    try {
      for (const auto& s : store_->history(h.room, h.limit, h.before)) {
        encoded.push_back(s.type == "system" ? encode_system(s.message, s.room, s.seq, s.ts_ms)
                                             : encode_broadcast(s.sender_id, s.sender_nickname,
                                                                s.message, s.room, s.seq, s.ts_ms));
      }
    } catch (const chat_store_error& e) {
      log_error("history of '{}': {}", h.room, e.what());
      stats_.error(Errc::store_unavailable);
      return shard->post_one(conn, budget_.share(encode_error(Errc::store_unavailable,
                                                              "history cannot be read now", req)));
    }
    shard->post_one(conn, budget_.share(encode_history(h.room, encoded, req)));
  });
}

// ---- Private rooms (--auth accounts): their lists change on the store pool. ----

// A private room's list names registered users: a guest who took a listed nickname (say,
// after its account was removed) is an outsider.
RoomAccess Hub::access_of(const Member& m, const std::string& room) const {
  if (!private_) return RoomAccess::open;
  const auto access = private_->access(room, m.key_);
  return access == RoomAccess::open || m.registered_ ? access : RoomAccess::outsider;
}

bool Hub::may_see(Member& m, const std::string& room, const std::string& req) {
  if (access_of(m, room) != RoomAccess::outsider) return true;
  refuse(m, Errc::forbidden, "room '" + room + "' is invite-only", req);
  return false;
}

bool Hub::owns(Member& m, const std::string& room, const std::string& req) {
  if (access_of(m, room) == RoomAccess::owner) return true;
  refuse(m, Errc::forbidden, "you own no private room '" + room + "'", req);
  return false;
}

// A registered user makes `room` invite-only and enters it; a name that is public already
// (in use, or with history) stays public. Joining a private room of one's own list enters it.
void Hub::create_private(Member& m, const std::string& room, const std::string& req) {
  if (!private_ || !m.registered_) {
    return refuse(m, Errc::forbidden, "private rooms are for registered users (--auth accounts)", req);
  }
  {
    MutexLock lock(mu_);
    const auto access = access_of(m, room);
    if (access == RoomAccess::owner || access == RoomAccess::member) {
      answer(m, encode_room_ok(RoomAction::join, room, req));
      if (!m.rooms_.count(room)) enter_locked(m, room);
      return;
    }
    if (access == RoomAccess::outsider) {
      return refuse(m, Errc::forbidden, "room '" + room + "' is invite-only", req);
    }
    if (room == kLobby || rooms_.count(room) || seqs_.count(room)) {
      return refuse(m, Errc::forbidden, "room '" + room + "' is public already", req);
    }
    [[maybe_unused]] const bool reserved = private_->reserve(room, m.key_);  // under mu_: free
    assert(reserved);
  }
  off_loop(m, [this, room, owner = m.nickname_, key = m.key_, req]() -> OnLoop {
    try {
      private_->create(room, owner, key);
    } catch (const account_error& e) {
      log_error("private room '{}': {}", room, e.what());
      private_->release(room);
      return [this, req](Member& member) {
        refuse(member, Errc::store_unavailable, "the private room cannot be saved now", req);
      };
    }
    log_info("private room '{}' created by {}", room, owner);
    return [this, room, req](Member& member) {
      answer(member, encode_room_ok(RoomAction::join, room, req));
      MutexLock lock(mu_);
      enter_locked(member, room);
    };
  });
}

// The owner lets a registered user in; the user hears of it if logged in.
void Hub::invite(Member& m, const Invite& in, const std::string& req) {
  if (!owns(m, in.room, req)) return;
  const auto key = nickname_key(in.nickname);
  if (private_->access(in.room, key) != RoomAccess::outsider) {
    return answer(m, encode_member_ok(MemberAction::invite, in.room, in.nickname, req));
  }
  off_loop(m, [this, in, key, req]() -> OnLoop {
    std::optional<std::string> nickname;
    try {
      nickname = accounts_->registered(in.nickname);
      if (nickname) private_->invite(in.room, *nickname, key);
    } catch (const account_error& e) {
      log_error("invite to '{}': {}", in.room, e.what());
      return [this, req](Member& member) { refuse(member, Errc::store_unavailable, "the invitation cannot be saved now", req); };
    }
    if (!nickname) {
      return [this, in, req](Member& member) { refuse(member, Errc::no_such_user, "no registered user '" + in.nickname + "'", req); };
    }
    return [this, room = in.room, nickname = *nickname, key, req](Member& member) {
      answer(member, encode_member_ok(MemberAction::invite, room, nickname, req));
      tell(key, encode_member_notice(MemberAction::invite, room, member.nickname_));
    };
  });
}

// The owner takes a member off the list; if in the room, the member is taken out of it.
void Hub::kick(Member& m, const Kick& k, const std::string& req) {
  if (!owns(m, k.room, req)) return;
  const auto key = nickname_key(k.nickname);
  if (key == m.key_) return refuse(m, Errc::bad_request, "the owner cannot be removed", req);
  if (private_->access(k.room, key) != RoomAccess::member) {
    return refuse(m, Errc::no_such_user, "'" + k.nickname + "' is not on the list of '" + k.room + "'", req);
  }
  off_loop(m, [this, k, key, req]() -> OnLoop {
    try {
      private_->remove(k.room, key);
    } catch (const account_error& e) {
      log_error("kick from '{}': {}", k.room, e.what());
      return [this, req](Member& member) { refuse(member, Errc::store_unavailable, "the change cannot be saved now", req); };
    }
    return [this, k, key, req](Member& member) {
      expel(key, k.room, member.nickname_);  // the cut, then the owner's answer
      answer(member, encode_member_ok(MemberAction::kick, k.room, k.nickname, req));
    };
  });
}

void Hub::tell(const std::string& key, const std::string& text) {
  MutexLock lock(mu_);
  const auto it = by_key_.find(key);
  if (it != by_key_.end()) it->second.shard->post_one(it->second.conn, budget_.share(text));
}

void Hub::expel(const std::string& key, const std::string& room, const std::string& by) {
  MutexLock lock(mu_);
  const auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  const Holder& h = it->second;
  if (const auto r = rooms_.find(room); r != rooms_.end()) {
    const auto seated = r->second;  // (the entry goes if the room empties)
    unseat_locked(seated, h.id, h.conn, h.shard, label(h.nickname, h.id) + " was removed by " + by);
  }
  // Its own loop forgets the room and hears why, after every message numbered before the cut.
  h.shard->post_call(h.conn, [this, member = h.member, room, by] {
    member->rooms_.erase(room);
    answer(*member, encode_member_notice(MemberAction::kick, room, by));
  });
}

void Hub::shutdown() {
  shutting_down_ = true;
  close_all(Errc::shutting_down, "the server is shutting down");
}

void Hub::close_all(Errc code, const std::string& message) {
  MutexLock lock(shards_mu_);
  for (const auto& [context, shard] : shards_) shard->post_close_all(code, message);
}

void Hub::stop_background() {
  if (hashing_) hashing_->stop();
  store_pool_.join();
  MutexLock lock(shards_mu_);
  for (const auto& [context, shard] : shards_) shard->stop();
}

std::size_t Hub::room_count() const {
  MutexLock lock(mu_);
  return rooms_.size();
}

std::uint64_t Hub::deliveries() const {
  std::uint64_t n = stats_.direct_deliveries.load(std::memory_order_relaxed);
  MutexLock lock(shards_mu_);
  for (const auto& [context, shard] : shards_) n += shard->deliveries();
  return n;
}

}  // namespace sockit::chat
