#include "chat/core/stats.hpp"

namespace sockit::chat {

std::string_view drop_reason_name(DropReason reason) noexcept {
  switch (reason) {
    case DropReason::slow_consumer: return "slow_consumer";
    case DropReason::rate_limited: return "rate_limited";
    case DropReason::closing: return "closing";
    case DropReason::store_unavailable: return "store_unavailable";
  }
  return "unknown";
}

}  // namespace sockit::chat
