// AsyncServer: the async model — Asio C++20 coroutines on one io_context per core, for TCP,
// UDP and Unix sockets. The coroutine handler owns nothing: the session's socket lives in
// the server's session frame, so a stop can close it.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/generic/datagram_protocol.hpp>
#include <boost/asio/generic/stream_protocol.hpp>

#include "sockit/server/config.hpp"
#include "sockit/server/reusable.hpp"
#include "sockit/server/stoppable.hpp"
#include "sockit/socket/address.hpp"
#include "sockit/socket/endpoint.hpp"

namespace sockit::server {

using AsyncStream = boost::asio::generic::stream_protocol::socket;
using AsyncDatagram = boost::asio::generic::datagram_protocol::socket;

/// Serves one connection. Runs on the io_context that accepted it; `socket` and `peer` stay
/// valid until the coroutine completes. When the server stops, the socket is closed after
/// config.grace, which completes pending operations with operation_aborted.
using StreamCoroutine = std::function<boost::asio::awaitable<void>(AsyncStream& socket,
                                                                   const Address& peer)>;
/// A StreamCoroutine that is also handed the connection's standing: marking its waits for a
/// request with IdleWait lets a server at config.max_connections close it for a newcomer
/// (the longest idle goes first). `reusable` lives as long as `socket`.
using ReusableStreamCoroutine = std::function<boost::asio::awaitable<void>(
    AsyncStream& socket, const Address& peer, Reusable& reusable)>;
/// Answers one datagram (reply with socket.async_send_to). Datagrams on one io_context are
/// handled one after another.
using DatagramCoroutine = std::function<boost::asio::awaitable<void>(
    AsyncDatagram& socket, std::string packet, const Address& peer)>;

/// A co_spawn completion handler that logs the exception a coroutine ended with, if any, as
/// "WHAT: message". A value type; thread safe.
struct LogFailure {
  const char* what;
  void operator()(std::exception_ptr error) const;
};

/// Binds in the constructor; serve_forever() runs config.threads io_contexts (0: one per
/// core), each accepting on the same listening socket. At no instant are more than
/// config.max_connections connections open (all ports together): a slot is taken before
/// accept and given back once the session's socket is closed. At the limit, new connections
/// wait in the listen queue; while one waits there, the longest-idle reusable connection (see
/// ReusableStreamCoroutine) is closed to make room, and the newcomer is accepted once it is.
class AsyncServer : public Stoppable {
 public:
  AsyncServer(const Endpoint& endpoint, StreamCoroutine handler, ServerConfig config = {});
  AsyncServer(const Endpoint& endpoint, ReusableStreamCoroutine handler, ServerConfig config = {});
  AsyncServer(const Endpoint& endpoint, DatagramCoroutine handler, ServerConfig config = {});
  ~AsyncServer() override;
  AsyncServer(const AsyncServer&) = delete;
  AsyncServer& operator=(const AsyncServer&) = delete;

  /// Where the server listens (its first endpoint). Thread safe.
  const Address& server_address() const noexcept;
  /// Stream servers: listens on `endpoint` too, serving it with `handler` on the same event
  /// loops, connection limit and stop (one pool for several ports). Returns the bound
  /// address. Call before serve_forever(). Throws socket_error when it cannot bind,
  /// std::logic_error on a datagram server.
  const Address& listen(const Endpoint& endpoint, ReusableStreamCoroutine handler);
  const Address& listen(const Endpoint& endpoint, StreamCoroutine handler);
  /// Serves until request_stop()/shutdown(); then stops accepting, lets sessions finish for
  /// config.grace, closes the rest, and returns. Call once, from one thread.
  void serve_forever();
  /// Thread safe; async-signal-safe.
  void request_stop() noexcept override;
  /// request_stop() and wait for serve_forever() to return. Thread safe; not from a handler.
  void shutdown();
  /// Sessions open now. Thread safe.
  std::size_t active_sessions() const noexcept;
  /// Runs once when a stop begins, before sessions are given their grace: the place to tell
  /// clients goodbye. Runs on one of the server's threads. Set before serve_forever().
  void on_stop(std::function<void()> hook);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sockit::server
