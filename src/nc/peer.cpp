#include "peer.hpp"

#include <algorithm>

#include <netinet/in.h>

namespace sockit::nc {
namespace {

constexpr std::size_t kMaxIpv4Datagram = 65535 - 20 - 8;  // IP length - IPv4 header - UDP header
constexpr std::size_t kMaxIpv6Datagram = 65535 - 8;       // payload length - UDP header

// The next piece to send: everything on a stream, one datagram's worth on a datagram socket.
std::string_view next_piece(const Socket& s, std::string_view data) {
  if (s.type() != SOCK_DGRAM) return data;
  return data.substr(0, std::min(data.size(), max_datagram(s.family())));
}

}  // namespace

std::size_t max_datagram(int family) noexcept {
  return family == AF_INET6 ? kMaxIpv6Datagram : kMaxIpv4Datagram;
}

SendResult send_pending(Peer& p, std::error_code& ec) {
  if (p.tls) {
    std::size_t n = 0;
    const auto io = p.tls->write(p.out, n);
    p.out.erase(0, n);
    return io == TlsStream::Io::closed ? SendResult::closed : SendResult::progress;
  }
  while (!p.out.empty()) {
    const auto n = p.socket.send(next_piece(p.socket, p.out), ec);
    if (ec == std::errc::operation_would_block) {
      ec.clear();
      return SendResult::would_block;
    }
    if (ec) return SendResult::closed;
    p.out.erase(0, n);
  }
  return SendResult::progress;
}

void send_datagrams(Socket& s, std::string_view data, const Address& to) {
  do {  // an empty input is one empty datagram, as before
    const auto piece = next_piece(s, data);
    s.sendto(piece, to);
    data.remove_prefix(piece.size());
  } while (!data.empty());
}

void flush_blocking(Peer& p, std::chrono::milliseconds timeout) {
  p.socket.settimeout(timeout);
  while (!p.out.empty()) {
    const auto piece = next_piece(p.socket, p.out);
    p.socket.sendall(piece);
    p.out.erase(0, piece.size());
  }
}

}  // namespace sockit::nc
