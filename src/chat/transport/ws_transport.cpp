#include "chat/transport/ws_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "sockit/core/log.hpp"
#include "chat/transport/tcp_transport.hpp"
#include "chat/transport/tls_transport.hpp"
#include "sockit/server/with_timeout.hpp"

namespace sockit::chat {
namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using asio::awaitable;

namespace {
using server::tuple_awaitable;
constexpr std::chrono::seconds kHandshakeLimit{5};  // also bounds the closing handshake
}  // namespace

template <typename Stream>
void configure_chat_websocket(WebSocketOver<Stream>& ws, std::chrono::seconds idle) {
  websocket::stream_base::timeout limits{};
  limits.handshake_timeout = kHandshakeLimit;
  limits.idle_timeout = idle;
  limits.keep_alive_pings = true;
  ws.set_option(limits);
  ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(boost::beast::http::field::server, "sockit");
  }));
}

template <typename Stream>
WsTransport<Stream>::WsTransport(WebSocket& ws, std::size_t max_frame_bytes)
    : ws_(ws), max_frame_bytes_(max_frame_bytes) {
  fix_send_buffer(boost::beast::get_lowest_layer(ws_));
  ws_.text(true);
  ws_.auto_fragment(false);  // a chat message is one frame; and no 4 KiB write buffer a connection
  // read() measures frames so the client hears frame_too_large; this is only the backstop.
  ws_.read_message_max(2 * max_frame_bytes + 65536);
}

template <typename Stream>
boost::system::error_code WsTransport<Stream>::read_now(std::vector<Inbound>& out) {
  if (!arrived_) return asio::error::would_block;
  out.push_back(std::move(*arrived_));
  arrived_.reset();
  return {};
}

// Reads one message. An idle connection waits for one byte, which fits in the string itself
// (no buffer of its own); the rest of a message is then taken in growing steps, mostly from
// what the WebSocket has read already. Frames are measured here so the client hears
// frame_too_large.
template <typename Stream>
awaitable<std::tuple<boost::system::error_code>> WsTransport<Stream>::readable() {
  constexpr std::size_t kIdleRead = 1, kRead = 512, kBusyRead = 16384;
  using Result = std::tuple<boost::system::error_code>;
  std::string message;
  auto into = asio::dynamic_buffer(message);
  for (std::size_t want = kIdleRead;; want = want == kIdleRead ? kRead : kBusyRead) {
    const auto [ec, n] = co_await ws_.async_read_some(into, want, tuple_awaitable);
    if (ec == websocket::error::closed) co_return Result{asio::error::eof};  // a clean close frame
    if (ec) co_return Result{tls_read_end(ec)};  // (over plain TCP, no TLS error comes)
    if (message.size() > max_frame_bytes_) {
      arrived_.emplace(Inbound{Inbound::Kind::too_large, {}});
      co_return Result{};
    }
    if (ws_.is_message_done()) break;
  }
  arrived_.emplace(Inbound{Inbound::Kind::frame, std::move(message)});
  co_return Result{};
}

template <typename Stream>
awaitable<std::pair<boost::system::error_code, std::size_t>> WsTransport<Stream>::write(
    const std::vector<Encoded>& batch, std::size_t offset) {
  std::size_t sent = 0;
  for (const auto& m : batch) {
    std::string_view text = *m;  // `offset` is 0: there is no try_write to begin a message
    text.remove_prefix(std::exchange(offset, 0));
    if (text.ends_with('\n')) text.remove_suffix(1);  // the frame delimits it
    const auto [ec, n] = co_await ws_.async_write(asio::buffer(text.data(), text.size()),
                                                  tuple_awaitable);
    if (ec) co_return std::pair{ec, sent};
    sent += m->size();
  }
  co_return std::pair{boost::system::error_code{}, sent};
}

template <typename Stream>
awaitable<void> WsTransport<Stream>::finish(DisconnectReason reason) {
  if (ws_.is_open()) {
    websocket::close_reason why(websocket_close_code(reason));
    if (reason != DisconnectReason::client_closed) why.reason = std::string(disconnect_reason_name(reason));
    const auto [ec] = co_await ws_.async_close(why, tuple_awaitable);
    log_debug("WebSocket close ({}): {}", why.code, ec.message());  // an error: it is gone
  }
  abort();
}

template <typename Stream>
void WsTransport<Stream>::abort() noexcept {
  boost::system::error_code ignored;  // already closed is fine
  auto& socket = boost::beast::get_lowest_layer(ws_);
  socket.shutdown(asio::socket_base::shutdown_both, ignored);
  socket.close(ignored);
}

template class WsTransport<server::AsyncStream>;
template class WsTransport<TlsStream>;
template void configure_chat_websocket(WebSocketOver<server::AsyncStream>&, std::chrono::seconds);
template void configure_chat_websocket(WebSocketOver<TlsStream>&, std::chrono::seconds);

}  // namespace sockit::chat
