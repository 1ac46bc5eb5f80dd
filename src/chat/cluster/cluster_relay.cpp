#include "chat/cluster/cluster_relay.hpp"

#include <algorithm>

namespace sockit::chat::cluster {

void RelayRoom::settle(RelaySink& sink) {
  if (holds_ > 0) --holds_;
  release(sink);
}

void RelayRoom::start_at(std::int64_t seq) noexcept {
  if (delivered_ < 0) delivered_ = seq - 1;
}

void RelayRoom::mark(std::int64_t seq, Marker marker, RelaySink& sink) {
  if (delivered_ >= seq) return sink.apply(marker);  // late: what it missed is gone by
  markers_.emplace(seq, marker);
}

void RelayRoom::forget(ConnId conn) {
  std::erase_if(markers_, [conn](const auto& m) { return m.second.conn == conn; });
}

void RelayRoom::offer(RoomMessage m, RelaySink& sink) {
  if (delivered_ < 0 && holds_ == 0) return;  // nobody here waits for this room
  if (m.seq <= delivered_) return;            // already delivered (a catch-up overlapped)
  if (held_.size() >= kMaxHeld) return;       // still in the stream: a later gap reads it
  held_.emplace(m.seq, std::move(m));
  release(sink);
}

bool RelayRoom::subscribed(RelaySink& sink) {
  owed_ = true;
  return read_owed(sink);
}

// A read that was on its way when the subscription was confirmed may have been answered before
// the SUBSCRIBE took effect: the owed one waits for it and goes after.
bool RelayRoom::read_owed(RelaySink& sink) {
  if (!owed_ || delivered_ < 0 || fetching_) return false;
  owed_ = false;
  start_fetch(sink);
  return true;
}

void RelayRoom::start_fetch(RelaySink& sink) {
  fetching_ = true;
  sink.fetch(delivered_);
}

void RelayRoom::fetched(std::int64_t after, std::vector<RoomMessage> page, bool more,
                        RelaySink& sink) {
  const auto last = page.empty() ? after : page.back().seq;
  for (auto& m : page) {
    if (m.seq > delivered_ && held_.size() < kMaxHeld) held_.emplace(m.seq, std::move(m));
  }
  if (more && last > after) return sink.fetch(last);
  fetching_ = false;
  // The stream was read from delivered_ on: what it did not hold is gone from it (trimmed),
  // so skip to what there is rather than ask again.
  if (!held_.empty() && held_.begin()->first > delivered_ + 1) {
    skipped_ += static_cast<std::uint64_t>(held_.begin()->first - delivered_ - 1);
    apply_markers_upto(held_.begin()->first - 1, sink);
    delivered_ = held_.begin()->first - 1;
  }
  release(sink);
}

void RelayRoom::apply_markers_upto(std::int64_t seq, RelaySink& sink) {
  while (!markers_.empty() && markers_.begin()->first <= seq) {
    const Marker marker = markers_.begin()->second;
    markers_.erase(markers_.begin());
    sink.apply(marker);
  }
}

void RelayRoom::release(RelaySink& sink) {
  while (holds_ == 0 && !fetching_ && !held_.empty()) {
    auto first = held_.begin();
    const auto seq = first->first;
    if (delivered_ < 0 || seq <= delivered_) {
      held_.erase(first);
      continue;
    }
    if (seq > delivered_ + 1) return start_fetch(sink);  // a gap: read it from the stream
    apply_markers_upto(seq, sink);
    sink.deliver(first->second);
    delivered_ = seq;
    held_.erase(first);
  }
  read_owed(sink);
}

}  // namespace sockit::chat::cluster
