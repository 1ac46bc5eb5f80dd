#include "chat/cluster/cluster.hpp"

#include <fmt/core.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <random>
#include <stdexcept>

#include <boost/asio/post.hpp>

#include "chat/core/nickname.hpp"
#include "chat/core/shard.hpp"
#include "sockit/core/clock.hpp"
#include "sockit/core/log.hpp"

namespace sockit::chat::cluster {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

std::string_view text(const redisReply* r) { return {r->str, r->len}; }

constexpr std::chrono::milliseconds kRedisTimeout{2000};
constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{2000};
constexpr std::size_t kFetchPage = 1000;
constexpr std::chrono::seconds kStopWait{3};

std::string random_node_id() {
  std::random_device rd;
  return fmt::format("{:08x}", rd());
}

std::string random_incarnation() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

std::string reply_error(const redisReply* r) {
  if (!r) return "no answer";
  if (r->type == REDIS_REPLY_ERROR) return std::string(text(r));
  return "an unexpected reply";
}

bool is_int(const redisReply* r) { return r && r->type == REDIS_REPLY_INTEGER; }

// The part of "F1 F2 ... REST" after `skip` space-separated fields.
std::string_view after_fields(std::string_view s, int skip) {
  for (int i = 0; i < skip; ++i) {
    const auto space = s.find(' ');
    if (space == std::string_view::npos) return {};
    s.remove_prefix(space + 1);
  }
  return s;
}

// "F1 F2 ... REST" as `n` parts, the last one the rest (empty parts when there are fewer).
std::vector<std::string> split_fields(std::string_view s, int n) {
  std::vector<std::string> parts;
  for (int i = 0; i + 1 < n; ++i) {
    const auto space = s.find(' ');
    parts.emplace_back(s.substr(0, space));
    s = space == std::string_view::npos ? std::string_view{} : s.substr(space + 1);
  }
  parts.emplace_back(s);
  return parts;
}

template <typename T>
std::optional<T> number(std::string_view s) {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// The room messages of an XRANGE / XREVRANGE reply: [[id, [field, value, ...]], ...].
std::vector<RoomMessage> stream_messages(const redisReply* r) {
  std::vector<RoomMessage> out;
  if (!r || r->type != REDIS_REPLY_ARRAY) return out;
  for (std::size_t i = 0; i < r->elements; ++i) {
    const auto* entry = r->element[i];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 2) continue;
    const auto* fields = entry->element[1];
    if (fields->type != REDIS_REPLY_ARRAY) continue;
    for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
      if (text(fields->element[f]) != "p") continue;
      if (auto m = parse_room_message(text(fields->element[f + 1]))) out.push_back(std::move(*m));
    }
  }
  return out;
}

}  // namespace

struct Cluster::Instance {
  Instance(asio::io_context& io, const RedisAddress& address, const std::string& node)
      : cmd(io, address, "sockit-" + node + "-cmd", kRedisTimeout),
        sub(io, address, "sockit-" + node + "-sub", kRedisTimeout),
        retry(io) {}
  RedisLink cmd;  // commands and scripts, pipelined
  RedisLink sub;  // the channels of the rooms with a Relay (and, on the directory, this node's)
  bool up = false;
  bool was_up = false;
  bool retrying = false;
  std::size_t catching_up = 0;  // rooms reading what they missed since up_since
  Clock::time_point up_since{};
  std::chrono::milliseconds backoff = kFirstBackoff;
  asio::steady_timer retry;
};

// A connection of this node as the cluster knows it.
struct Cluster::Conn {
  Shard* shard = nullptr;
  Member* member = nullptr;  // the Hub's handle (DirectoryEvents), used on the shard's loop
  std::int64_t id = 0;  // 0 until Redis gave it one
  std::string nick, key;
  std::set<std::string> rooms;  // joined in Redis
  std::set<std::string> local;  // its join applied on its shard
  int inflight = 0;             // requests waiting for Redis
  bool dropped = false;         // the connection has gone; clean up once nothing is in flight
};

// A room with members on this node (or a join on its way). While it exists the node is
// subscribed to the room's channel.
struct Cluster::Relay {
  std::shared_ptr<Room> room;  // this node's view: which shards have members (Room::shards)
  RelayRoom order;
  std::size_t local = 0;           // local members whose join was applied
  std::uint64_t subscription = 0;  // the SUBSCRIBE that counts, by number (0: none on this link)
  bool listening = false;          // Redis confirmed it
};

class Cluster::Sink final : public RelaySink {
 public:
  Sink(Cluster& c, Relay& r) : c_(c), r_(r) {}
  void deliver(const RoomMessage& m) override { c_.deliver(r_, m); }
  void apply(const Marker& marker) override { c_.apply(r_, marker); }
  void fetch(std::int64_t after) override { c_.fetch(r_.room->name, after); }

 private:
  Cluster& c_;
  Relay& r_;
};

Cluster::Cluster(const ClusterOptions& options, Switchboard& board, const ChatLimits& limits)
    : board_(board),
      send_ids_(std::to_string(limits.send_ids)),
      send_id_age_(std::to_string(std::chrono::milliseconds(limits.send_id_age).count())),
      id_(options.node_id.empty() ? random_node_id() : options.node_id),
      incarnation_(random_incarnation()),
      node_(id_ + "@" + incarnation_),
      ttl_(options.node_ttl),
      max_len_(std::to_string(options.history_max)),
      beat_(io_) {
  if (options.redis.empty()) throw std::invalid_argument("--cluster needs a redis:// address");
  if (id_.empty() || id_.find_first_of(" \t\r\n") != std::string::npos || id_.size() > 64) {
    throw std::invalid_argument("--node-id: 1 to 64 characters, no spaces");
  }
  if (ttl_ < std::chrono::seconds(2)) throw std::invalid_argument("--node-ttl: at least 2 seconds");
  if (options.history_max == 0) throw std::invalid_argument("--history-max: at least 1");
  for (const auto& url : options.redis) {
    const auto address = parse_redis_url(url);
    if (!address) {
      throw std::invalid_argument("--cluster " + url + ": expected redis://HOST[:PORT][/DB]");
    }
    instances_.push_back(std::make_unique<Instance>(io_, *address, id_));
  }
}

Cluster::~Cluster() { stop(); }

void Cluster::start(DirectoryEvents& events) {
  events_ = &events;
  log_info("cluster: node {} (incarnation {}) on {} Redis instance(s); node ttl {} s", id_,
           incarnation_, instances_.size(),
           std::chrono::duration_cast<std::chrono::seconds>(ttl_).count());
  asio::post(io_, [this] {
    for (std::size_t i = 0; i < instances_.size(); ++i) connect(i);
    heartbeat();
  });
  thread_ = std::thread([this] {
    auto work = asio::make_work_guard(io_);
    io_.run();
  });
}

// ---- Connections ----

void Cluster::connect(std::size_t i) {
  auto& in = *instances_[i];
  in.cmd.connect(
      [this, i](bool ok) {
        if (!ok) return retry(i);
        instances_[i]->sub.connect([this, i](bool sub_ok) { sub_ok ? subscribe(i) : retry(i); },
                                   [this, i] { lost(i); });
      },
      [this, i] { lost(i); });
}

// A new subscription link subscribes to this node's channel (on the directory) and to the
// channel of every room with a Relay here; the instance is up once Redis confirmed them all.
void Cluster::subscribe(std::size_t i) {
  struct Gather {
    std::size_t left = 1;  // one more until every subscription has been sent
    bool failed = false;
  };
  auto g = std::make_shared<Gather>();
  auto confirmed = [this, i, g](bool ok) {
    g->failed = g->failed || !ok;
    if (--g->left > 0) return;
    g->failed ? retry(i) : up(i);
  };
  if (i == 0) {
    ++g->left;
    instances_[0]->sub.subscribe(
        false, node_channel(node_),
        [this](std::string_view, std::string_view p) { on_direct_message(p); }, confirmed);
  }
  ++g->left;
  instances_[i]->sub.subscribe(
      false, std::string(kPrivateChannel),
      [this](std::string_view, std::string_view p) { on_private_list(p); }, confirmed);
  for (auto& [name, r] : relays_) {
    if (instance_of(name) != i) continue;
    ++g->left;
    listen(name, r, confirmed);
  }
  confirmed(true);
}

// Subscribes to `room`'s channel if its instance's subscription link is connected (else
// subscribe() will, once it is). Once Redis confirms, the relay reads what was published
// before the SUBSCRIBE took effect — at once if the instance is up; up() does it otherwise.
// `then(ok)` after that.
void Cluster::listen(const std::string& room, Relay& r, std::function<void(bool)> then) {
  const auto i = instance_of(room);
  auto& sub = instances_[i]->sub;
  r.listening = false;
  if (!sub.ready()) {
    r.subscription = 0;
    if (then) asio::post(io_, [then = std::move(then)] { then(false); });
    return;
  }
  const auto id = r.subscription = ++subscribes_;
  auto message = [this](std::string_view channel, std::string_view payload) {
    on_room_message(channel, payload);
  };
  sub.subscribe(false, room_channel(room), message,
                [this, room, i, id, then = std::move(then)](bool ok) {
                  const auto it = relays_.find(room);
                  if (ok && it != relays_.end() && it->second.subscription == id) {
                    it->second.listening = true;
                    if (instances_[i]->up) {
                      Sink sink(*this, it->second);
                      it->second.order.subscribed(sink);
                    }
                  }
                  if (then) then(ok);
                });
}

void Cluster::up(std::size_t i) {
  auto& in = *instances_[i];
  in.up = true;
  in.up_since = Clock::now();
  in.backoff = kFirstBackoff;
  connected_.fetch_add(1);
  if (in.was_up) reconnects_.fetch_add(1);
  in.was_up = true;
  log_info("cluster: connected to redis {}", to_string(in.cmd.address()));
  // Catch this instance's rooms up on what they missed while it was away (or before their
  // SUBSCRIBE took effect).
  in.catching_up = 0;
  for (auto& [name, r] : relays_) {
    if (instance_of(name) != i || !r.listening) continue;
    Sink sink(*this, r);
    if (r.order.subscribed(sink)) ++in.catching_up;
  }
  reload_private_lists(i);
  retry_orphans();
  if (!ready_) return take_over();
  if (i == 0) heartbeat();
}

void Cluster::lost(std::size_t i) {
  auto& in = *instances_[i];
  if (in.up) {
    in.up = false;
    connected_.fetch_sub(1);
    log_warn("cluster: lost redis {}; reconnecting", to_string(in.cmd.address()));
  }
  retry(i);
}

void Cluster::retry(std::size_t i) {
  auto& in = *instances_[i];
  if (in.up) {  // a link of a working instance failed: the instance is down until both are back
    in.up = false;
    connected_.fetch_sub(1);
  }
  if (in.retrying || stopped_) return;
  if (starting_ && !taking_over_) taken_over(false);  // Redis cannot be reached at start-up
  in.retrying = true;
  in.cmd.close();  // pending requests get their failure now
  in.sub.close();
  for (auto& [name, r] : relays_) {
    if (instance_of(name) == i) r.subscription = 0, r.listening = false;
  }
  std::uniform_int_distribution<int> jitter(0, static_cast<int>(in.backoff.count() / 4));
  static thread_local std::minstd_rand rng{std::random_device{}()};
  in.retry.expires_after(in.backoff + std::chrono::milliseconds(jitter(rng)));
  in.backoff = std::min(in.backoff * 2, kMaxBackoff);
  in.retry.async_wait([this, i](boost::system::error_code ec) {
    instances_[i]->retrying = false;
    if (!ec && !stopped_) connect(i);
  });
}

bool Cluster::available(std::size_t i) const { return ready_ && instances_[i]->up; }

RedisLink& Cluster::cmd(std::size_t i) { return instances_[i]->cmd; }

std::size_t Cluster::instance_of(const std::string& room) const {
  return instance_for_room(room, instances_.size());
}

// ---- Answers ----

template <typename T>
void Cluster::call(Shard* shard, ConnId conn, const Done<T>& done, Result<T> result) {
  shard->post_call(conn, [done, result = std::move(result)] { done(result); });
}

template <typename T>
void Cluster::unavailable(Shard* shard, ConnId conn, const Done<T>& done) {
  call(shard, conn, done, Result<T>{Refusal{Errc::cluster_unavailable,
                                            "the cluster cannot be reached now; not done"}});
}

Refusal Cluster::invite_only(const std::string& room) {
  return Refusal{Errc::forbidden, "room '" + room + "' is invite-only"};
}

// ---- Rooms ----

Cluster::Relay& Cluster::relay(const std::string& room) {
  auto it = relays_.find(room);
  if (it == relays_.end()) {
    it = relays_.emplace(room, Relay{std::make_shared<Room>(room, 0), {}, 0, 0, false}).first;
    local_rooms_.store(relays_.size());
    listen(room, it->second);
  }
  return it->second;
}

void Cluster::settle(const std::string& room) {
  const auto it = relays_.find(room);
  if (it == relays_.end()) return;
  Sink sink(*this, it->second);
  it->second.order.settle(sink);
  drop_relay_if_idle(room);
}

void Cluster::drop_relay_if_idle(const std::string& room) {
  const auto it = relays_.find(room);
  if (it == relays_.end() || it->second.local != 0 || !it->second.order.idle()) return;
  auto& sub = instances_[instance_of(room)]->sub;
  const auto channel = room_channel(room);
  relays_.erase(it);
  local_rooms_.store(relays_.size());
  sub.unsubscribe(channel);
}

void Cluster::on_room_message(std::string_view channel, std::string_view payload) {
  if (!channel.starts_with(kRoomChannelPrefix)) return;
  const auto it = relays_.find(channel.substr(kRoomChannelPrefix.size()));
  if (it == relays_.end()) return;  // no member here
  auto m = parse_room_message(payload);
  if (!m) return log_warn("cluster: unreadable message on {}", channel);
  Sink sink(*this, it->second);
  it->second.order.offer(std::move(*m), sink);
  // The last local member's leave may have taken effect (the copy: only then, the key goes).
  if (it->second.local == 0 && it->second.order.idle()) drop_relay_if_idle(std::string(it->first));
}

void Cluster::fetch(const std::string& room, std::int64_t after) {
  const auto i = instance_of(room);
  cmd(i).command({"XRANGE", log_key(room), fmt::format("({}-0", after), "+", "COUNT",
                  std::to_string(kFetchPage)},
                 [this, room, after](const redisReply* r) {
                   const auto it = relays_.find(room);
                   if (it == relays_.end()) return;
                   if (!r || r->type != REDIS_REPLY_ARRAY) return it->second.order.fetch_failed();
                   auto page = stream_messages(r);
                   caught_up_.fetch_add(page.size());
                   const bool more = r->elements == kFetchPage;
                   auto& in = *instances_[instance_of(room)];
                   if (!more && in.catching_up > 0 && --in.catching_up == 0) {
                     catch_up_lag_us_.store(static_cast<std::uint64_t>(
                         std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - in.up_since)
                             .count()));
                   }
                   Sink sink(*this, it->second);
                   it->second.order.fetched(after, std::move(page), more, sink);
                   drop_relay_if_idle(room);
                 });
}

void Cluster::deliver(Relay& r, const RoomMessage& m) {
  if (m.expel && m.node == node_) {  // a member here was removed: out of the room at this seq
    apply(r, Marker{false, m.conn});
    tell_expelled(m.conn, m.room, m.nickname);
  }
  const ConnId except = m.node == node_ && !m.notice ? m.conn : 0;  // not back to its sender
  MutexLock lock(r.room->mu);
  r.room->last_seq = m.seq;
  board_.fan_out(r.room, encode_for_clients(m), except);
}

void Cluster::apply(Relay& r, const Marker& marker) {
  const auto it = conns_.find(marker.conn);
  if (it == conns_.end() || it->second.dropped) return;
  auto& c = it->second;
  const auto& name = r.room->name;
  MutexLock lock(r.room->mu);
  if (marker.join) {
    if (!c.local.insert(name).second) return;
    r.room->count(c.shard, 1);
    c.shard->post_join(r.room, marker.conn);
    ++r.local;
  } else {
    if (c.local.erase(name) == 0) return;
    r.room->count(c.shard, -1);
    c.shard->post_leave(r.room, marker.conn);
    --r.local;
  }
}

// ---- Requests ----

void Cluster::claim(const User& user, const std::string& room, Done<Claimed> done) {
  when_ready([this, shard = user.shard, conn = user.conn, member = user.member,
              nickname = std::string(user.nickname), key = std::string(user.key), room, done = std::move(done)] {
    conns_[conn].shard = shard;
    conns_[conn].member = member;
    if (!available(0)) {
      unavailable(shard, conn, done);
      return finish(conn);
    }
    ++conns_[conn].inflight;
    cmd(0).eval(login_script(), {key, node_, std::to_string(conn), nickname},
                [this, shard, conn, nickname, key, room, done](const redisReply* r) {
      auto& c = conns_[conn];
      --c.inflight;
      if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 2 || !is_int(r->element[0])) {
        // No answer: the nickname may be ours in Redis all the same; free it once Redis is back.
        if (!r) orphans_.push_back(Orphan{0, {}, key, conn, {}});
        unavailable(shard, conn, done);
        return finish(conn);
      }
      const auto id = r->element[0]->integer;
      if (id == 0) {
        const auto holder = after_fields(text(r->element[1]), 3);
        call(shard, conn, done, Result<Claimed>{Refusal{Errc::nickname_taken, taken_message(nickname, holder)}});
        return finish(conn);
      }
      c.id = id;
      c.nick = nickname;
      c.key = key;
      // Seated in the first room; logged in outside it if that room's instance cannot say so.
      if (!c.dropped) {
        do_join(conn, room, [done, id](Result<std::shared_ptr<Room>> seated) {
          auto* mirror = std::get_if<std::shared_ptr<Room>>(&seated);
          done(Claimed{id, mirror ? *mirror : nullptr});
        });
      }
      finish(conn);
    });
  });
}

void Cluster::join(const User& user, const std::string& room, Done<std::shared_ptr<Room>> done) {
  asio::post(io_, [this, conn = user.conn, room, done = std::move(done)] { do_join(conn, room, done); });
}

// A join or leave of `conn` in `room` is about to go to Redis: its record, with one more
// request in flight and the room's deliveries held until the answer; or null — `done` told
// cluster_unavailable — when the room's instance is down.
template <typename T>
Cluster::Conn* Cluster::start_change(ConnId conn, const std::string& room, const Done<T>& done) {
  const auto it = conns_.find(conn);
  if (it == conns_.end()) return nullptr;
  if (!available(instance_of(room))) {
    unavailable(it->second.shard, conn, done);
    return nullptr;
  }
  ++it->second.inflight;
  relay(room).order.hold();
  return &it->second;
}

// The join's `done` is posted before its marker is applied: the member has its answer, and the
// room, before the room's first message after the join.
void Cluster::do_join(ConnId conn, const std::string& room, Done<std::shared_ptr<Room>> done) {
  const Conn* user = start_change(conn, room, done);
  if (!user) return;
  Shard* shard = user->shard;
  cmd(instance_of(room)).eval(join_script(),
              {room, std::to_string(user->id), node_, std::to_string(conn), user->nick, max_len_, user->key},
              [this, conn, room, done, shard](const redisReply* r) {
    auto& c = conns_[conn];
    --c.inflight;
    auto& rl = relay(room);
    if (is_int(r) && r->integer < 0) {  // a private room that is not (or no longer) the user's
      call(shard, conn, done, Result<std::shared_ptr<Room>>{invite_only(room)});
    } else if (is_int(r)) {
      const auto seq = r->integer;
      c.rooms.insert(room);
      rl.order.start_at(seq);
      call(shard, conn, done, Result<std::shared_ptr<Room>>{rl.room});
      Sink sink(*this, rl);
      rl.order.mark(seq, Marker{true, conn}, sink);
    } else {
      // No answer: the join may have been done all the same; undo it once Redis is back
      // (before any later request of this user's, which goes after it on the same link).
      if (!r) orphans_.push_back(Orphan{c.id, c.nick, {}, conn, {room}});
      unavailable(shard, conn, done);
    }
    settle(room);
    finish(conn);
  });
}

void Cluster::leave(const User& user, const std::string& room, Done<Ok> done) {
  asio::post(io_, [this, conn = user.conn, room, done = std::move(done)] { do_leave(conn, room, done); });
}

void Cluster::do_leave(ConnId conn, const std::string& room, Done<Ok> done) {
  const Conn* user = start_change(conn, room, done);
  if (!user) return;
  Shard* shard = user->shard;
  cmd(instance_of(room)).eval(leave_script(), {room, std::to_string(user->id), node_, user->nick, max_len_},
              [this, conn, room, done, shard](const redisReply* r) {
    auto& c = conns_[conn];
    --c.inflight;
    auto& rl = relay(room);
    if (is_int(r)) {
      c.rooms.erase(room);
      call(shard, conn, done, Result<Ok>{Ok{}});
      Sink sink(*this, rl);
      if (r->integer > 0) {
        rl.order.mark(r->integer, Marker{false, conn}, sink);
      } else {
        apply(rl, Marker{false, conn});  // no longer a member in Redis (its node was reaped)
      }
    } else {
      unavailable(shard, conn, done);
    }
    settle(room);
    finish(conn);
  });
}

// Where the user is logged in (the directory), then out of the room at a seq by the expel
// script: its node applies that in the room's order (deliver). If it holds no seat, its node is
// told directly (on_direct_message), so that it hears of the removal all the same.
void Cluster::expel(const User& by, const std::string& key, const std::string& room, Done<Ok> done) {
  asio::post(io_, [this, shard = by.shard, conn = by.conn, by_nick = std::string(by.nickname), key, room,
                   done = std::move(done)] {
    if (!available(0) || !available(instance_of(room))) return unavailable(shard, conn, done);
    cmd(0).command({"GET", nick_key(key)}, [this, shard, conn, by_nick, room, done](const redisReply* r) {
      if (!r || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_NIL)) return unavailable(shard, conn, done);
      if (r->type == REDIS_REPLY_NIL) return call(shard, conn, done, Result<Ok>{Ok{}});  // not logged in
      const auto holder = split_fields(text(r), 4);  // NODE CONN ID NICKNAME
      const auto &node = holder[0], &victim_conn = holder[1];
      cmd(instance_of(room)).eval(expel_script(), {room, holder[2], node, victim_conn, holder[3], by_nick, max_len_},
                                  [this, shard, conn, node, victim_conn, by_nick, room, done](const redisReply* x) {
        if (!is_int(x)) return unavailable(shard, conn, done);
        if (x->integer == 0) {  // not seated in the room: its node tells it
          const auto notice = fmt::format("x {}\n{}\n{}", victim_conn, by_nick, room);
          if (node == node_) {
            on_direct_message(notice);
          } else {
            cmd(0).command({"PUBLISH", node_channel(node), notice}, [](const redisReply*) {});
          }
        }
        call(shard, conn, done, Result<Ok>{Ok{}});
      });
    });
  });
}

// The member `conn` of this node was removed from `room` by `by`: once it is out of the room
// (a marker applied, or it was not in it), the Hub tells it on its loop.
void Cluster::tell_expelled(ConnId conn, const std::string& room, const std::string& by) {
  const auto it = conns_.find(conn);
  if (it == conns_.end() || it->second.dropped || !it->second.member) return;
  it->second.rooms.erase(room);
  it->second.shard->post_call(conn, [events = events_, member = it->second.member, room, by] {
    events->expelled(*member, room, by);
  });
}

void Cluster::publish(const User& user, const std::shared_ptr<Room>& room, const std::string& text,
                      const std::string& send_id, Done<std::int64_t> done) {
  asio::post(io_, [this, shard = user.shard, conn = user.conn, id = user.id, nick = std::string(user.nickname),
                   key = std::string(user.key), room = room->name, text, send_id, done = std::move(done)] {
    const auto i = instance_of(room);
    if (!available(i)) return unavailable(shard, conn, done);
    const auto sent = Clock::now();
    cmd(i).eval(broadcast_script(),
                {room, std::to_string(id), node_, std::to_string(conn), nick, text, max_len_, key, send_id,
                 send_ids_, send_id_age_},
                [this, shard, conn, done, sent](const redisReply* r) {
      if (!is_int(r)) return unavailable(shard, conn, done);
      publishes_.fetch_add(1, std::memory_order_relaxed);
      publish_us_.fetch_add(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent).count()));
      board_.stats().messages_in.fetch_add(1, std::memory_order_relaxed);
      call(shard, conn, done, Result<std::int64_t>{r->integer});
    });
  });
}

void Cluster::send_to(const User& from, const std::string& key, std::string line, const std::string& send_id,
                      Done<Ok> done) {
  asio::post(io_, [this, shard = from.shard, conn = from.conn, from_key = std::string(from.key), key,
                   line = std::move(line), send_id, done = std::move(done)] {
    if (!available(0)) return unavailable(shard, conn, done);
    cmd(0).eval(direct_script(), {key, node_, line, from_key, send_id, send_ids_, send_id_age_},
                [this, shard, conn, line, done](const redisReply* r) {
      if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1 || !is_int(r->element[0])) {
        return unavailable(shard, conn, done);
      }
      const auto where = r->element[0]->integer;
      if (where == 0) return call(shard, conn, done, Result<Ok>{Refusal{Errc::no_such_user, {}}});
      if (where != 3) board_.stats().messages_in.fetch_add(1, std::memory_order_relaxed);
      if (where == 1 && r->elements > 1) on_direct_message(fmt::format("{} {}", text(r->element[1]), line));
      call(shard, conn, done, Result<Ok>{Ok{}});
    });
  });
}

void Cluster::on_direct_message(std::string_view payload) {
  if (payload.starts_with("x ")) {  // "x CONN\nBY\nROOM": a removal from a room it held no seat in
    const auto first = payload.find('\n');
    const auto second = payload.find('\n', first == std::string_view::npos ? first : first + 1);
    const auto conn = number<ConnId>(payload.substr(2, first - 2));
    if (!conn || second == std::string_view::npos) return;
    return tell_expelled(*conn, std::string(payload.substr(second + 1)),
                         std::string(payload.substr(first + 1, second - first - 1)));
  }
  const auto space = payload.find(' ');
  const auto conn = number<ConnId>(payload.substr(0, space));
  if (!conn || space == std::string_view::npos) return;
  const auto it = conns_.find(*conn);
  if (it == conns_.end() || it->second.dropped) return;
  it->second.shard->post_one(*conn, board_.budget().share(std::string(payload.substr(space + 1))));
  board_.stats().direct_deliveries.fetch_add(1, std::memory_order_relaxed);
}

// ---- Private rooms' lists (kept by PrivateRooms; told to the Hub) ----

void Cluster::on_private_list(std::string_view payload) {
  auto parsed = parse_private_list(payload);
  if (!parsed) return log_warn("cluster: unreadable private list on {}", kPrivateChannel);
  events_->private_list(parsed->room, std::move(parsed->list));
}

// What was published while the link was down is lost: every list of the instance, again.
void Cluster::reload_private_lists(std::size_t i) {
  cmd(i).eval(private_lists_script(), {}, [this, i](const redisReply* r) {
    if (!r || r->type != REDIS_REPLY_ARRAY) return;  // the link failed: up() comes again
    PrivateLists lists;
    for (std::size_t k = 0; k < r->elements; ++k) {
      auto parsed = parse_private_list(text(r->element[k]));
      if (parsed && parsed->list) lists[parsed->room] = std::move(*parsed->list);
    }
    events_->private_lists(std::move(lists), [this, i](const std::string& room) { return instance_of(room) == i; });
  });
}

void Cluster::who(const User& asker, const std::string& room, Done<Members> done) {
  asio::post(io_, [this, shard = asker.shard, conn = asker.conn, room, done = std::move(done)] {
    const auto i = instance_of(room);
    if (!available(i)) return unavailable(shard, conn, done);
    cmd(i).command({"HGETALL", members_key(room)}, [this, shard, conn, done](const redisReply* r) {
      if (!r || r->type != REDIS_REPLY_ARRAY) return unavailable(shard, conn, done);
      Members users;
      for (std::size_t k = 0; k + 1 < r->elements; k += 2) {
        const auto id = number<std::int64_t>(text(r->element[k]));
        if (id) users.emplace_back(*id, std::string(after_fields(text(r->element[k + 1]), 2)));
      }
      std::sort(users.begin(), users.end());
      call(shard, conn, done, Result<Members>{std::move(users)});
    });
  });
}

void Cluster::rooms(const User& asker, Done<std::vector<RoomListing>> done) {
  asio::post(io_, [this, shard = asker.shard, conn = asker.conn, done = std::move(done)] {
    for (std::size_t i = 0; i < instances_.size(); ++i) {
      if (!available(i)) return unavailable(shard, conn, done);
    }
    struct Gather {
      std::map<std::string, std::size_t> rooms;
      std::size_t left;
      bool failed = false;
    };
    auto g = std::make_shared<Gather>();
    g->left = instances_.size();
    for (std::size_t i = 0; i < instances_.size(); ++i) {
      cmd(i).eval(rooms_script(), {}, [this, g, shard, conn, done](const redisReply* r) {
        if (!r || r->type != REDIS_REPLY_ARRAY) g->failed = true;
        for (std::size_t k = 0; r && r->type == REDIS_REPLY_ARRAY && k + 1 < r->elements; k += 2) {
          if (is_int(r->element[k + 1])) {
            g->rooms[std::string(text(r->element[k]))] += static_cast<std::size_t>(r->element[k + 1]->integer);
          }
        }
        if (--g->left > 0) return;
        if (g->failed) return unavailable(shard, conn, done);
        std::vector<RoomListing> list;
        for (const auto& [room, members] : g->rooms) list.push_back({room, members});
        call(shard, conn, done, Result<std::vector<RoomListing>>{std::move(list)});
      });
    }
  });
}

void Cluster::history(const User& asker, const History& h, Done<HistoryPage> done) {
  asio::post(io_, [this, shard = asker.shard, conn = asker.conn, key = std::string(asker.key), h,
                   done = std::move(done)] {
    const auto i = instance_of(h.room);
    if (!available(i)) return unavailable(shard, conn, done);
    if (h.before && *h.before <= 1) return call(shard, conn, done, Result<HistoryPage>{HistoryPage{}});
    const auto end = h.before ? fmt::format("({}-0", *h.before) : std::string("+");
    cmd(i).eval(history_script(), {h.room, key, end, std::to_string(h.limit)},
                [this, shard, conn, room = h.room, done](const redisReply* r) {
      if (is_int(r) && r->integer < 0) return call(shard, conn, done, Result<HistoryPage>{invite_only(room)});
      if (!r || r->type != REDIS_REPLY_ARRAY) return unavailable(shard, conn, done);
      auto page = stream_messages(r);
      HistoryPage lines;
      for (auto it = page.rbegin(); it != page.rend(); ++it) lines.messages.push_back(encode_for_clients(*it));
      call(shard, conn, done, Result<HistoryPage>{std::move(lines)});
    });
  });
}

// A room is known once it has numbered a message (its join notices included).
void Cluster::known(const User& asker, const std::string& room, Done<bool> done) {
  asio::post(io_, [this, shard = asker.shard, conn = asker.conn, room, done = std::move(done)] {
    const auto i = instance_of(room);
    if (!available(i)) return unavailable(shard, conn, done);
    cmd(i).command({"EXISTS", seq_key(room)}, [this, shard, conn, done](const redisReply* r) {
      if (!is_int(r)) return unavailable(shard, conn, done);
      call(shard, conn, done, Result<bool>{r->integer > 0});
    });
  });
}

// ---- Users leaving ----

void Cluster::release(const User& user, const std::vector<std::string>&) {
  when_ready([this, conn = user.conn] {
    const auto it = conns_.find(conn);
    if (it == conns_.end()) return;
    it->second.dropped = true;
    finish(conn);
  });
}

void Cluster::finish(ConnId conn) {
  const auto it = conns_.find(conn);
  if (it == conns_.end() || !it->second.dropped || it->second.inflight > 0) return;
  clean_up(conn);
}

// The connection has gone and nothing of it is in flight: undo its local joins, and take it
// out of Redis — its rooms (with "left" notices) and its nickname.
void Cluster::clean_up(ConnId conn) {
  auto node = conns_.extract(conn);
  auto& c = node.mapped();
  for (const auto& room : c.rooms) {
    const auto r = relays_.find(room);
    if (r == relays_.end()) continue;
    r->second.order.forget(conn);
    if (c.local.count(room)) {
      MutexLock lock(r->second.room->mu);
      r->second.room->count(c.shard, -1);
      --r->second.local;
    }
    drop_relay_if_idle(room);
  }
  if (c.id == 0) return;
  orphans_.push_back(Orphan{c.id, std::move(c.nick), std::move(c.key), conn, std::move(c.rooms)});
  retry_orphans();
}

void Cluster::send_leave(std::int64_t id, const std::string& nick, const std::string& room) {
  cmd(instance_of(room)).eval(leave_script(), {room, std::to_string(id), node_, nick, max_len_},
                              [this, id, nick, room](const redisReply* r) {
    if (!is_int(r)) orphans_.push_back(Orphan{id, nick, {}, 0, {room}});
  });
}

// Sends what can be sent of every orphan's removal; what Redis misses comes back as an orphan.
void Cluster::retry_orphans() {
  auto pending = std::move(orphans_);
  orphans_.clear();
  for (auto& o : pending) {
    std::set<std::string> kept;
    for (const auto& room : o.rooms) {
      if (available(instance_of(room))) {
        send_leave(o.id, o.nick, room);
      } else {
        kept.insert(room);
      }
    }
    std::string key;
    if (!o.key.empty() && available(0)) {
      cmd(0).eval(logout_script(), {o.key, node_, std::to_string(o.conn)},
                  [this, id = o.id, nick = o.nick, key = o.key, conn = o.conn](const redisReply* r) {
        if (!is_int(r)) orphans_.push_back(Orphan{id, nick, key, conn, {}});
      });
    } else {
      key = std::move(o.key);
    }
    if (!kept.empty() || !key.empty()) {
      orphans_.push_back(Orphan{o.id, std::move(o.nick), std::move(key), o.conn, std::move(kept)});
    }
  }
}

// ---- Presence ----

// Every ttl/4: renews this node's entry (Redis counts it alive until ttl after, by its own
// clock), and removes the users of nodes whose last heartbeat is older than their ttl —
// only while this node may judge (may_reap).
void Cluster::heartbeat() {
  beat_.expires_after(ttl_ / 4);
  beat_.async_wait([this](boost::system::error_code ec) {
    if (!ec && !stopped_) heartbeat();
  });
  if (!ready_) return take_over();
  if (!instances_[0]->up) return;
  const auto sent = Clock::now();
  cmd(0).eval(heartbeat_script(), {node_, id_, std::to_string(ttl_.count())},
              [this, sent](const redisReply* r) {
    if (!is_int(r)) {
      heartbeat_failures_.fetch_add(1);
      if (beating_since_ != Clock::time_point{}) {
        log_warn("cluster: Redis did not take this node's heartbeat ({}); it removes no other node "
                 "until its own heartbeats have been taken again for {} s", reply_error(r),
                 std::chrono::duration_cast<std::chrono::seconds>(ttl_).count());
      }
      beating_since_ = {};
      return;
    }
    if (beating_since_ == Clock::time_point{}) beating_since_ = sent;
    beat_ok_ = sent;
    if (r->integer == 0 && registered_) {
      log_error("cluster: node {} was taken out of the cluster (no heartbeat for too long); "
                "closing its connections so that their users log in again", node_);
      board_.close_all(Errc::cluster_unavailable, "this server lost its place in the cluster; reconnect");
    }
    registered_ = true;
  });
  if (!may_reap()) return;
  expiry_checks_.fetch_add(1);
  cmd(0).eval(expired_script(), {}, [this](const redisReply* r) {
    if (!r || r->type != REDIS_REPLY_ARRAY) return;
    for (std::size_t k = 0; k < r->elements; ++k) {
      const std::string node(text(r->element[k]));
      if (node != node_ && may_reap()) reap(node);
    }
  });
}

// A node removes others only while its own standing is sound, so that an outage of Redis —
// unreachable, or refusing writes when out of memory — never turns the nodes on each other:
// every instance reachable for a whole ttl, and its own heartbeats taken without a failure
// for a whole ttl (so every live node has had time to renew since) and lately (the last one
// sent less than ttl/2 ago). Who has gone silent is judged by Redis's clock (expired_script).
bool Cluster::may_reap() const {
  const auto now = Clock::now();
  for (const auto& in : instances_) {
    if (!in->up || now - in->up_since < ttl_) return false;
  }
  return beating_since_ != Clock::time_point{} && now - beating_since_ >= ttl_ &&
         now - beat_ok_ < ttl_ / 2;
}

// Removes a dead node's users from every instance's rooms, then its nicknames and its entry;
// `then(done, seats)` after. Safe to run on several nodes at once: a user is removed (and its
// notice sent) once.
void Cluster::reap(const std::string& node, std::function<void(bool, long long)> then) {
  struct Gather {
    std::size_t left;
    long long users = 0;
    bool failed = false;
    std::function<void(bool, long long)> then;
  };
  auto g = std::make_shared<Gather>();
  g->left = instances_.size();
  g->then = std::move(then);
  for (std::size_t i = 0; i < instances_.size(); ++i) {
    cmd(i).eval(reap_rooms_script(), {node, max_len_}, [this, g, node](const redisReply* r) {
      if (is_int(r)) g->users += r->integer; else g->failed = true;
      if (--g->left > 0) return;
      if (g->failed) return g->then ? g->then(false, g->users) : void();
      cmd(0).eval(reap_node_script(), {node}, [this, g, node](const redisReply* done) {
        if (g->then) g->then(is_int(done), g->users);
        if (!is_int(done)) return;
        reaped_.fetch_add(1);
        log_warn("cluster: node {} stopped answering; removed its {} room seat(s) and nicknames", node,
                 g->users);
      });
    });
  }
}

// ---- Start-up ----

// This run's first step in the cluster, once every instance is reachable: it registers its
// incarnation of the node id, then removes what earlier runs of the id left registered (after
// a crash: their users' seats, with "left" notices, and their nicknames). Only then does the
// node take logins. Tried again on each heartbeat tick until it has succeeded.
void Cluster::take_over() {
  if (ready_ || taking_over_ || stopped_) return;
  for (const auto& in : instances_) {
    if (!in->up) return;
  }
  taking_over_ = true;
  const auto sent = Clock::now();
  cmd(0).eval(take_over_script(), {node_, id_, std::to_string(ttl_.count())},
              [this, sent](const redisReply* r) {
    if (!r || r->type != REDIS_REPLY_ARRAY) {
      log_warn("cluster: node {} could not register in Redis ({}); trying again", id_,
               reply_error(r));
      return taken_over(false);
    }
    beat_ok_ = beating_since_ = sent;
    registered_ = true;
    if (r->elements == 0) return taken_over(true);
    struct Gather {
      std::size_t left;
      bool ok = true;
    };
    auto g = std::make_shared<Gather>(Gather{r->elements});
    for (std::size_t k = 0; k < r->elements; ++k) {
      const std::string earlier(text(r->element[k]));
      reap(earlier, [this, g, earlier](bool done, long long seats) {
        g->ok = g->ok && done;
        if (done) {
          log_info("cluster: removed {} room seat(s) and the nicknames of {}, an earlier run of "
                   "this node", seats, earlier);
        }
        if (--g->left == 0) taken_over(g->ok);
      });
    }
  });
}

// The end of a take-over try (or of start-up, when Redis cannot be reached): the logins and
// drops that waited for it go on, in order.
void Cluster::taken_over(bool ok) {
  taking_over_ = false;
  starting_ = false;
  if (ok) {
    ready_ = true;
    log_info("cluster: node {} (incarnation {}) is in the cluster", id_, incarnation_);
    heartbeat();
  }
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& fn : waiting) fn();
}

void Cluster::when_ready(std::function<void()> fn) {
  asio::post(io_, [this, fn = std::move(fn)]() mutable {
    if (ready_ || !starting_) return fn();
    waiting_.push_back(std::move(fn));
  });
}

// ---- Stopping ----

void Cluster::stop() {
  if (stopped_ || !thread_.joinable()) return;
  asio::post(io_, [this] {
    stopped_ = true;
    beat_.cancel();
    // Leave as a reaper would: this node's seats with notices, then its nicknames and entry.
    bool all = true;
    for (const auto& in : instances_) all = all && in->up;
    if (!all) return io_.stop();
    auto left = std::make_shared<std::size_t>(instances_.size());
    for (std::size_t i = 0; i < instances_.size(); ++i) {
      cmd(i).eval(reap_rooms_script(), {node_, max_len_}, [this, left](const redisReply*) {
        if (--*left > 0) return;
        cmd(0).eval(reap_node_script(), {node_}, [this](const redisReply*) { io_.stop(); });
      });
    }
  });
  asio::steady_timer deadline(io_, kStopWait);
  deadline.async_wait([this](boost::system::error_code ec) {
    if (!ec) io_.stop();
  });
  thread_.join();
  stopped_ = true;
  for (auto& in : instances_) {
    in->cmd.close();
    in->sub.close();
  }
}

std::optional<Gauges> Cluster::gauges() const {
  Gauges g;
  g.instances = instances_.size();
  g.connected = connected_.load();
  g.reconnects = reconnects_.load();
  g.publishes = publishes_.load();
  g.publish_seconds_sum = static_cast<double>(publish_us_.load()) / 1e6;
  g.caught_up = caught_up_.load();
  g.catch_up_lag_seconds = static_cast<double>(catch_up_lag_us_.load()) / 1e6;
  g.reaped_nodes = reaped_.load();
  g.heartbeat_failures = heartbeat_failures_.load();
  g.expiry_checks = expiry_checks_.load();
  for (const auto& in : instances_) g.subscription_bytes += in->sub.received_bytes();
  return g;
}

}  // namespace sockit::chat::cluster
