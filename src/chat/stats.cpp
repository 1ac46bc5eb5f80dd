#include "stats.hpp"

#include <array>

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

std::string_view disconnect_reason_name(DisconnectReason reason) noexcept {
  switch (reason) {
    case DisconnectReason::client_closed: return "client_closed";
    case DisconnectReason::logout: return "logout";
    case DisconnectReason::login_timeout: return "login_timeout";
    case DisconnectReason::frame_too_large: return "frame_too_large";
    case DisconnectReason::slow_consumer: return "slow_consumer";
    case DisconnectReason::shutting_down: return "shutting_down";
    case DisconnectReason::server_full: return "server_full";
    case DisconnectReason::error: return "error";
  }
  return "unknown";
}

DisconnectReason classify_disconnect(std::string_view close_reason) noexcept {
  if (close_reason == "closed by client") return DisconnectReason::client_closed;
  for (std::size_t i = 0; i < kDisconnectReasons; ++i) {
    const auto reason = static_cast<DisconnectReason>(i);
    if (disconnect_reason_name(reason) == close_reason) return reason;
  }
  return DisconnectReason::error;
}

}  // namespace sockit::chat
