// `sockit chat serve`: the chat room over TCP and WebSocket (protocol v1, docs/protocol.md) with its web
// page, /healthz and /metrics, on Asio coroutines with one io_context per core, SQLite
// history, and a clean stop that says goodbye and flushes.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sockit/chat/limits.hpp"
#include "sockit/socket/address.hpp"
#include "sockit/socket/endpoint.hpp"

namespace sockit::chat {

/// Several nodes sharing rooms through Redis (docs/cluster.md). Value type.
struct ClusterOptions {
  std::vector<std::string> redis;        ///< redis://HOST[:PORT][/DB]; empty: no cluster
  std::string node_id;                   ///< empty: a random one (logged)
  std::chrono::seconds node_ttl{10};     ///< a silent node's users are removed within it
  std::size_t history_max = 10000;       ///< messages kept per room (about: trimmed by ~)
};

/// TLS on both chat ports. Value type.
struct TlsOptions {
  std::string cert;  ///< PEM: the certificate chain
  std::string key;   ///< PEM: its private key
};

/// Who may log in. Value type.
struct AuthOptions {
  bool accounts = false;                   ///< registered nicknames need their password
  bool no_guests = false;                  ///< ... and nobody else may log in
  std::chrono::seconds token_ttl{86400};   ///< a resume token lives this long
};

/// Value type.
struct ChatOptions {
  ChatLimits limits;
  std::optional<std::filesystem::path> data_dir;  ///< chat.db lives here; nullopt: no history
  std::size_t threads = 0;                         ///< io_context threads; 0 = one per core
  std::optional<Endpoint> http;                    ///< the web port; nullopt: none
  std::vector<std::string> allow_origins;          ///< other pages allowed on /ws; "*": any
  std::chrono::seconds ws_idle{60};                ///< WebSocket ping after half, close after all
  ClusterOptions cluster;                          ///< with Redis: history there, not data_dir
  std::optional<TlsOptions> tls;                   ///< protocol v1 over TLS, HTTPS and wss://
  std::string metrics_token;                       ///< /metrics wants "Bearer TOKEN"; empty: open
  std::optional<Endpoint> metrics;                 ///< /metrics on its own address, not the web port
  AuthOptions auth;                                ///< accounts need data_dir (chat.db)
};

/// Opens the store, listens on `tcp` (and options.http, options.metrics), tells `listening`
/// each bound address ("tcp", then "web", then "metrics"), and serves until SIGINT/SIGTERM (with TLS, SIGHUP loads the
/// certificate and key again: new connections use them); then refuses new work, sends
/// `shutting_down` to every client, flushes the store and returns. Throws socket_error when
/// it cannot listen, chat_store_error when the store cannot open, std::runtime_error when the
/// certificate or key cannot be loaded, std::invalid_argument for
/// a bad cluster option (a cluster node connects in the background and keeps retrying).
void serve(const Endpoint& tcp, const ChatOptions& options,
           const std::function<void(std::string_view what, const Address&)>& listening);

}  // namespace sockit::chat
