#include "sockit/socket/factories.hpp"

#include <cerrno>
#include <exception>

#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockit/core/error.hpp"
#include "sockit/socket/resolve.hpp"

namespace sockit {
namespace {

Socket connect_one(const Address& address, const ConnectOptions& options) {
  Socket s(address.family(), options.type);
  if (options.configure) options.configure(s);
  if (options.source) s.bind(*options.source);
  s.settimeout(options.timeout);
  s.connect(address);
  return s;
}

Socket connect_unix(const Endpoint& endpoint, const ConnectOptions& options) {
  const Address address = Address::from_endpoint(endpoint);
  Socket s(AF_UNIX, options.type);
  if (options.configure) options.configure(s);
  if (options.source) s.bind(*options.source);
  s.settimeout(options.timeout);
  s.connect(address);
  return s;
}

// A Unix socket file is stale when nobody accepts on it: connecting is refused.
bool is_stale_unix_socket(const Address& address, int type) {
  struct stat st {};
  if (::lstat(address.path().c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  Socket probe(AF_UNIX, type);
  return probe.connect_ex(address) == std::errc::connection_refused;
}

void bind_unix(Socket& s, const Address& address) {
  if (!address.is_abstract() && is_stale_unix_socket(address, s.type())) {
    if (::unlink(address.path().c_str()) != 0) throw_errno("unlink stale " + address.path());
  }
  s.bind(address);
}

Socket server_on(const Address& address, const ServerOptions& options) {
  Socket s(address.family(), options.type);
  if (address.is_unix()) {
    bind_unix(s, address);
  } else {
    if (options.reuse_address) s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    if (options.reuse_port) s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    if (address.family() == AF_INET6) {
      const bool any = address.host() == "::";
      s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, any && options.dual_stack ? 0 : 1);
    }
    s.bind(address);
  }
  if (options.type != SOCK_DGRAM) s.listen(options.backlog);
  return s;
}

std::vector<Address> server_candidates(const Endpoint& endpoint, const ServerOptions& options) {
  if (endpoint.is_unix()) return {Address::from_endpoint(endpoint)};
  if (endpoint.host.empty()) {
    const bool v6 = options.family == AF_INET6 ||
                    (options.family == AF_UNSPEC && options.dual_stack && has_dualstack_ipv6());
    return {v6 ? Address::any6(endpoint.port) : Address::any4(endpoint.port)};
  }
  std::vector<Address> out;
  ResolveOptions ro{options.family, options.type, true, false};
  for (const auto& r : resolve(endpoint.host, endpoint.port, ro)) out.push_back(r.address);
  return out;
}

}  // namespace

Socket create_connection(const Endpoint& endpoint, const ConnectOptions& options) {
  if (endpoint.is_unix()) return connect_unix(endpoint, options);
  const std::string host = endpoint.host.empty() ? "localhost" : endpoint.host;
  ResolveOptions ro{options.family, options.type, false, false};
  std::exception_ptr last;
  for (const auto& r : resolve(host, endpoint.port, ro)) {
    try {
      return connect_one(r.address, options);
    } catch (const socket_error&) {
      last = std::current_exception();
    }
  }
  if (last) std::rethrow_exception(last);
  throw socket_error(EADDRNOTAVAIL, "connect " + endpoint.to_string() + ": no address");
}

Socket create_connection(std::string_view endpoint_text, const ConnectOptions& options) {
  return create_connection(Endpoint::parse(endpoint_text), options);
}

Socket create_server(const Endpoint& endpoint, const ServerOptions& options) {
  std::exception_ptr last;
  for (const auto& address : server_candidates(endpoint, options)) {
    try {
      return server_on(address, options);
    } catch (const socket_error&) {
      last = std::current_exception();
    }
  }
  if (last) std::rethrow_exception(last);
  throw socket_error(EADDRNOTAVAIL, "listen " + endpoint.to_string() + ": no address");
}

Socket create_server(std::string_view endpoint_text, const ServerOptions& options) {
  return create_server(Endpoint::parse(endpoint_text), options);
}

bool has_dualstack_ipv6() noexcept {
  try {
    Socket s(AF_INET6, SOCK_STREAM);
    s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0);
    s.bind(Address::loopback6(0));
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace sockit
