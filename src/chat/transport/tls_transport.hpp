// Internal: the chat protocol over TLS on the TCP port — JSON objects framed by JsonFramer on
// the decrypted byte stream (OpenSSL through asio::ssl).
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <vector>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "sockit/chat/protocol/framing.hpp"
#include "sockit/server/async_server.hpp"
#include "sockit/socket/address.hpp"
#include "chat/transport/transport.hpp"

namespace sockit::chat {

/// How a read's end over TLS reaches the session: a peer that closed without its close_notify
/// has left (eof), as browsers and many clients close; any other error as it is. For every
/// transport over TLS (this one, WsTransport<TlsStream>).
inline boost::system::error_code tls_read_end(const boost::system::error_code& ec) {
  return ec == boost::asio::ssl::error::stream_truncated ? boost::asio::error::eof : ec;
}

/// Not thread safe (see Transport). `socket` must outlive the transport, which keeps the
/// context it was made with alive. Every read goes through the TLS stream, so a connection
/// holds a read buffer (unlike plain TCP; OpenSSL holds its own record buffers too) and writes
/// go through the writer coroutine (no try_write).
class TlsTransport final : public Transport {
 public:
  TlsTransport(server::AsyncStream& socket, std::shared_ptr<boost::asio::ssl::context> context,
               std::size_t max_frame_bytes);

  /// The server side of the handshake, within `limit`; false (and a log line naming `peer`
  /// and the reason, such as a client that does not speak TLS) when it fails.
  boost::asio::awaitable<bool> handshake(std::chrono::milliseconds limit, const Address& peer);

  TransportKind kind() const noexcept override { return TransportKind::tcp; }
  boost::asio::any_io_executor executor() override { return socket_.get_executor(); }
  boost::system::error_code read_now(std::vector<Inbound>& out) override;
  boost::asio::awaitable<std::tuple<boost::system::error_code>> readable() override;
  boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> write(
      const std::vector<Encoded>& batch, std::size_t offset) override;
  boost::asio::awaitable<void> finish(DisconnectReason reason) override;
  void abort() noexcept override;

 private:
  server::AsyncStream& socket_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  boost::asio::ssl::stream<server::AsyncStream&> tls_;
  JsonFramer framer_;
  std::array<char, 16384> buffer_;  // a TLS record's largest plaintext
  std::vector<Inbound> arrived_;  // framed by readable(), taken by read_now()
  boost::system::error_code ended_;  // the read error, once input has ended
};

}  // namespace sockit::chat
