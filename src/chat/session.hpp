// Internal: one chat connection — a reader coroutine (frames, requests, limits) and a writer
// coroutine (a bounded queue of shared, already-encoded messages) on the connection's thread,
// over any Transport (TCP or WebSocket).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sockit/chat/limits.hpp"
#include "sockit/chat/protocol.hpp"
#include "sockit/chat/rate_limiter.hpp"
#include "sockit/socket/address.hpp"
#include "transport.hpp"

namespace sockit::chat {

class Hub;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Transport& transport, Address peer, Hub& hub, const ChatLimits& limits);

  /// Serves the connection until it closes; the transport must outlive this call. Call once,
  /// on the transport's executor.
  boost::asio::awaitable<void> run();

  /// Queues an encoded message for the writer. Thread safe; never blocks. Past
  /// max_queue_bytes of unsent output the session is closed with slow_consumer.
  void deliver(Encoded message);
  void deliver(std::string message) { deliver(std::make_shared<const std::string>(std::move(message))); }
  /// Sends a final error (unless the peer is too slow to take it) and closes. Thread safe.
  void close_with(Errc code, const std::string& message);

  const Address& peer() const noexcept { return peer_; }
  TransportKind transport() const noexcept { return kind_; }
  /// Why the connection ended ("logout", "closed by client", an error code...). Thread safe.
  std::string close_reason();

  // Identity and rooms, set by the Hub and guarded by the Hub's mutex.
  std::int64_t id = 0;
  std::string nickname;
  std::set<std::string> rooms;

 private:
  boost::asio::awaitable<void> reader();
  boost::asio::awaitable<void> writer();
  void on_input(Inbound& in);
  void on_frame(const std::string& frame);
  void start_login_timer();
  bool closing();
  void dispatch(const Request& request, const std::string& req);
  void reply_error(Errc code, const std::string& message, const std::string& req);
  void wake_writer();
  void close_socket_later(std::chrono::milliseconds after);

  Transport& transport_;
  TransportKind kind_;
  Address peer_;
  Hub& hub_;
  const ChatLimits& limits_;
  RateLimiter rate_;
  bool logged_in_ = false;   // reader thread only
  bool stop_reading_ = false;  // reader thread only
  bool finished_ = false;      // socket thread only: run() has returned
  bool linger_armed_ = false;  // socket thread only: a close is scheduled

  std::mutex mu_;  // guards the queue and the closing state
  std::vector<Encoded> queue_;  // swapped with the writer's batch
  std::size_t queued_bytes_ = 0;
  bool writer_idle_ = false;
  bool closing_ = false;
  std::string reason_;  // why it closed, first cause wins
  boost::asio::steady_timer wake_;
  boost::asio::steady_timer linger_;
  boost::asio::steady_timer login_timer_;
};

/// Admits a new connection to `hub` and serves it as a Session until it ends (with a log line
/// either way); a full server answers server_full and closes. Call on the transport's
/// executor; the transport must outlive the call.
boost::asio::awaitable<void> serve_chat_connection(Transport& transport, const Address& peer,
                                                   Hub& hub, const ChatLimits& limits);

}  // namespace sockit::chat
