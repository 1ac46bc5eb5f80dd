// Internal: one peer of nc's relay — its connection, the bytes waiting for it, and how they
// go out. A stream takes any number of bytes a send; a datagram socket takes one datagram,
// so longer input is cut into datagrams no larger than the family allows (as ncat does).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "sockit/socket/tls.hpp"
#include "sockit/core/line_framer.hpp"
#include "sockit/socket/address.hpp"
#include "sockit/socket/socket.hpp"

namespace sockit::nc {

/// Not thread safe; the relay's poll loop owns every Peer.
struct Peer {
  int id = 0;
  Socket socket;    // streams: the connection; UDP: empty (the shared socket is used)
  Address address;
  std::string out;  // bytes waiting to be sent
  LineFramer lines{65536};  // chat mode only
  std::unique_ptr<TlsStream> tls;  // --ssl; destroyed before the socket it uses
  bool read_closed = false;  // the peer sent its EOF; we may still be sending to it
};

/// The largest datagram payload a send may carry: 65,507 bytes for IPv4 (and Unix
/// datagrams), 65,527 for IPv6. Pure.
std::size_t max_datagram(int family) noexcept;

enum class SendResult { progress, would_block, closed };

/// Non-blocking: sends what it can of p.out (TLS, stream or datagrams) and erases what went.
/// `ec` is set, and closed returned, for an error other than would-block.
SendResult send_pending(Peer& p, std::error_code& ec);

/// Sends `data` to `to` through the shared datagram socket `s`, cut into datagrams of at
/// most max_datagram(s.family()). Throws socket_error.
void send_datagrams(Socket& s, std::string_view data, const Address& to);

/// Blocking, at most `timeout` a send: sends all of p.out on a plain socket (streams or
/// datagrams). Throws socket_error.
void flush_blocking(Peer& p, std::chrono::milliseconds timeout);

}  // namespace sockit::nc
