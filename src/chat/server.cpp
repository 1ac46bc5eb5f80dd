#include "sockit/chat/server.hpp"

#include <csignal>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "cluster.hpp"
#include "hub.hpp"
#include "private_rooms.hpp"
#include "session.hpp"
#include "sockit/chat/accounts.hpp"
#include "sockit/chat/protocol.hpp"
#include "sockit/chat/store.hpp"
#include "sockit/core/log.hpp"
#include "sockit/server/async_server.hpp"
#include "sockit/server/stoppable.hpp"
#include "tcp_transport.hpp"
#include "tls_certs.hpp"
#include "tls_transport.hpp"
#include "web.hpp"

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

// Protocol v1 over TLS: the handshake (within the login timeout), then the session.
asio::awaitable<void> serve_tls_connection(server::AsyncStream& socket, const Address& peer, Hub& hub,
                                           const ChatLimits& limits, const TlsCerts& certs) {
  auto transport = std::make_unique<TlsTransport>(socket, certs.current(), limits.max_frame_bytes);
  if (!co_await transport->handshake(limits.login_timeout, peer)) co_return transport->abort();
  co_await serve_chat_connection(std::move(transport), peer, hub, limits);
}

server::StreamCoroutine tls_session_coroutine(Hub& hub, const ChatLimits& limits, const TlsCerts& certs) {
  return [&hub, &limits, &certs](server::AsyncStream& socket, const Address& peer) {
    return serve_tls_connection(socket, peer, hub, limits, certs);
  };
}

// SIGHUP loads the certificate and key again, on a thread of its own; until it is destroyed.
class ReloadOnHangup {
 public:
  explicit ReloadOnHangup(TlsCerts* certs) : certs_(certs) {
    if (!certs_) return;
    hangup_.emplace(io_, SIGHUP);
    wait();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ReloadOnHangup() {
    if (!certs_) return;
    io_.stop();
    thread_.join();
  }
  ReloadOnHangup(const ReloadOnHangup&) = delete;
  ReloadOnHangup& operator=(const ReloadOnHangup&) = delete;

 private:
  void wait() {
    hangup_->async_wait([this](boost::system::error_code ec, int) {
      if (ec) return;
      if (const auto failed = certs_->reload()) {
        log_error("SIGHUP: keeping the current certificate: {}", *failed);
      } else {
        log_info("SIGHUP: certificate and key loaded again; new connections use them");
      }
      wait();
    });
  }

  TlsCerts* certs_;
  asio::io_context io_;
  std::optional<asio::signal_set> hangup_;  // only with TLS: otherwise SIGHUP keeps its default
  std::thread thread_;
};

// Runs the web port's server on a thread of its own; stops and joins it on every way out.
class WebThread {
 public:
  explicit WebThread(server::AsyncServer* web) : web_(web) {
    if (web_) thread_ = std::thread([this] { web_->serve_forever(); });
  }
  ~WebThread() {
    if (!web_) return;
    web_->request_stop();
    thread_.join();
  }
  WebThread(const WebThread&) = delete;
  WebThread& operator=(const WebThread&) = delete;

 private:
  server::AsyncServer* web_;
  std::thread thread_;
};

std::unique_ptr<ChatStore> open_store(const ChatOptions& options) {
  if (!options.data_dir) return nullptr;
  return ChatStore::open(*options.data_dir / "chat.db");
}

}  // namespace

void serve(const Endpoint& tcp, const ChatOptions& options,
           const std::function<void(std::string_view, const Address&)>& listening) {
  if (options.auth.accounts && (!options.data_dir || !options.cluster.redis.empty())) {
    throw std::invalid_argument("--auth accounts keeps the accounts in --data DIR (not with --cluster)");
  }
  auto store = options.cluster.redis.empty() ? open_store(options) : nullptr;
  Hub hub(options.limits, store.get());
  std::unique_ptr<AccountBook> accounts;
  std::unique_ptr<PrivateRooms> private_rooms;
  if (options.auth.accounts) {
    accounts = std::make_unique<AccountBook>(*options.data_dir);
    hub.use_accounts(accounts.get(), options.auth.no_guests, options.auth.token_ttl);
    private_rooms = std::make_unique<PrivateRooms>(*options.data_dir);
    hub.use_private_rooms(private_rooms.get());
  }
  std::unique_ptr<cluster::Cluster> cluster;
  if (!options.cluster.redis.empty()) {
    cluster = std::make_unique<cluster::Cluster>(options.cluster, hub);
    hub.use_cluster(cluster.get());
  }
  server::ServerConfig config;
  config.model = server::Model::async;
  config.threads = options.threads;
  config.max_connections = options.limits.max_clients + 64;  // room to answer server_full
  config.grace = options.limits.grace;
  std::unique_ptr<TlsCerts> certs;
  if (options.tls) certs = std::make_unique<TlsCerts>(options.tls->cert, options.tls->key);
  server::AsyncServer server(tcp,
                             certs ? tls_session_coroutine(hub, options.limits, *certs)
                                   : session_coroutine(hub, options.limits),
                             config);
  WebContext web_context{hub, options.limits, store.get(), options.allow_origins, options.ws_idle,
                         certs.get(), options.metrics_token, !options.metrics};
  // --metrics ADDR: /metrics and /healthz alone on an address of their own (plain HTTP).
  WebContext metrics_context{hub, options.limits, store.get(), {}, options.ws_idle, nullptr,
                             options.metrics_token, true, true};
  std::unique_ptr<server::AsyncServer> metrics;
  if (options.metrics) {
    metrics = std::make_unique<server::AsyncServer>(*options.metrics, web_coroutine(metrics_context), config);
  }
  std::unique_ptr<server::AsyncServer> web;
  if (options.http) {
    web = std::make_unique<server::AsyncServer>(*options.http, web_coroutine(web_context), config);
  }
  server.on_stop([&hub, &web, &metrics] {
    hub.shutdown();
    if (web) web->request_stop();
    if (metrics) metrics->request_stop();
  });
  {
    server::StopOnSignals signals(server);
    ReloadOnHangup reload(certs.get());
    listening("tcp", server.server_address());
    if (web) listening("web", web->server_address());
    if (metrics) listening("metrics", metrics->server_address());
    WebThread web_thread(web.get());
    WebThread metrics_thread(metrics.get());
    if (cluster) cluster->start();
    server.serve_forever();
  }
  if (cluster) cluster->stop();  // after the sessions: their users leave first, with notices
  hub.stop_background();  // before the store closes: history reads use it
  if (!store) return log_info("stopped; no store");
  if (store->close() == 0) log_info("stopped; the store is flushed");
}

}  // namespace sockit::chat
