// Internal: waiting for a connection's first byte while holding nothing for it. A TLS server
// waits here before it makes its TLS stream, so a connection that never sends a ClientHello
// costs no SSL object and no record buffers (about 90 KiB with Asio's stream), only the socket
// and this wait.
#pragma once

#include <chrono>

#include <boost/asio/awaitable.hpp>

#include "sockit/server/async_server.hpp"

namespace sockit::server {

enum class FirstByte {
  arrived,    ///< a byte is there to read (still unread)
  ended,      ///< the peer closed or reset the connection first
  timed_out,  ///< nothing before the deadline
};

/// Waits until the peer's first byte can be read, the connection ends, or `deadline` passes.
/// Runs on the socket's executor; not thread safe (the connection's coroutine calls it).
/// Cancelled with the socket (closing it ends the wait as `ended`).
boost::asio::awaitable<FirstByte> first_byte(AsyncStream& socket,
                                             std::chrono::steady_clock::time_point deadline);

}  // namespace sockit::server
