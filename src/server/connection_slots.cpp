#include "connection_slots.hpp"

namespace sockit::server {

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& o) noexcept {
  if (this != &o) {
    release();
    slots_ = std::exchange(o.slots_, nullptr);
  }
  return *this;
}

void ConnectionSlot::release() noexcept {
  if (slots_) std::exchange(slots_, nullptr)->give_back();
}

ConnectionSlot ConnectionSlots::try_take() noexcept {
  auto n = used_.load();
  do {
    if (n >= max_) return ConnectionSlot();
  } while (!used_.compare_exchange_weak(n, n + 1));
  return ConnectionSlot(this);
}

void ConnectionSlots::give_back() noexcept {
  --used_;
  if (waiting_.load() == 0) return;
  MutexLock lock(wake_mu_);
  try {
    if (wake_) wake_();
  } catch (...) {
    // Out of memory for the wake-up: a waiter still looks again within its own timeout.
  }
}

void ConnectionSlots::on_free(std::function<void()> wake) {
  MutexLock lock(wake_mu_);
  wake_ = std::move(wake);
}

void ConnectionSlots::clear_wake() noexcept {
  MutexLock lock(wake_mu_);
  wake_ = nullptr;
}

}  // namespace sockit::server
