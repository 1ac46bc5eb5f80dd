#include "sockit/server/reusable.hpp"

#include <cerrno>

#include <sys/ioctl.h>
#include <sys/socket.h>

namespace sockit::server {

Reusable::Reusable(ReusablePool* pool, int fd) noexcept : pool_(pool), fd_(fd) {}

Reusable::~Reusable() { busy(); }

void Reusable::idle() noexcept {
  if (!pool_) return;
  std::lock_guard lock(pool_->mu_);
  if (listed_ || evicted_ || pool_->closed_) return;
  idle_since_ = Clock::now();
  pool_->link(*this);
}

void Reusable::busy() noexcept {
  if (!pool_) return;
  std::lock_guard lock(pool_->mu_);
  if (listed_) pool_->unlink(*this);
}

void ReusablePool::link(Reusable& r) noexcept {
  r.prev_ = tail_;
  r.next_ = nullptr;
  (tail_ ? tail_->next_ : head_) = &r;
  tail_ = &r;
  r.listed_ = true;
  ++count_;
}

void ReusablePool::unlink(Reusable& r) noexcept {
  (r.prev_ ? r.prev_->next_ : head_) = r.next_;
  (r.next_ ? r.next_->prev_ : tail_) = r.prev_;
  r.prev_ = r.next_ = nullptr;
  r.listed_ = false;
  --count_;
}

namespace {
// Bytes of a request have arrived but are not read yet: the wait is about to end, so the
// connection is not idle (a burst's newcomers sit like this for a moment after accept).
bool input_waiting(int fd) noexcept {
  int n = 0;
  return ::ioctl(fd, FIONREAD, &n) == 0 && n > 0;
}
}  // namespace

bool ReusablePool::evict_oldest() noexcept {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  Reusable* candidate = head_;
  while (candidate && input_waiting(candidate->fd_)) candidate = candidate->next_;
  if (!candidate) return false;
  Reusable& oldest = *candidate;
  unlink(oldest);
  oldest.evicted_ = true;
  // Under the lock: the connection cannot leave the pool and close its socket meanwhile.
  // The handler's wait then ends with end of stream, and it finishes as for any client that
  // left. Only ENOTCONN can fail it here — a peer that reset the connection, whose handler
  // is already on its way out — so room is being made either way.
  const int shut = ::shutdown(oldest.fd_, SHUT_RDWR);
  return shut == 0 || errno == ENOTCONN;
}

std::optional<std::chrono::steady_clock::time_point> ReusablePool::oldest_idle_since() const {
  std::lock_guard lock(mu_);
  if (!head_ || closed_) return std::nullopt;
  return head_->idle_since_;
}

std::size_t ReusablePool::idle_count() const {
  std::lock_guard lock(mu_);
  return count_;
}

void ReusablePool::close() noexcept {
  std::lock_guard lock(mu_);
  closed_ = true;
  while (head_) unlink(*head_);
}

bool evict_oldest(std::span<ReusablePool* const> pools) noexcept {
  // Another thread may change a pool between the look and the eviction; then the next
  // oldest goes, which is as good.
  ReusablePool* oldest = nullptr;
  std::optional<std::chrono::steady_clock::time_point> since;
  for (ReusablePool* pool : pools) {
    const auto t = pool->oldest_idle_since();
    if (t && (!since || *t < *since)) {
      since = t;
      oldest = pool;
    }
  }
  if (oldest && oldest->evict_oldest()) return true;
  for (ReusablePool* pool : pools) {
    if (pool->evict_oldest()) return true;
  }
  return false;
}

}  // namespace sockit::server
