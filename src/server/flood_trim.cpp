#include "flood_trim.hpp"

#include <malloc.h>

namespace sockit::server {

void FloodTrim::opened(std::size_t open) noexcept {
  auto peak = peak_.load(std::memory_order_relaxed);
  while (open > peak && !peak_.compare_exchange_weak(peak, open, std::memory_order_relaxed)) {
  }
}

bool FloodTrim::closed(std::size_t open) noexcept {
  auto peak = peak_.load(std::memory_order_relaxed);
  if (peak < kMinFlood || open > peak / 4) return false;
  // One thread wins the trim; the peak starts again from what is open now.
  if (!peak_.compare_exchange_strong(peak, open, std::memory_order_relaxed)) return false;
  ::malloc_trim(0);  // its result only says whether anything was returned
  return true;
}

}  // namespace sockit::server
