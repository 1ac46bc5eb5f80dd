#include "chat/core/send_window.hpp"

namespace sockit::chat {

void SendWindow::Ack::when_kept(std::function<void()> fn) {
  {
    MutexLock lock(mu_);
    if (!kept_) return waiting_.push_back(std::move(fn));
  }
  fn();
}

void SendWindow::Ack::kept() {
  std::vector<std::function<void()>> run;
  {
    MutexLock lock(mu_);
    kept_ = true;
    run.swap(waiting_);
  }
  for (auto& fn : run) fn();
}

std::shared_ptr<SendWindow::Ack> SendWindow::find(std::string_view user, std::string_view id,
                                                  std::int64_t now_ms) {
  expire(now_ms);
  const auto u = users_.find(std::string(user));
  if (u == users_.end()) return nullptr;
  const auto sent = u->second.by_id.find(std::string(id));
  return sent == u->second.by_id.end() ? nullptr : sent->second.ack;
}

void SendWindow::record(std::string_view user, std::string_view id, std::int64_t at_ms,
                        std::shared_ptr<Ack> ack) {
  expire(at_ms);
  const std::string key(user);
  auto& u = users_[key];
  const auto [it, fresh] = u.by_id.insert_or_assign(std::string(id), Sent{std::move(ack), at_ms});
  if (!fresh) return;  // (an older record of the same id: replaced, counted once)
  u.order.emplace_back(id);
  order_.push_back(Recorded{key, std::string(id), at_ms});
  ++size_;
  if (u.order.size() > limits_.per_user) forget_oldest_of(u, key);
  while (size_ > limits_.total && !order_.empty()) {
    const auto oldest = std::move(order_.front());
    order_.pop_front();
    const auto owner = users_.find(oldest.user);
    if (owner != users_.end() && !owner->second.order.empty() && owner->second.order.front() == oldest.id) {
      forget_oldest_of(owner->second, oldest.user);
    }
  }
}

void SendWindow::forget_oldest_of(User& user, const std::string& key) {
  user.by_id.erase(user.order.front());
  user.order.pop_front();
  --size_;
  if (user.order.empty()) users_.erase(key);
}

// Ids are recorded in time order, so the expired are at the front of every order.
void SendWindow::expire(std::int64_t now_ms) {
  const auto limit = now_ms - limits_.max_age.count();
  while (!order_.empty() && order_.front().at_ms < limit) {
    const auto oldest = std::move(order_.front());
    order_.pop_front();
    const auto owner = users_.find(oldest.user);
    if (owner == users_.end() || owner->second.order.empty() || owner->second.order.front() != oldest.id) {
      continue;  // gone already (its user's own limit)
    }
    const auto sent = owner->second.by_id.find(oldest.id);
    if (sent != owner->second.by_id.end() && sent->second.at_ms > limit) continue;
    forget_oldest_of(owner->second, oldest.user);
  }
}

}  // namespace sockit::chat
