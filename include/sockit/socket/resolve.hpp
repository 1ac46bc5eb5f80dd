// Name and service look-ups: resolve() over getaddrinfo, reverse look-up over getnameinfo,
// gethostname(), and /etc/services through getservbyname_r / getservbyport_r.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sys/socket.h>

#include "sockit/socket/address.hpp"

namespace sockit {

/// The error category of getaddrinfo/getnameinfo codes (EAI_*); messages from gai_strerror.
const std::error_category& resolve_category() noexcept;

struct ResolveOptions {
  int family = AF_UNSPEC;    ///< AF_INET, AF_INET6 or AF_UNSPEC for both
  int type = SOCK_STREAM;    ///< SOCK_STREAM or SOCK_DGRAM; 0 for any
  bool passive = false;      ///< addresses to bind to (an empty host means "any")
  bool numeric_only = false; ///< never ask DNS: the host must be a literal
};

/// One result of a look-up: the address with the socket type and protocol it is for.
struct Resolved {
  Address address;
  int type = 0;
  int protocol = 0;
};

/// getaddrinfo(host, port): every address in the resolver's order, duplicates removed.
/// A host that is neither a literal nor a valid DNS name is refused with parse_error before
/// any query. Thread safe. Throws socket_error with resolve_category() (e.g. "resolve nosuch.invalid:
/// Name or service not known").
std::vector<Resolved> resolve(std::string_view host, std::uint16_t port,
                              const ResolveOptions& options = {});

/// The canonical name of `host` (AI_CANONNAME), or empty if the resolver gives none.
std::string canonical_name(std::string_view host);

/// getnameinfo: the host name of an address (NI_NAMEREQD). Thread safe. Throws as resolve().
std::string reverse_lookup(const Address& address);

/// This machine's host name. Thread safe.
std::string gethostname();

/// One /etc/services entry.
struct Service {
  std::string name;
  std::uint16_t port = 0;
  std::string protocol;  ///< "tcp" or "udp"
  std::vector<std::string> aliases;
};

/// Looks a service up by name or alias ("http", "www") for "tcp" or "udp". Thread safe.
std::optional<Service> service_by_name(std::string_view name, std::string_view protocol = "tcp");
/// Looks a service up by port. Thread safe.
std::optional<Service> service_by_port(std::uint16_t port, std::string_view protocol = "tcp");

}  // namespace sockit
