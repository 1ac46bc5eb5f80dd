// Internal: why a chat connection ended — a fixed set, so /metrics labels stay bounded —
// and, in one table (disconnect.cpp), its name, the error code that causes it and the
// WebSocket close code that tells it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sockit/chat/protocol/protocol.hpp"

namespace sockit::chat {

enum class DisconnectReason {
  client_closed,
  logout,
  login_timeout,
  frame_too_large,
  slow_consumer,
  shutting_down,
  server_full,
  error,
};
inline constexpr std::size_t kDisconnectReasons = 8;

/// "client_closed", "logout", ... — the /metrics label and the log's word. Pure.
std::string_view disconnect_reason_name(DisconnectReason reason) noexcept;
/// The reason a connection closed with the final error `code` ends with (error for codes
/// that do not end a connection). Pure.
DisconnectReason disconnect_reason_for(Errc code) noexcept;
/// The WebSocket close code that tells `reason` (normal, going away, too big, try again
/// later, policy violation). Pure.
std::uint16_t websocket_close_code(DisconnectReason reason) noexcept;

}  // namespace sockit::chat
