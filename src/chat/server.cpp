#include "sockit/chat/server.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

#include "chat/cluster/cluster.hpp"
#include "chat/core/hub.hpp"
#include "chat/core/local_directory.hpp"
#include "chat/store/private_rooms.hpp"
#include "server/first_byte.hpp"
#include "server/tls_certs.hpp"
#include "chat/core/session.hpp"
#include "sockit/chat/store/accounts.hpp"
#include "sockit/chat/protocol/protocol.hpp"
#include "sockit/chat/store/store.hpp"
#include "sockit/core/log.hpp"
#include "sockit/server/async_server.hpp"
#include "chat/transport/tcp_transport.hpp"
#include "chat/transport/tls_transport.hpp"
#include "chat/web/web.hpp"

namespace sockit::chat {
namespace asio = boost::asio;

namespace {

server::StreamCoroutine session_coroutine(Hub& hub, const ChatLimits& limits) {
  return [&hub, &limits](server::AsyncStream& socket, const Address& peer) {
    // Not a coroutine: the session owns its transport, so a connection has no frame here.
    return serve_chat_connection(std::make_unique<TcpTransport>(socket, limits.max_frame_bytes),
                                 peer, hub, limits);
  };
}

// Protocol v1 over TLS: the client's first byte, the handshake (both within the login
// timeout), then the session. Nothing of TLS is made before that byte: a connection that says
// nothing holds no SSL object and no buffers.
asio::awaitable<void> serve_tls_connection(server::AsyncStream& socket, const Address& peer, Hub& hub,
                                           const ChatLimits& limits, const server::TlsCerts& certs) {
  const auto deadline = std::chrono::steady_clock::now() + limits.login_timeout;
  const auto first = co_await server::first_byte(socket, deadline);
  if (first != server::FirstByte::arrived) {
    if (first == server::FirstByte::timed_out) {
      log_warn("{} TLS handshake: no handshake within {} ms", peer.to_string(),
               limits.login_timeout.count());
    }
    co_return;  // the server closes the socket
  }
  auto transport = std::make_unique<TlsTransport>(socket, certs.current(), limits.max_frame_bytes);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (!co_await transport->handshake(std::max(left, std::chrono::milliseconds(1)), peer)) {
    co_return transport->abort();
  }
  co_await serve_chat_connection(std::move(transport), peer, hub, limits);
}

server::StreamCoroutine tls_session_coroutine(Hub& hub, const ChatLimits& limits, const server::TlsCerts& certs) {
  return [&hub, &limits, &certs](server::AsyncStream& socket, const Address& peer) {
    return serve_tls_connection(socket, peer, hub, limits, certs);
  };
}

std::unique_ptr<ChatStore> open_store(const ChatOptions& options) {
  if (!options.data_dir) return nullptr;
  return ChatStore::open(*options.data_dir / "chat.db", 100000, options.limits.send_id_age);
}

void check(const ChatOptions& options) {
  if (options.auth.accounts && !options.data_dir && options.cluster.redis.empty()) {
    throw std::invalid_argument("--auth accounts keeps the accounts in --data DIR (or, with --cluster, in Redis)");
  }
  if (options.data_dir && !options.cluster.redis.empty()) {
    throw std::invalid_argument("--data " + options.data_dir->string() +
                                ": a cluster node keeps no local store (history lives in Redis); "
                                "give --data none or leave --data out");
  }
}

// --auth accounts: in --data DIR, or with --cluster on its first Redis instance (every node's).
std::unique_ptr<AccountBook> make_accounts(const ChatOptions& options) {
  if (!options.auth.accounts) return nullptr;
  if (!options.cluster.redis.empty()) return AccountBook::in_redis(options.cluster.redis.front());
  return std::make_unique<AccountBook>(*options.data_dir);
}

// Private rooms come with accounts, and are kept where they are.
std::unique_ptr<PrivateRooms> make_private_rooms(const ChatOptions& options) {
  if (!options.auth.accounts) return nullptr;
  if (!options.cluster.redis.empty()) return PrivateRooms::in_redis(options.cluster.redis);
  return std::make_unique<PrivateRooms>(*options.data_dir);
}

// With --cluster the rooms and nicknames are in Redis; otherwise here.
std::unique_ptr<Directory> make_directory(const ChatOptions& options, Switchboard& board, ChatStore* store) {
  if (options.cluster.redis.empty()) return std::make_unique<LocalDirectory>(board, store, options.limits);
  return std::make_unique<cluster::Cluster>(options.cluster, board, options.limits);
}

server::ServerConfig server_config(const ChatOptions& options) {
  server::ServerConfig config;
  config.model = server::Model::async;
  config.threads = options.threads;
  // The hub answers server_full past max_clients; these 64 more sockets are the room to say
  // so. Never more than max_clients + 64 are open, on all the ports together.
  config.max_connections = options.limits.max_clients + 64;
  config.grace = options.limits.grace;
  return config;
}

}  // namespace

// Destroyed in reverse order: the server before the hub, the hub (which stops the directory
// and joins its background threads) before the directory, the accounts and lists it uses,
// all before the store.
struct ChatServer::Impl {
  Impl(ChatOptions o, std::unique_ptr<ChatStore> s)
      : options(std::move(o)),
        store(std::move(s)),
        accounts(make_accounts(options)),
        private_rooms(make_private_rooms(options)),
        board(options.limits.max_queue_total),
        directory(make_directory(options, board, store.get())),
        hub(options.limits, board, *directory,
            HubAccounts{accounts.get(), private_rooms.get(), options.auth.no_guests, options.auth.token_ttl}) {}

  const ChatOptions options;
  std::unique_ptr<ChatStore> store;
  std::unique_ptr<AccountBook> accounts;
  std::unique_ptr<PrivateRooms> private_rooms;
  Switchboard board;
  std::unique_ptr<Directory> directory;  // here, or in Redis with --cluster
  Hub hub;
  std::unique_ptr<server::TlsCerts> certs;
  std::optional<WebContext> web_context;
  std::optional<WebContext> metrics_context;
  std::unique_ptr<server::AsyncServer> server;  // protocol v1, and the web and metrics ports
  std::optional<Address> web;
  std::optional<Address> metrics;

  void finish() noexcept;
};

ChatServer::ChatServer(const Endpoint& tcp, ChatOptions options) {
  check(options);
  server::use_send_path(options.send_path);
  auto store = options.cluster.redis.empty() ? open_store(options) : nullptr;
  impl_ = std::make_unique<Impl>(std::move(options), std::move(store));
  auto& i = *impl_;
  const auto& o = i.options;
  if (o.tls) i.certs = std::make_unique<server::TlsCerts>(o.tls->cert, o.tls->key, o.tls->profile);
  const auto config = server_config(o);
  i.server = std::make_unique<server::AsyncServer>(
      tcp, i.certs ? tls_session_coroutine(i.hub, o.limits, *i.certs) : session_coroutine(i.hub, o.limits),
      config);
  i.web_context.emplace(WebContext{i.hub, o.limits, i.store.get(), o.allow_origins, o.ws_idle, i.certs.get(),
                                   o.metrics_token, !o.metrics});
  // --metrics ADDR: /metrics and /healthz alone on an address of their own (plain HTTP).
  i.metrics_context.emplace(
      WebContext{i.hub, o.limits, i.store.get(), {}, o.ws_idle, nullptr, o.metrics_token, true, true});
  // The web and metrics ports share the event loops (and the connection limit) of the TCP port.
  if (o.http) i.web = i.server->listen(*o.http, web_coroutine(*i.web_context));
  if (o.metrics) i.metrics = i.server->listen(*o.metrics, web_coroutine(*i.metrics_context));
  i.server->on_stop([&i] { i.hub.shutdown(); });
}

ChatServer::~ChatServer() { stop_before_destruction(); }

const Address& ChatServer::tcp_address() const noexcept { return impl_->server->server_address(); }

std::optional<Address> ChatServer::web_address() const { return impl_->web; }

std::optional<Address> ChatServer::metrics_address() const { return impl_->metrics; }

std::optional<std::string> ChatServer::reload_certificate() {
  if (!impl_->certs) return "the server has no TLS certificate";
  return impl_->certs->reload();
}

void ChatServer::request_stop() noexcept { impl_->server->request_stop(); }

// After serving, however it ended: the directory after the sessions (in a cluster their users
// leave first, with notices), the blocking work before the store closes, then the store.
void ChatServer::Impl::finish() noexcept {
  try {
    hub.stop_background();
    if (!store) return log_info("stopped; no store");
    if (store->close() == 0) log_info("stopped; the store is flushed");
  } catch (const std::exception& e) {
    log_error("stopping: {}", e.what());
  }
}

void ChatServer::run() {
  auto& i = *impl_;
  struct Finish {
    Impl& i;
    ~Finish() { i.finish(); }
  } finish{i};
  i.directory->start(i.hub);
  i.server->serve_forever();
}

}  // namespace sockit::chat
