#include "chat/transport/tls_transport.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>

#include "sockit/core/log.hpp"
#include "sockit/server/with_timeout.hpp"
#include "chat/transport/tcp_transport.hpp"

namespace sockit::chat {
namespace asio = boost::asio;
using asio::awaitable;
using server::tuple_awaitable;

namespace {
constexpr std::chrono::seconds kCloseNotifyLimit{1};
// What Asio's TLS stream copies from a buffer sequence into one SSL_write.
constexpr std::size_t kRecordRun = 8192;
static_assert(kRecordRun == asio::detail::buffer_sequence_adapter<
                                asio::const_buffer,
                                std::vector<asio::const_buffer>>::linearisation_storage_size);
}  // namespace

TlsTransport::TlsTransport(server::AsyncStream& socket, std::shared_ptr<asio::ssl::context> context,
                           std::size_t max_frame_bytes)
    : socket_(socket), context_(std::move(context)), tls_(socket, *context_), framer_(max_frame_bytes) {
  fix_send_buffer(socket_);
}

awaitable<bool> TlsTransport::handshake(std::chrono::milliseconds limit, const Address& peer) {
  const auto r = co_await server::with_timeout(
      tls_.async_handshake(asio::ssl::stream_base::server, tuple_awaitable), limit);
  if (!r) {
    log_warn("{} TLS handshake: no handshake within {} ms", peer.to_string(), limit.count());
    co_return false;
  }
  if (const auto ec = std::get<0>(*r)) {
    log_warn("{} TLS handshake failed: {} (a client without TLS on the TLS port?)",
             peer.to_string(), ec.message());
    co_return false;
  }
  co_return true;
}

boost::system::error_code TlsTransport::read_now(std::vector<Inbound>& out) {
  if (arrived_.empty()) return ended_ ? ended_ : asio::error::would_block;
  for (auto& in : arrived_) out.push_back(std::move(in));
  arrived_.clear();
  return {};
}

// Reads what the peer sent (one TLS record or more) and frames it.
awaitable<std::tuple<boost::system::error_code>> TlsTransport::readable() {
  using Result = std::tuple<boost::system::error_code>;
  const auto [ec, n] = co_await tls_.async_read_some(asio::buffer(buffer_), tuple_awaitable);
  framer_.feed(std::string_view(buffer_.data(), n));
  take_frames(framer_, arrived_);
  if (ec) ended_ = tls_read_end(ec);
  co_return Result{arrived_.empty() ? ended_ : boost::system::error_code{}};
}

// TLS records end where messages end: each write hands the stream whole messages of at most
// kRecordRun bytes (Asio copies such a run into one record), and a longer message alone. So a
// connection cut mid-write (a slow consumer's close) leaves the peer whole lines only: the
// record it got half of is never decrypted.
awaitable<std::pair<boost::system::error_code, std::size_t>> TlsTransport::write(
    const std::vector<Encoded>& batch, std::size_t offset) {
  std::vector<asio::const_buffer> run;
  std::size_t run_bytes = 0, written = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto buffer = asio::buffer(*batch[i]) + (i == 0 ? offset : 0);
    run.push_back(buffer);
    run_bytes += buffer.size();
    const bool last = i + 1 == batch.size();
    if (!last && run_bytes + batch[i + 1]->size() <= kRecordRun) continue;
    const auto [ec, n] = co_await asio::async_write(tls_, run, tuple_awaitable);
    written += n;
    if (ec) co_return std::pair{ec, written};
    run.clear();
    run_bytes = 0;
  }
  co_return std::pair{boost::system::error_code{}, written};
}

// Our close_notify (bounded: a peer that does not read gets no more time), then the socket.
awaitable<void> TlsTransport::finish(DisconnectReason /*reason*/) {
  co_await server::with_timeout(tls_.async_shutdown(tuple_awaitable), kCloseNotifyLimit);
  abort();
}

void TlsTransport::abort() noexcept {
  boost::system::error_code ignored;  // the peer may be gone already
  socket_.shutdown(asio::socket_base::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace sockit::chat
