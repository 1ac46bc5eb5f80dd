// Internal: what a chat Session needs from its connection — frames in, encoded messages out,
// a polite or an abrupt end — so one session logic serves TCP (JSON objects on a byte stream)
// and WebSocket (one JSON object per text frame).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "chat/core/disconnect.hpp"
#include "server/send_ring.hpp"

namespace sockit::chat {

/// An encoded answer, shared by every recipient; it ends with "\n".
using Encoded = std::shared_ptr<const std::string>;

/// One unit of input, in arrival order. A value type.
struct Inbound {
  enum class Kind { frame, bad_json, too_large };
  Kind kind = Kind::frame;
  std::string frame;  ///< the JSON text when kind == frame
};

enum class TransportKind { tcp, websocket };
inline constexpr std::size_t kTransportKinds = 2;
/// "tcp" or "websocket": the transport label of logs and /metrics.
std::string_view transport_name(TransportKind kind) noexcept;

/// One connection. Not thread safe: every member is called on executor(); at most one read()
/// and one write() run at a time (they may overlap each other).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual TransportKind kind() const noexcept = 0;
  virtual boost::asio::any_io_executor executor() = 0;
  /// Appends the input that has arrived to `out`, in order, without waiting; would_block when
  /// there is none yet (then await readable()). Any other error (end of stream included) ends
  /// the input; after a too_large unit, stop reading.
  virtual boost::system::error_code read_now(std::vector<Inbound>& out) = 0;
  /// Waits until read_now() has something (or an error to say). Its only frame is Asio's own
  /// where the transport allows: an idle connection waits at the smallest cost.
  virtual boost::asio::awaitable<std::tuple<boost::system::error_code>> readable() = 0;
  /// Writes `batch` in order, skipping the first `offset` bytes of batch[0] (sent before by
  /// try_write); returns the error and how many bytes were sent. `batch` must stay alive
  /// and unchanged until it completes.
  virtual boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> write(
      const std::vector<Encoded>& batch, std::size_t offset) = 0;
  /// Whether try_write() can write without waiting (a byte stream can; a WebSocket cannot).
  virtual bool can_try_write() const noexcept { return false; }
  /// Queues a write of (the start of) `batch` — `offset` bytes of its first message sent
  /// before — in `ring`, the loop's batched sends (server/send_ring.hpp), which tells `done`.
  /// False, queuing nothing, where bytes must go through the transport (TLS, WebSocket).
  virtual bool queue_write(server::SendRing& ring, std::span<const Encoded> batch, std::size_t offset,
                           server::SendRing::Completion& done) {
    (void)ring, (void)batch, (void)offset, (void)done;
    return false;
  }
  /// Writes what the connection takes now of `batch` (from `offset` in batch[0]) in one
  /// non-blocking call; returns the bytes written. `ec` is would_block when it took nothing.
  /// Not while a write() is in progress.
  virtual std::size_t try_write(std::span<const Encoded> batch, std::size_t offset,
                                boost::system::error_code& ec) noexcept;
  /// Ends the connection after the last write, telling the peer `reason` where the transport
  /// can (a WebSocket close code). Bounded in time; never fails.
  virtual boost::asio::awaitable<void> finish(DisconnectReason reason) = 0;
  /// Closes now: pending operations complete with an error. Idempotent.
  virtual void abort() noexcept = 0;
};

}  // namespace sockit::chat
