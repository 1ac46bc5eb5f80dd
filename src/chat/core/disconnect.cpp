#include "chat/core/disconnect.hpp"

#include <array>

namespace sockit::chat {
namespace {

// RFC 6455 §7.4.1 close codes.
constexpr std::uint16_t kNormal = 1000, kGoingAway = 1001, kPolicy = 1008, kTooBig = 1009,
                        kTryAgainLater = 1013;

struct Row {
  DisconnectReason reason;
  std::string_view name;
  Errc code;  // the final error that ends a connection this way (bad_json: none)
  std::uint16_t close_code;
};

constexpr std::array<Row, kDisconnectReasons> kTable{{
    {DisconnectReason::client_closed, "client_closed", Errc::bad_json, kNormal},
    {DisconnectReason::logout, "logout", Errc::bad_json, kNormal},
    {DisconnectReason::login_timeout, "login_timeout", Errc::login_timeout, kPolicy},
    {DisconnectReason::frame_too_large, "frame_too_large", Errc::frame_too_large, kTooBig},
    {DisconnectReason::slow_consumer, "slow_consumer", Errc::slow_consumer, kPolicy},
    {DisconnectReason::shutting_down, "shutting_down", Errc::shutting_down, kGoingAway},
    {DisconnectReason::server_full, "server_full", Errc::server_full, kTryAgainLater},
    {DisconnectReason::error, "error", Errc::bad_json, kPolicy},
}};

const Row& row(DisconnectReason reason) noexcept {
  const auto i = static_cast<std::size_t>(reason);
  return kTable[i < kTable.size() ? i : kTable.size() - 1];
}

}  // namespace

std::string_view disconnect_reason_name(DisconnectReason reason) noexcept { return row(reason).name; }

DisconnectReason disconnect_reason_for(Errc code) noexcept {
  for (const auto& r : kTable) {
    if (r.code == code && r.code != Errc::bad_json) return r.reason;
  }
  return DisconnectReason::error;
}

std::uint16_t websocket_close_code(DisconnectReason reason) noexcept { return row(reason).close_code; }

}  // namespace sockit::chat
