// Internal: the chat protocol over TCP — JSON objects framed by JsonFramer on a byte stream.
#pragma once

#include "sockit/chat/protocol/framing.hpp"
#include "sockit/server/async_server.hpp"
#include "chat/transport/transport.hpp"

namespace sockit::chat {

/// Not thread safe (see Transport). `socket` must outlive the transport.
class TcpTransport final : public Transport {
 public:
  TcpTransport(server::AsyncStream& socket, std::size_t max_frame_bytes);

  TransportKind kind() const noexcept override { return TransportKind::tcp; }
  boost::asio::any_io_executor executor() override { return socket_.get_executor(); }
  boost::system::error_code read_now(std::vector<Inbound>& out) override;
  boost::asio::awaitable<std::tuple<boost::system::error_code>> readable() override;
  boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> write(
      const std::vector<Encoded>& batch, std::size_t offset) override;
  bool can_try_write() const noexcept override { return true; }
  bool queue_write(server::SendRing& ring, std::span<const Encoded> batch, std::size_t offset,
                   server::SendRing::Completion& done) override;
  std::size_t try_write(std::span<const Encoded> batch, std::size_t offset,
                        boost::system::error_code& ec) noexcept override;
  boost::asio::awaitable<void> finish(DisconnectReason reason) override;
  void abort() noexcept override;

 private:
  server::AsyncStream& socket_;
  JsonFramer framer_;
};

/// Moves the complete objects `framer` holds to `out` (a too_large unit ends the taking).
void take_frames(JsonFramer& framer, std::vector<Inbound>& out);

/// A fixed kernel send buffer for a chat connection: autotuning could otherwise hide
/// megabytes of unread output from a stalled reader before --max-queue-bytes sees it.
void fix_send_buffer(server::AsyncStream& socket) noexcept;

}  // namespace sockit::chat
