// Internal: the chat protocol over WebSocket — one JSON object per text frame (Beast), with
// ping/pong keep-alive and a close frame that says why the server ended the connection.
#pragma once

#include <optional>

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "sockit/server/async_server.hpp"
#include "chat/transport/transport.hpp"

namespace sockit::chat {

/// The web port's byte stream: plain, or TLS (--tls-cert).
using TlsStream = boost::asio::ssl::stream<server::AsyncStream&>;
/// A WebSocket over `Stream` (server::AsyncStream or TlsStream).
template <typename Stream>
using WebSocketOver = boost::beast::websocket::stream<Stream&>;

/// Not thread safe (see Transport). `ws` must be accepted already and outlive the transport.
/// Instantiated for server::AsyncStream and TlsStream.
template <typename Stream>
class WsTransport final : public Transport {
 public:
  using WebSocket = WebSocketOver<Stream>;
  WsTransport(WebSocket& ws, std::size_t max_frame_bytes);

  TransportKind kind() const noexcept override { return TransportKind::websocket; }
  boost::asio::any_io_executor executor() override { return ws_.get_executor(); }
  boost::system::error_code read_now(std::vector<Inbound>& out) override;
  boost::asio::awaitable<std::tuple<boost::system::error_code>> readable() override;
  boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> write(
      const std::vector<Encoded>& batch, std::size_t offset) override;
  boost::asio::awaitable<void> finish(DisconnectReason reason) override;
  void abort() noexcept override;

 private:
  WebSocket& ws_;
  std::size_t max_frame_bytes_;
  std::optional<Inbound> arrived_;  // read by readable(), taken by read_now()
};

/// Keep-alive and handshake limits for an accepted chat WebSocket: a ping after `idle`/2 of
/// silence, closed after `idle` without an answer.
template <typename Stream>
void configure_chat_websocket(WebSocketOver<Stream>& ws, std::chrono::seconds idle);

}  // namespace sockit::chat
