// Internal: what a chat Session needs from its connection — frames in, encoded messages out,
// a polite or an abrupt end — so one session logic serves TCP (JSON objects on a byte stream)
// and WebSocket (one JSON object per text frame).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

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
  /// Waits for input and appends what arrived to `out`, in order. An error (end of stream
  /// included) ends the input; after a too_large unit, stop reading.
  virtual boost::asio::awaitable<boost::system::error_code> read(std::vector<Inbound>& out) = 0;
  /// Writes `batch` in order; returns the error and how many bytes of it were sent.
  virtual boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> write(
      const std::vector<Encoded>& batch) = 0;
  /// Ends the connection after the last write; `reason` is why ("logout", an error code
  /// name such as "slow_consumer", or empty for a plain end). Bounded in time; never fails.
  virtual boost::asio::awaitable<void> finish(std::string_view reason) = 0;
  /// Closes now: pending operations complete with an error. Idempotent.
  virtual void abort() noexcept = 0;
};

}  // namespace sockit::chat
