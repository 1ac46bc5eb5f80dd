#include "chat/transport/tcp_transport.hpp"

#include <algorithm>
#include <array>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "sockit/server/with_timeout.hpp"

namespace sockit::chat {
namespace asio = boost::asio;
using asio::awaitable;

namespace {
using server::tuple_awaitable;
constexpr int kKernelSendBuffer = 64 * 1024;  // Linux doubles it
constexpr std::size_t kMaxGather = 64;        // what one gathered write of Asio takes
}  // namespace

std::string_view transport_name(TransportKind kind) noexcept {
  return kind == TransportKind::tcp ? "tcp" : "websocket";
}

void fix_send_buffer(server::AsyncStream& socket) noexcept {
  boost::system::error_code ignored;  // a socket that refuses keeps the kernel's default
  socket.set_option(asio::socket_base::send_buffer_size(kKernelSendBuffer), ignored);
}

TcpTransport::TcpTransport(server::AsyncStream& socket, std::size_t max_frame_bytes)
    : socket_(socket), framer_(max_frame_bytes) {
  fix_send_buffer(socket_);
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);  // read() below reads only what is there
  if (ec) throw boost::system::system_error(ec, "chat connection: non-blocking mode");
}

// An idle connection holds no read buffer: it waits until bytes are there, then reads them
// into its thread's buffer and the framer keeps only what belongs to an unfinished object.
// Nothing is awaited between the read and the framer's copy, so sessions sharing a thread
// never see each other's bytes.
boost::system::error_code TcpTransport::read_now(std::vector<Inbound>& out) {
  thread_local std::array<char, 65536> buffer;
  boost::system::error_code ec;
  const std::size_t n = socket_.read_some(asio::buffer(buffer), ec);
  if (ec) return ec == asio::error::try_again ? asio::error::would_block : ec;
  framer_.feed(std::string_view(buffer.data(), n));
  take_frames(framer_, out);
  return {};
}

void take_frames(JsonFramer& framer, std::vector<Inbound>& out) {
  using Status = JsonFramer::Result::Status;
  for (auto r = framer.next(); r.status != Status::need_more; r = framer.next()) {
    if (r.status == Status::frame) {
      out.push_back({Inbound::Kind::frame, std::move(r.frame)});
    } else if (r.status == Status::bad_json) {
      out.push_back({Inbound::Kind::bad_json, {}});
    } else {
      out.push_back({Inbound::Kind::too_large, {}});
      break;
    }
  }
}

awaitable<std::tuple<boost::system::error_code>> TcpTransport::readable() {
  return socket_.async_wait(asio::socket_base::wait_read, tuple_awaitable);
}

std::size_t Transport::try_write(std::span<const Encoded>, std::size_t,
                                 boost::system::error_code& ec) noexcept {
  ec = asio::error::would_block;
  return 0;
}

namespace {
// The messages as buffers (asio::const_buffer or iovec), the first from `offset` on.
template <typename Buffer>
void gather(std::vector<Buffer>& out, std::span<const Encoded> batch, std::size_t offset) {
  out.clear();
  for (const auto& m : batch) {
    out.push_back(Buffer{const_cast<char*>(m->data()) + offset, m->size() - offset});
    offset = 0;
  }
}
}  // namespace

// The buffer list lives as long as the write: an idle connection holds none.
awaitable<std::pair<boost::system::error_code, std::size_t>> TcpTransport::write(
    const std::vector<Encoded>& batch, std::size_t offset) {
  std::vector<asio::const_buffer> buffers;
  gather(buffers, batch, offset);
  const auto [ec, n] = co_await asio::async_write(socket_, buffers, tuple_awaitable);
  co_return std::pair{ec, n};
}

// One sendmsg of up to kMaxGather messages (a subscriber that keeps up owes a few), gathered
// in the thread's list.
std::size_t TcpTransport::try_write(std::span<const Encoded> batch, std::size_t offset,
                                    boost::system::error_code& ec) noexcept {
  thread_local std::vector<asio::const_buffer> buffers;
  try {
    gather(buffers, batch.first(std::min(batch.size(), kMaxGather)), offset);
  } catch (const std::bad_alloc&) {
    ec = asio::error::no_memory;
    return 0;
  }
  return socket_.write_some(buffers, ec);
}

// The same write as try_write's, made by the loop's ring with the turn's others.
bool TcpTransport::queue_write(server::SendRing& ring, std::span<const Encoded> batch, std::size_t offset,
                               server::SendRing::Completion& done) {
  if (!socket_.is_open()) return false;
  thread_local std::vector<iovec> buffers;
  gather(buffers, batch.first(std::min({batch.size(), kMaxGather, server::SendRing::kMaxBuffers})), offset);
  ring.queue(socket_.native_handle(), buffers, done);
  return true;
}

awaitable<void> TcpTransport::finish(DisconnectReason /*reason*/) {
  abort();
  co_return;
}

void TcpTransport::abort() noexcept {
  boost::system::error_code ignored;  // the peer may be gone already
  socket_.shutdown(asio::socket_base::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace sockit::chat
