// The chat room (`sockit chat serve`) as an object a program embeds: protocol v1
// (docs/protocol.md) over TCP and WebSocket with its web page, /healthz and /metrics, on Asio
// coroutines with one io_context per core, SQLite history, and a clean stop that says goodbye
// and flushes.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sockit/chat/core/limits.hpp"
#include "sockit/server/send_path.hpp"
#include "sockit/server/service.hpp"
#include "sockit/socket/address.hpp"
#include "sockit/socket/endpoint.hpp"
#include "sockit/socket/tls_profile.hpp"

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
  std::string cert;                               ///< PEM: the certificate chain
  std::string key;                                ///< PEM: its private key
  TlsProfile profile = TlsProfile::intermediate;  ///< versions and ciphers accepted
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
  /// How each loop's end-of-turn writes to TCP clients reach the kernel (process-wide).
  server::SendPath send_path = server::SendPath::automatic;
  std::optional<Endpoint> http;                    ///< the web port; nullopt: none
  std::vector<std::string> allow_origins;          ///< other pages allowed on /ws; "*": any
  std::chrono::seconds ws_idle{60};                ///< WebSocket ping after half, close after all
  ClusterOptions cluster;                          ///< with Redis: history there, not data_dir
  std::optional<TlsOptions> tls;                   ///< protocol v1 over TLS, HTTPS and wss://
  std::string metrics_token;                       ///< /metrics wants "Bearer TOKEN"; empty: open
  std::optional<Endpoint> metrics;                 ///< /metrics on its own address, not the web port
  AuthOptions auth;                                ///< accounts need data_dir (chat.db)
};

/// The chat server (server/service.hpp): opens the store and binds `tcp` (and options.http,
/// options.metrics) when constructed; serves from start() until stop(), which refuses new
/// work, sends `shutting_down` to every client, waits up to limits.grace, and flushes the
/// store. Thread safety as Service's; the addresses are thread safe.
class ChatServer : public server::Service {
 public:
  /// Throws socket_error when it cannot listen, chat_store_error when the store cannot open,
  /// account_error when the accounts cannot, std::runtime_error when the certificate or key
  /// cannot be loaded, std::invalid_argument for options that do not go together (a cluster
  /// node connects in the background from start() and keeps retrying).
  ChatServer(const Endpoint& tcp, ChatOptions options);
  ~ChatServer() override;

  /// Where protocol v1 is served (the real port when bound to port 0).
  const Address& tcp_address() const noexcept;
  /// The web page and /ws, if options.http.
  std::optional<Address> web_address() const;
  /// /metrics and /healthz on their own, if options.metrics.
  std::optional<Address> metrics_address() const;
  /// With TLS: loads the certificate and key again; new connections use them, open ones keep
  /// theirs. nullopt on success, else why it kept the current ones. Thread safe.
  std::optional<std::string> reload_certificate();
  void request_stop() noexcept override;

 private:
  void run() override;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sockit::chat
