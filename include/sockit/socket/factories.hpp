// create_connection / create_server: the two helpers Python's socket module gives for the
// common cases, over Endpoint text such as "example.org:80", ":8000" or "unix:/tmp/s".
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include <sys/socket.h>

#include "sockit/socket/endpoint.hpp"
#include "sockit/socket/socket.hpp"

namespace sockit {

struct ConnectOptions {
  int type = SOCK_STREAM;          ///< SOCK_STREAM, SOCK_DGRAM ("connected" UDP) or SOCK_SEQPACKET
  int family = AF_UNSPEC;          ///< restrict to AF_INET or AF_INET6
  Timeout timeout;                 ///< bounds each connect attempt; kept on the returned socket
  std::optional<Address> source;   ///< bind here first (source address and/or port)
  std::function<void(Socket&)> configure;  ///< set options on each new socket before connecting
};

/// Resolves `endpoint` and connects to each address in turn until one succeeds; throws the
/// last error (socket_error / timeout_error) if none does. Thread safe.
Socket create_connection(const Endpoint& endpoint, const ConnectOptions& options = {});
Socket create_connection(std::string_view endpoint_text, const ConnectOptions& options = {});

struct ServerOptions {
  int type = SOCK_STREAM;      ///< SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET
  int family = AF_UNSPEC;      ///< restrict to AF_INET or AF_INET6
  int backlog = SOMAXCONN;     ///< listen() queue (ignored for datagrams)
  bool reuse_address = true;   ///< SO_REUSEADDR (inet)
  bool reuse_port = false;     ///< SO_REUSEPORT (inet), for one listener per thread/process
  bool dual_stack = true;      ///< an empty host binds [::] accepting IPv4 too, when possible
};

/// A bound (and, for streams, listening) socket. An empty host means all interfaces. A Unix
/// path left behind by a dead server (a socket nobody accepts on) is replaced; any other
/// existing file is an EADDRINUSE error. Thread safe.
Socket create_server(const Endpoint& endpoint, const ServerOptions& options = {});
Socket create_server(std::string_view endpoint_text, const ServerOptions& options = {});

/// Whether this host can bind an IPv6 socket that also accepts IPv4. Thread safe.
bool has_dualstack_ipv6() noexcept;

}  // namespace sockit
