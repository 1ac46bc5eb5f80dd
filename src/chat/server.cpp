#include "sockit/chat/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "hub.hpp"
#include "session.hpp"
#include "sockit/chat/protocol.hpp"
#include "sockit/chat/store.hpp"
#include "sockit/core/log.hpp"
#include "sockit/server/async_server.hpp"
#include "sockit/server/stoppable.hpp"

namespace sockit::chat {
namespace asio = boost::asio;

namespace {

server::StreamCoroutine session_coroutine(Hub& hub, const ChatLimits& limits) {
  return [&hub, &limits](server::AsyncStream& socket,
                         const Address& peer) -> asio::awaitable<void> {
    auto session = std::make_shared<Session>(socket, peer, hub, limits);
    if (!hub.admit(session)) {
      log_warn("{} refused: server full", peer.to_string());
      const auto text = encode_error(Errc::server_full, "the server is full", {});
      co_await asio::async_write(socket, asio::buffer(text), asio::as_tuple(asio::use_awaitable));
      co_return;
    }
    log_info("{} connected", peer.to_string());
    co_await session->run();
    log_info("{} disconnected ({}{})", peer.to_string(),
             session->id ? session->nickname + "(" + std::to_string(session->id) + "), " : "",
             session->close_reason());
  };
}

std::unique_ptr<ChatStore> open_store(const ChatOptions& options) {
  if (!options.data_dir) return nullptr;
  return ChatStore::open(*options.data_dir / "chat.db");
}

}  // namespace

void serve(const Endpoint& tcp, const ChatOptions& options,
           const std::function<void(const Address&)>& listening) {
  auto store = open_store(options);
  Hub hub(options.limits, store.get());
  server::ServerConfig config;
  config.model = server::Model::async;
  config.threads = options.threads;
  config.max_connections = options.limits.max_clients + 64;  // room to answer server_full
  config.grace = options.limits.grace;
  server::AsyncServer server(tcp, session_coroutine(hub, options.limits), config);
  server.on_stop([&hub] { hub.shutdown(); });
  {
    server::StopOnSignals signals(server);
    listening(server.server_address());
    server.serve_forever();
  }
  if (store) store->flush();
  log_info("stopped; {} store", store ? "flushed the" : "no");
}

}  // namespace sockit::chat
