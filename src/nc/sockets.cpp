#include "sockets.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include "sockit/socket/factories.hpp"

namespace sockit::nc {
namespace {

Endpoint endpoint_of(const NcOptions& o) {
  Endpoint ep;
  if (!o.unix_path.empty()) {
    const bool abstract = o.unix_path.front() == '@';
    ep.kind = abstract ? Endpoint::Kind::unix_abstract : Endpoint::Kind::unix_path;
    ep.path = abstract ? o.unix_path.substr(1) : o.unix_path;
    return ep;
  }
  ep.host = o.host;
  ep.port = o.port;
  return ep;
}

std::optional<Address> source_of(const NcOptions& o) {
  if (!o.source_host.empty() || o.source_port) {
    const std::string any = o.family == AF_INET6 ? "::" : "0.0.0.0";
    return Address::inet(o.source_host.empty() ? any : o.source_host, o.source_port);
  }
  if (o.udp && !o.unix_path.empty()) {  // an address of our own, for the replies
    return Address::unix_abstract(fmt::format("sockit-nc-{}", ::getpid()));
  }
  return std::nullopt;
}

}  // namespace

Socket connect_socket(const NcOptions& o) {
  ConnectOptions c;
  c.type = o.udp ? SOCK_DGRAM : SOCK_STREAM;
  c.family = o.family;
  c.timeout = o.connect_timeout;
  c.source = source_of(o);
  if (o.broadcast) {  // before connect: a UDP connect to a broadcast address needs it
    c.configure = [](Socket& s) { s.setsockopt(SOL_SOCKET, SO_BROADCAST, 1); };
  }
  Socket s = create_connection(endpoint_of(o), c);
  s.settimeout(std::nullopt);
  return s;
}

Socket listening_socket(const NcOptions& o) {
  ServerOptions so;
  so.type = o.udp ? SOCK_DGRAM : SOCK_STREAM;
  so.family = o.family;
  Socket s = create_server(endpoint_of(o), so);
  s.setblocking(false);
  if (o.broadcast) s.setsockopt(SOL_SOCKET, SO_BROADCAST, 1);
  return s;
}

}  // namespace sockit::nc
