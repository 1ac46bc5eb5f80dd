// `sockit chat serve`: the chat room over TCP (protocol v1, SPEC §6), on Asio coroutines with
// one io_context per core, SQLite history, and a clean stop that says goodbye and flushes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>

#include "sockit/chat/limits.hpp"
#include "sockit/socket/address.hpp"
#include "sockit/socket/endpoint.hpp"

namespace sockit::chat {

/// Value type.
struct ChatOptions {
  ChatLimits limits;
  std::optional<std::filesystem::path> data_dir;  ///< chat.db lives here; nullopt: no history
  std::size_t threads = 0;                         ///< io_context threads; 0 = one per core
};

/// Opens the store, listens on `tcp`, tells `listening` the bound address, and serves until
/// SIGINT/SIGTERM; then refuses new work, sends `shutting_down` to every client, flushes the
/// store and returns. Throws socket_error when it cannot listen, chat_store_error when the
/// store cannot open.
void serve(const Endpoint& tcp, const ChatOptions& options,
           const std::function<void(const Address&)>& listening);

}  // namespace sockit::chat
