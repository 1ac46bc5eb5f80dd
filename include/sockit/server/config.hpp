// How a server runs its requests (the concurrency model) and the limits it keeps.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include <sys/socket.h>

#include "sockit/socket/socket.hpp"

namespace sockit::server {

/// The seeds' four ways to serve many clients, as equal siblings.
enum class Model {
  sequential,  ///< one request at a time, in the serving thread
  threading,   ///< a thread per request, at most max_threads at once
  forking,     ///< a child process per request, at most max_children at once
  async,       ///< Asio coroutines, one io_context per core (AsyncServer)
};

/// "sequential" | "threading" | "forking" | "async"; throws parse_error otherwise. Pure.
Model parse_model(std::string_view text);
std::string_view to_string(Model model) noexcept;

/// Server settings. Value type.
struct ServerConfig {
  Model model = Model::threading;
  std::size_t max_threads = 256;   ///< threading: requests served at once
  std::size_t max_children = 64;   ///< forking: children alive at once
  std::size_t max_connections = 1024;  ///< async: open at once (more wait in the listen queue)
  std::size_t threads = 0;         ///< async: io_context threads; 0 = one per core
  Timeout timeout;                 ///< handle_request(): how long to wait; then handle_timeout()
  std::chrono::milliseconds grace{2000};  ///< on stop, in-flight requests get this long
  int request_queue_size = SOMAXCONN;     ///< listen() backlog
  bool allow_reuse_address = true;        ///< SO_REUSEADDR
  bool allow_reuse_port = false;          ///< SO_REUSEPORT
  /// async: TCP_NODELAY on accepted TCP connections, so an answer written in two parts is
  /// not held back by Nagle's algorithm waiting for a delayed ACK (~40 ms).
  bool no_delay = true;
};

}  // namespace sockit::server
