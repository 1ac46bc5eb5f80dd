// BaseServer: Python's socketserver.BaseServer for TCP, UDP and Unix sockets, with the
// sequential, threading and forking models behind one Dispatcher.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>

#include "sockit/server/config.hpp"
#include "sockit/server/dispatcher.hpp"
#include "sockit/server/handler.hpp"
#include "sockit/server/reusable.hpp"
#include "sockit/server/stoppable.hpp"
#include "sockit/socket/endpoint.hpp"
#include "sockit/socket/socket.hpp"

namespace sockit::server {

/// Binds and listens in the constructor (as Python's bind_and_activate=True).
/// serve_forever()/handle_request() run on one thread; shutdown() and request_stop() may be
/// called from any other thread, and request_stop() from a signal handler.
class BaseServer : public Stoppable {
 public:
  /// `type` is SOCK_STREAM or SOCK_DGRAM; the endpoint picks TCP/UDP or Unix.
  /// config.model must not be async (see AsyncServer). Throws socket_error on bind/listen.
  BaseServer(const Endpoint& endpoint, int type, HandlerFactory factory, ServerConfig config = {});
  ~BaseServer() override;
  BaseServer(const BaseServer&) = delete;
  BaseServer& operator=(const BaseServer&) = delete;

  /// Where the server listens (with the real port when bound to port 0). Thread safe.
  const Address& server_address() const noexcept { return address_; }
  const ServerConfig& config() const noexcept { return config_; }
  int socket_type() const noexcept { return socket_.type(); }

  /// Serves requests until shutdown() or request_stop(); checks for a stop at least every
  /// `poll_interval`. On return, in-flight requests have finished or been cut off (within
  /// config().grace). Not reentrant.
  void serve_forever(std::chrono::milliseconds poll_interval = std::chrono::milliseconds(500));
  /// Makes serve_forever() return and waits until it has. Thread safe; do not call from the
  /// serving thread (it would wait for itself).
  void shutdown();
  /// Makes serve_forever() return, without waiting. Thread safe and async-signal-safe.
  void request_stop() noexcept override;
  /// Whether a stop was requested. Thread safe.
  bool stop_requested() const noexcept { return stop_.load(); }

  /// Waits up to config().timeout for one request and handles it; on timeout calls
  /// handle_timeout() and returns false.
  bool handle_request();
  /// Closes the listening socket (and, for Unix paths, removes the socket file).
  void server_close();

  /// Requests in flight. Thread safe.
  std::size_t active_requests() const { return dispatcher_->active(); }

 protected:
  /// Return false to refuse a client before its request runs (the connection is closed).
  virtual bool verify_request(const Address& client);
  /// Called for an exception from a handler; logs it. The server keeps serving.
  virtual void handle_error(const Address& client, std::exception_ptr error);
  /// Called when handle_request() waited config().timeout in vain.
  virtual void handle_timeout() {}

 private:
  enum class Wait { ready, timeout, stop };
  Wait wait_readable(std::optional<std::chrono::milliseconds> limit);
  void process_one();
  void process_stream();
  void process_datagram();
  void run_handler(Socket& request, const Address& client, std::string packet);

  ServerConfig config_;
  HandlerFactory factory_;
  Socket socket_;
  Address address_;
  ReusablePool reusable_;  // connections waiting for a request, closed first when full
  std::unique_ptr<Dispatcher> dispatcher_;
  int wake_fd_ = -1;  // eventfd: request_stop() wakes the poll
  std::atomic<bool> stop_{false};
  std::atomic<bool> serving_{false};
  std::mutex done_mu_;
  std::condition_variable done_cv_;
};

/// The socketserver classes, by transport. Each is a BaseServer with the socket type fixed.
class TCPServer : public BaseServer {
 public:
  TCPServer(const Endpoint& endpoint, HandlerFactory factory, ServerConfig config = {});
};
class UDPServer : public BaseServer {
 public:
  UDPServer(const Endpoint& endpoint, HandlerFactory factory, ServerConfig config = {});
};
class UnixStreamServer : public BaseServer {
 public:
  UnixStreamServer(const Endpoint& endpoint, HandlerFactory factory, ServerConfig config = {});
};
class UnixDatagramServer : public BaseServer {
 public:
  UnixDatagramServer(const Endpoint& endpoint, HandlerFactory factory, ServerConfig config = {});
};

}  // namespace sockit::server
