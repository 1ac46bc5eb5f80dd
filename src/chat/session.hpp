// Internal: one chat connection — a reader coroutine (frames, requests, limits) and a writer
// coroutine (a bounded queue of shared, already-encoded messages) on the connection's thread,
// over any Transport (TCP or WebSocket).
//
// Ownership: the Session is shared — by the Hub while admitted, by its own handlers, and by
// whoever holds a weak_ptr (a commit callback). The Transport is not: it lives in the
// caller's coroutine frame and dies when run() returns. So run() ends every path (return or
// exception) by leaving the Hub, marking the session closing (deliver() then drops, and
// nothing new is posted) and finished (handlers already posted return without touching the
// transport).
#pragma once

#include <chrono>
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

  /// Queues an encoded message for the writer. Thread safe; never blocks. A reader that does
  /// not drain (ChatLimits: hard, soft-for-a-time, or its share of the total) is sent
  /// slow_consumer and closed. After the session closed, the message is dropped.
  void deliver(Encoded message);
  void deliver(std::string message);
  /// Sends a final error (unless the peer is too slow to take it) and closes. Thread safe.
  void close_with(Errc code, const std::string& message);

  const Address& peer() const noexcept { return peer_; }
  TransportKind transport() const noexcept { return kind_; }
  /// Why the connection ended ("logout", "closed by client", an error code...). Thread safe.
  std::string close_reason();

  // Identity and rooms, set by the Hub and guarded by the Hub's mutex.
  std::int64_t id = 0;
  std::string nickname;
  std::string nickname_key;  // see nickname_key()
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
  void enqueue(Encoded message);
  bool too_slow(std::size_t owed);
  void cut_slow_consumer();
  void took_from_queue(std::size_t bytes_written, std::size_t entries);
  void end();

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
  std::size_t queued_bytes_ = 0;  // what the client owes: queued and being written
  std::chrono::steady_clock::time_point over_soft_since_{};  // {} while at or under the soft limit
  std::chrono::steady_clock::time_point last_drained_{};     // a write completed, or owed nothing
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
