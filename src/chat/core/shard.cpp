#include "chat/core/shard.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "server/send_ring.hpp"

namespace sockit::chat {

Shard::Shard(boost::asio::any_io_executor executor)
    : executor_(std::move(executor)) {}

void Shard::post_room(const std::shared_ptr<Room>& room, Encoded message, ConnId except) {
  post({Entry::Kind::room, room, std::move(message), except});
}

void Shard::post_one(ConnId conn, Encoded message) {
  post({Entry::Kind::one, nullptr, std::move(message), conn});
}

void Shard::post_join(const std::shared_ptr<Room>& room, ConnId conn) {
  post({Entry::Kind::join, room, nullptr, conn});
}

void Shard::post_leave(const std::shared_ptr<Room>& room, ConnId conn) {
  post({Entry::Kind::leave, room, nullptr, conn});
}

void Shard::post_close_all(Errc code, std::string message) {
  post({Entry::Kind::close_all, nullptr, std::make_shared<const std::string>(std::move(message)), 0,
        code});
}

void Shard::post_call(ConnId conn, std::function<void()> fn) {
  Entry e{Entry::Kind::call, nullptr, nullptr, conn};
  e.fn = std::move(fn);
  post(std::move(e));
}

// Appends, and posts one drain per batch (entries that arrive before the loop takes the inbox
// ride along). Never runs an entry here, not even on the loop itself: the caller may hold the
// hub's or a room's mutex, and an entry may take them (see docs/architecture.md).
void Shard::post(Entry entry) {
  {
    MutexLock lock(inbox_mu_);
    inbox_.push_back(std::move(entry));
    if (drain_due_) return;
    drain_due_ = true;
  }
  boost::asio::post(executor_, [this] { drain(); });
}

// The loop's one point for queued work: what the inbox holds now is applied in order, with no
// lock held. What those entries post lands in the inbox again and runs in the next drain.
void Shard::drain() {
  {
    MutexLock lock(inbox_mu_);
    drain_due_ = false;  // entries from now on post a drain of their own
    work_.swap(inbox_);  // (the two vectors trade their capacity: no allocation a turn)
  }
  for (const Entry& e : work_) apply(e);
  work_.clear();
  schedule_flush();
}

void Shard::apply(const Entry& e) {
  switch (e.kind) {
    case Entry::Kind::room:
      return deliver_room(e);
    case Entry::Kind::one: {
      const auto it = conns_.find(e.conn);
      if (it == conns_.end()) return;  // gone: an ack or answer nobody waits for any more
      it->second.out->push(e.message);
      return mark_urgent(*it->second.out);
    }
    case Entry::Kind::call:
      if (conns_.count(e.conn)) e.fn();
      return;
    case Entry::Kind::join:
      return join_local(e.room.get(), e.conn);
    case Entry::Kind::leave:
      return leave_local(e.room.get(), e.conn);
    case Entry::Kind::close_all: {
      std::vector<Outbox*> all;  // close_with may not detach, but stay safe if it did
      all.reserve(conns_.size());
      for (const auto& [conn, c] : conns_) all.push_back(c.out);
      for (Outbox* out : all) out->close_with(e.code, *e.message);
      return;
    }
  }
}

void Shard::deliver_room(const Entry& e) {
  const auto it = rooms_.find(e.room.get());
  if (it == rooms_.end()) return;
  std::size_t n = 0;
  for (const Local& m : it->second) {
    if (m.conn == e.conn) continue;
    m.out->push(e.message);
    mark(*m.out);
    ++n;
  }
  count(n);
}

void Shard::join_local(const Room* room, ConnId conn) {
  const auto it = conns_.find(conn);
  if (it == conns_.end()) return;  // it left before the join was applied
  auto& joined = it->second.rooms;
  if (std::find(joined.begin(), joined.end(), room) != joined.end()) return;
  joined.push_back(room);
  rooms_[room].push_back({conn, it->second.out});
}

void Shard::leave_local(const Room* room, ConnId conn) {
  if (const auto c = conns_.find(conn); c != conns_.end()) std::erase(c->second.rooms, room);
  const auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  auto& members = it->second;
  const auto m = std::find_if(members.begin(), members.end(),
                              [conn](const Local& l) { return l.conn == conn; });
  if (m == members.end()) return;
  *m = members.back();  // the order of local members does not matter
  members.pop_back();
  if (members.empty()) rooms_.erase(it);
}

void Shard::attach(ConnId conn, Outbox& out) { conns_.emplace(conn, Conn{&out, {}}); }

void Shard::detach(ConnId conn) {
  const auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  Outbox* out = it->second.out;
  const auto rooms = std::move(it->second.rooms);
  conns_.erase(it);
  for (const Room* room : rooms) leave_local(room, conn);
  if (out->flush_due_) {
    out->flush_due_ = false;
    marked_.erase(std::remove(marked_.begin(), marked_.end(), out), marked_.end());
  }
  if (out->urgent_due_) {
    out->urgent_due_ = false;
    urgent_.erase(std::remove(urgent_.begin(), urgent_.end(), out), urgent_.end());
  }
}

void Shard::send(Outbox& out, const Encoded& message) {
  out.push(message);
  mark_urgent(out);
}

// Answers are written by a turn of their own, right after what the loop has queued already
// (the rest of the reader's input, other connections' events): a client waiting for an
// answer never waits for the pace below.
void Shard::mark_urgent(Outbox& out) {
  if (!out.urgent_due_) {
    out.urgent_due_ = true;
    urgent_.push_back(&out);
  }
  if (urgent_flush_due_) return;
  urgent_flush_due_ = true;
  boost::asio::post(executor_, [this] { flush_urgent(); });
}

void Shard::flush_urgent() {
  urgent_flush_due_ = false;
  flush_all(urgent_, &Outbox::urgent_due_);
}

void Shard::mark(Outbox& out) {
  if (out.flush_due_) return;
  out.flush_due_ = true;
  marked_.push_back(&out);
}

// Deliveries are written at the end of the turn — or, when the last such flush was less than
// kPace ago (the loop is busy), kPace after it, so that the messages arriving meanwhile share
// one write per member. An idle room's message goes out at once.
void Shard::schedule_flush() {
  if (flush_due_ || marked_.empty()) return;
  flush_due_ = true;
  if (Clock::now() - last_flush_ >= kPace) {
    return boost::asio::post(executor_, [this] { flush_marked(); });
  }
  if (!pacer_) pacer_.emplace(executor_);
  pacer_->expires_at(last_flush_ + kPace);
  pacer_->async_wait([this](boost::system::error_code ec) {
    if (!ec) flush_marked();
  });
}

void Shard::stop() noexcept { pacer_.reset(); }

void Shard::flush_marked() {
  flush_due_ = false;
  last_flush_ = Clock::now();
  flush_all(marked_, &Outbox::flush_due_);
}

// Writes each outbox of `outs` (its `due` flag cleared), their sends in one submit of the
// loop's ring where there is one. flush() may close a connection, but never detaches it:
// detach runs in its session's coroutine, which cannot resume during this loop (nor during the
// ring's submit, which writes to the sockets of the outboxes that queued and reports to them).
void Shard::flush_all(std::vector<Outbox*>& outs, bool Outbox::*due) {
  auto* ring = server::SendRing::this_thread();
  for (std::size_t i = 0; i < outs.size(); ++i) {
    Outbox* out = outs[i];
    out->*due = false;
    ring ? out->flush(*ring) : out->flush();
  }
  outs.clear();
  if (ring) ring->submit();
}

}  // namespace sockit::chat
