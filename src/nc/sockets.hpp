// Internal: the sockets nc starts from — a connection, or a listener — made as the options
// say (TCP, UDP or Unix; source address; broadcast).
#pragma once

#include "sockit/nc/nc.hpp"
#include "sockit/socket/socket.hpp"

namespace sockit::nc {

/// Connects (blocking, bounded by o.connect_timeout) and returns a blocking socket.
/// Throws socket_error.
Socket connect_socket(const NcOptions& o);

/// The listening stream socket or bound datagram socket, non-blocking. Throws socket_error.
Socket listening_socket(const NcOptions& o);

}  // namespace sockit::nc
