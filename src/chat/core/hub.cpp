#include "chat/core/hub.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <thread>

#include <boost/asio/post.hpp>

#include "chat/core/nickname.hpp"
#include "chat/store/private_rooms.hpp"
#include "sockit/chat/store/accounts.hpp"
#include "sockit/core/clock.hpp"
#include "sockit/core/log.hpp"

namespace sockit::chat {
namespace {

constexpr const char* kLobby = "lobby";

}  // namespace

Hub::Hub(const ChatLimits& limits, Switchboard& board, Directory& directory, HubAccounts accounts)
    : limits_(limits),
      board_(board),
      directory_(directory),
      accounts_(accounts),
      system_key_(nickname_key("System")) {
  if (accounts_.book) {
    hashing_.emplace(HashingPool::Limits{std::max(1U, std::thread::hardware_concurrency())});
  }
}

Hub::~Hub() { stop_background(); }

User Hub::user_of(Member& m) { return User{m.shard_, m.conn_, m.id_, m.nickname_, m.key_, &m}; }

bool Hub::attach(Member& m, Outbox& out, const boost::asio::any_io_executor& executor) {
  if (shutting_down_.load()) return false;
  auto n = connections_.load(std::memory_order_relaxed);
  do {
    if (n >= limits_.max_clients) return false;
  } while (!connections_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  m.shard_ = &board_.shard_for(executor);
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
  std::vector<std::string> rooms;
  rooms.reserve(m.rooms_.size());
  for (const auto& [name, room] : m.rooms_) rooms.push_back(name);
  directory_.release(user_of(m), rooms);
  m.rooms_.clear();
  m.shard_->detach(m.conn_);
  m.shard_ = nullptr;
  connections_.fetch_sub(1, std::memory_order_relaxed);
}

// ---- The member's own answers and its queue of waiting requests, on its loop. ----

void Hub::answer(Member& m, std::string text) { m.shard_->send(*m.out_, budget().share(std::move(text))); }

void Hub::refuse(Member& m, Errc code, const std::string& message, const std::string& req) {
  stats().error(code);
  answer(m, encode_error(code, message, req));
}

void Hub::defer(Member& m, std::function<void()> request, const std::string& req) {
  if (m.waiting_.size() >= kMaxWaiting) {
    stats().dropped(DropReason::rate_limited);
    return refuse(m, Errc::rate_limited, "too many requests while the last one is under way", req);
  }
  m.waiting_.push_back(std::move(request));
}

// Runs what waited, in order, until one of them is on its way in turn.
void Hub::resume(Member& m) {
  while (!m.busy_ && !m.waiting_.empty()) {
    auto next = std::move(m.waiting_.front());
    m.waiting_.pop_front();
    next();
  }
}

// The member is busy until the directory's answer; `on_result(member, result)` runs first,
// then what waited (unless on_result started another such request).
template <typename T, typename F>
Done<T> Hub::then_resume(Member& m, F on_result) {
  m.busy_ = true;
  return [this, mp = &m, on_result = std::move(on_result)](Result<T> result) {
    mp->busy_ = false;
    on_result(*mp, std::move(result));
    resume(*mp);
  };
}

// Answers the member a directory's refusal: true if `r` is one.
template <typename T>
bool Hub::refused(Member& m, const Result<T>& r, const std::string& req) {
  const auto* no = std::get_if<Refusal>(&r);
  if (no) refuse(m, no->code, no->message, req);
  return no != nullptr;
}

// ---- Logins ----

void Hub::login(Member& m, const Login& login, const std::string& req) {
  const auto& nickname = login.nickname;
  if (m.id_ != 0) return refuse(m, Errc::already_logged_in, "already logged in", req);
  auto key = nickname_key(nickname);
  if (key == system_key_) {
    return refuse(m, Errc::nickname_taken, "nickname '" + nickname + "' looks like System", req);
  }
  if (accounts_.book) return login_with_account(m, login, std::move(key), req);
  claim(m, nickname, std::move(key), req, {});
}

// A login is answered once the user is seated in the lobby, so that nobody is "logged in"
// before `who` shows them; the lobby's news comes after the answer.
void Hub::claim(Member& m, const std::string& nickname, std::string key, const std::string& req,
                const std::string& token) {
  auto user = user_of(m);
  user.nickname = nickname;
  user.key = key;
  directory_.claim(user, kLobby, then_resume<Claimed>(m, [this, nickname, key, req, token](Member& member, Result<Claimed> r) {
    if (refused(member, r, req)) return;
    auto& claimed = std::get<Claimed>(r);
    member.id_ = claimed.id;
    member.nickname_ = nickname;
    member.key_ = key;
    member.registered_ = !token.empty();  // a token is issued to registered users only
    answer(member, encode_login_ok(claimed.id, nickname, req, token));
    if (claimed.room) {
      member.rooms_[kLobby] = std::move(claimed.room);
    } else {
      log_warn("user {} is logged in outside the lobby: it cannot be reached now", claimed.id);
    }
  }));
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
  stats().dropped(DropReason::rate_limited);
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
    m->busy_ = false;
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
      stats().dropped(DropReason::rate_limited);
      return deny(Errc::rate_limited,
                  fmt::format("too many failed logins; try again in {} s", wait->count()));
    }
  }
  std::string token;
  try {
    auto& book = *accounts_.book;
    const auto registered = book.registered(login.nickname);
    const bool ok = registered && ((login.token && book.check_token(login.nickname, *login.token)) ||
                                   (login.password && book.check_password(login.nickname, *login.password)));
    if (registered && ok) token = book.issue_token(login.nickname, accounts_.token_ttl);
    if (!ok && (registered || accounts_.no_guests)) {
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
    claim(member, nickname, key, req, token);
  };
}

// ---- Rooms and messages ----

void Hub::broadcast(Member& m, const Broadcast& b, const std::string& req) {
  const auto it = m.rooms_.find(b.room);
  if (it == m.rooms_.end()) {
    return refuse(m, Errc::not_in_room, "you are not in room '" + b.room + "'", req);
  }
  directory_.publish(user_of(m), it->second, b.message, b.id, [this, mp = &m, req](Result<std::int64_t> r) {
    if (refused(*mp, r, req)) return;
    if (!req.empty()) answer(*mp, encode_ack(req, std::get<std::int64_t>(r)));
  });
}

void Hub::direct(Member& m, const Direct& d, const std::string& req) {
  const auto key = nickname_key(trim_blank(d.to));  // "alice" reaches Alice
  auto line = encode_direct(m.id_, m.nickname_, d.message, unix_time_ms());
  directory_.send_to(user_of(m), key, std::move(line), d.id, [this, mp = &m, to = d.to, req](Result<Ok> r) {
    if (const auto* no = std::get_if<Refusal>(&r)) {
      return refuse(*mp, no->code, no->code == Errc::no_such_user ? "no user '" + to + "'" : no->message, req);
    }
    if (!req.empty()) answer(*mp, encode_ack(req, 0));
  });
}

void Hub::join(Member& m, const Join& join, const std::string& req) {
  const auto& room = join.room;
  if (join.is_private) return create_private(m, room, req);
  if (m.rooms_.count(room)) return answer(m, encode_room_ok(RoomAction::join, room, req));
  if (!may_see(m, room, req)) return;
  enter(m, room, req);
}

void Hub::enter(Member& m, const std::string& room, const std::string& req) {
  directory_.join(user_of(m), room,
                  then_resume<std::shared_ptr<Room>>(m, [this, room, req](Member& member, Result<std::shared_ptr<Room>> r) {
    if (refused(member, r, req)) return;
    member.rooms_[room] = std::move(std::get<std::shared_ptr<Room>>(r));
    answer(member, encode_room_ok(RoomAction::join, room, req));
  }));
}

void Hub::leave(Member& m, const std::string& room, const std::string& req) {
  if (!m.rooms_.count(room)) {
    return refuse(m, Errc::not_in_room, "you are not in room '" + room + "'", req);
  }
  directory_.leave(user_of(m), room, then_resume<Ok>(m, [this, room, req](Member& member, Result<Ok> r) {
    if (refused(member, r, req)) return;
    member.rooms_.erase(room);
    answer(member, encode_room_ok(RoomAction::leave, room, req));
  }));
}

void Hub::who(Member& m, const std::string& room, const std::string& req) {
  if (!may_see(m, room, req)) return;
  directory_.who(user_of(m), room, then_resume<Members>(m, [this, room, req](Member& member, Result<Members> r) {
    if (refused(member, r, req)) return;
    answer(member, encode_who(room, std::get<Members>(r), req));
  }));
}

// Private rooms show only to those on their lists.
void Hub::rooms(Member& m, const std::string& req) {
  using Listings = std::vector<RoomListing>;
  directory_.rooms(user_of(m), then_resume<Listings>(m, [this, req](Member& member, Result<Listings> r) {
    if (refused(member, r, req)) return;
    std::vector<RoomListing> shown;
    for (auto& listing : std::get<Listings>(r)) {
      const auto access = access_of(member, listing.room);
      if (access == RoomAccess::outsider) continue;
      listing.is_private = access != RoomAccess::open;
      shown.push_back(std::move(listing));
    }
    answer(member, encode_rooms(shown, req));
  }));
}

void Hub::history(Member& m, const History& h, const std::string& req) {
  if (!may_see(m, h.room, req)) return;
  directory_.history(user_of(m), h, then_resume<HistoryPage>(m, [this, room = h.room, req](Member& member, Result<HistoryPage> r) {
    if (refused(member, r, req)) return;
    const auto& page = std::get<HistoryPage>(r);
    answer(member, encode_history(room, page.messages, req, page.stored));
  }));
}

// ---- Private rooms (--auth accounts): their lists change on the store pool. ----

// A private room's list names registered users: a guest who took a listed nickname (say,
// after its account was removed) is an outsider.
RoomAccess Hub::access_of(const Member& m, const std::string& room) const {
  if (!accounts_.private_rooms) return RoomAccess::open;
  const auto access = accounts_.private_rooms->access(room, m.key_);
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
  if (!m.registered_) {
    return refuse(m, Errc::forbidden, "private rooms are for registered users (--auth accounts)", req);
  }
  const auto access = access_of(m, room);
  if (access == RoomAccess::owner || access == RoomAccess::member) {
    if (m.rooms_.count(room)) return answer(m, encode_room_ok(RoomAction::join, room, req));
    return enter(m, room, req);
  }
  if (access == RoomAccess::outsider) {
    return refuse(m, Errc::forbidden, "room '" + room + "' is invite-only", req);
  }
  if (room == kLobby) return refuse(m, Errc::forbidden, "room '" + room + "' is public already", req);
  directory_.known(user_of(m), room, then_resume<bool>(m, [this, room, req](Member& member, Result<bool> r) {
    if (refused(member, r, req)) return;
    if (std::get<bool>(r)) return refuse(member, Errc::forbidden, "room '" + room + "' is public already", req);
    // Reserved at once, so that nobody takes the name while it is written.
    if (!accounts_.private_rooms->reserve(room, member.key_)) {
      return refuse(member, Errc::forbidden, "room '" + room + "' is invite-only", req);
    }
    save_private(member, room, req);
  }));
}

void Hub::save_private(Member& m, const std::string& room, const std::string& req) {
  off_loop(m, [this, room, owner = m.nickname_, key = m.key_, req]() -> OnLoop {
    auto created = PrivateRooms::Created::yes;
    try {
      created = accounts_.private_rooms->create(room, owner, key);
    } catch (const account_error& e) {
      log_error("private room '{}': {}", room, e.what());
      accounts_.private_rooms->release(room);
      return [this, req](Member& member) {
        refuse(member, Errc::store_unavailable, "the private room cannot be saved now", req);
      };
    }
    if (created != PrivateRooms::Created::yes) {  // another node was first (a cluster)
      const auto why = created == PrivateRooms::Created::public_already ? "' is public already" : "' is invite-only";
      return [this, room, why, req](Member& member) { refuse(member, Errc::forbidden, "room '" + room + why, req); };
    }
    log_info("private room '{}' created by {}", room, owner);
    return [this, room, req](Member& member) { enter(member, room, req); };
  });
}

// The owner lets a registered user in; the user hears of it if logged in.
void Hub::invite(Member& m, const Invite& in, const std::string& req) {
  if (!owns(m, in.room, req)) return;
  const auto key = nickname_key(in.nickname);
  if (accounts_.private_rooms->access(in.room, key) != RoomAccess::outsider) {
    return answer(m, encode_member_ok(MemberAction::invite, in.room, in.nickname, req));
  }
  off_loop(m, [this, in, key, req]() -> OnLoop {
    std::optional<std::string> nickname;
    try {
      nickname = accounts_.book->registered(in.nickname);
      if (nickname) accounts_.private_rooms->invite(in.room, *nickname, key);
    } catch (const account_error& e) {
      log_error("invite to '{}': {}", in.room, e.what());
      return [this, req](Member& member) { refuse(member, Errc::store_unavailable, "the invitation cannot be saved now", req); };
    }
    if (!nickname) {
      return [this, in, req](Member& member) { refuse(member, Errc::no_such_user, "no registered user '" + in.nickname + "'", req); };
    }
    return [this, room = in.room, nickname = *nickname, key, req](Member& member) {
      answer(member, encode_member_ok(MemberAction::invite, room, nickname, req));
      directory_.send_to(user_of(member), key, encode_member_notice(MemberAction::invite, room, member.nickname_),
                         {}, [](Result<Ok>) {});  // only if logged in
    };
  });
}

// The owner takes a member off the list; if in the room, the member is taken out of it at the
// room's next seq, and the owner is answered after that cut.
void Hub::kick(Member& m, const Kick& k, const std::string& req) {
  if (!owns(m, k.room, req)) return;
  const auto key = nickname_key(k.nickname);
  if (key == m.key_) return refuse(m, Errc::bad_request, "the owner cannot be removed", req);
  if (accounts_.private_rooms->access(k.room, key) != RoomAccess::member) {
    return refuse(m, Errc::no_such_user, "'" + k.nickname + "' is not on the list of '" + k.room + "'", req);
  }
  off_loop(m, [this, k, key, req]() -> OnLoop {
    try {
      accounts_.private_rooms->remove(k.room, key);
    } catch (const account_error& e) {
      log_error("kick from '{}': {}", k.room, e.what());
      return [this, req](Member& member) { refuse(member, Errc::store_unavailable, "the change cannot be saved now", req); };
    }
    return [this, k, key, req](Member& member) {
      // The kicked member's loop hears of it after the cut (expelled()).
      directory_.expel(user_of(member), key, k.room, then_resume<Ok>(member, [this, k, req](Member& owner, Result<Ok> r) {
        if (refused(owner, r, req)) return;
        answer(owner, encode_member_ok(MemberAction::kick, k.room, k.nickname, req));
      }));
    };
  });
}

void Hub::expelled(Member& m, const std::string& room, const std::string& by) {
  m.rooms_.erase(room);
  answer(m, encode_member_notice(MemberAction::kick, room, by));
}

void Hub::private_list(const std::string& room, std::optional<PrivateList> list) {
  if (accounts_.private_rooms) accounts_.private_rooms->adopt(room, std::move(list));
}

void Hub::private_lists(PrivateLists lists, const std::function<bool(const std::string& room)>& covers) {
  if (accounts_.private_rooms) accounts_.private_rooms->adopt_all(std::move(lists), covers);
}

// ---- Stopping ----

void Hub::shutdown() {
  shutting_down_ = true;
  board_.close_all(Errc::shutting_down, "the server is shutting down");
}

void Hub::stop_background() {
  if (stopped_.exchange(true)) return;
  directory_.stop();
  if (hashing_) hashing_->stop();
  store_pool_.join();
  board_.stop();
}

}  // namespace sockit::chat
