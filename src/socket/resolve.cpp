#include "sockit/socket/resolve.hpp"

#include <algorithm>
#include <memory>
#include <string>

#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include "sockit/core/error.hpp"
#include "sockit/socket/endpoint.hpp"

namespace sockit {
namespace {

class ResolveCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "resolve"; }
  std::string message(int code) const override { return ::gai_strerror(code); }
};

[[noreturn]] void throw_gai(int code, const std::string& what) {
  if (code == EAI_SYSTEM) throw_errno(what);
  throw socket_error(std::error_code(code, resolve_category()), what);
}

struct AddrinfoDeleter {
  void operator()(addrinfo* ai) const noexcept { ::freeaddrinfo(ai); }
};
using AddrinfoPtr = std::unique_ptr<addrinfo, AddrinfoDeleter>;

AddrinfoPtr getaddrinfo_checked(const std::string& host, const std::string& service,
                                const addrinfo& hints) {
  addrinfo* raw = nullptr;
  const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &raw);
  if (rc != 0) throw_gai(rc, "resolve " + (host.empty() ? std::string("(any)") : host));
  return AddrinfoPtr(raw);
}

Service to_service(const servent& s) {
  Service out;
  out.name = s.s_name;
  out.port = ntohs(static_cast<std::uint16_t>(s.s_port));
  out.protocol = s.s_proto;
  for (char** a = s.s_aliases; a && *a; ++a) out.aliases.emplace_back(*a);
  return out;
}

}  // namespace

const std::error_category& resolve_category() noexcept {
  static const ResolveCategory category;
  return category;
}

std::vector<Resolved> resolve(std::string_view host, std::uint16_t port,
                              const ResolveOptions& options) {
  if (!host.empty() && !Address::is_literal(host)) check_hostname(host);
  addrinfo hints{};
  hints.ai_family = options.family;
  hints.ai_socktype = options.type;
  hints.ai_flags = AI_NUMERICSERV | (options.passive ? AI_PASSIVE : 0) |
                   (options.numeric_only ? AI_NUMERICHOST : 0);
  const auto list = getaddrinfo_checked(std::string(host), std::to_string(port), hints);
  std::vector<Resolved> out;
  for (const addrinfo* ai = list.get(); ai; ai = ai->ai_next) {
    Resolved r{Address::from_sockaddr(ai->ai_addr, ai->ai_addrlen), ai->ai_socktype,
               ai->ai_protocol};
    const bool seen = std::any_of(out.begin(), out.end(), [&](const Resolved& o) {
      return o.address == r.address && o.type == r.type;
    });
    if (!seen) out.push_back(std::move(r));
  }
  return out;
}

std::string canonical_name(std::string_view host) {
  addrinfo hints{};
  hints.ai_flags = AI_CANONNAME;
  hints.ai_socktype = SOCK_STREAM;
  const auto list = getaddrinfo_checked(std::string(host), "0", hints);
  return list && list->ai_canonname ? list->ai_canonname : "";
}

std::string reverse_lookup(const Address& address) {
  char host[NI_MAXHOST] = {};
  const int rc = ::getnameinfo(address.data(), address.size(), host, sizeof host, nullptr, 0,
                               NI_NAMEREQD);
  if (rc != 0) throw_gai(rc, "reverse lookup " + address.host());
  return host;
}

std::string gethostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) throw_errno("gethostname");
  return name;
}

std::optional<Service> service_by_name(std::string_view name, std::string_view protocol) {
  servent entry{};
  servent* found = nullptr;
  char buf[4096];
  const std::string n(name), p(protocol);
  const int rc = ::getservbyname_r(n.c_str(), p.c_str(), &entry, buf, sizeof buf, &found);
  if (rc != 0) throw socket_error(rc, "service look-up " + n);
  if (!found) return std::nullopt;
  return to_service(*found);
}

std::optional<Service> service_by_port(std::uint16_t port, std::string_view protocol) {
  servent entry{};
  servent* found = nullptr;
  char buf[4096];
  const std::string p(protocol);
  const int rc =
      ::getservbyport_r(static_cast<int>(htons(port)), p.c_str(), &entry, buf, sizeof buf, &found);
  if (rc != 0) throw socket_error(rc, "service look-up " + std::to_string(port));
  if (!found) return std::nullopt;
  return to_service(*found);
}

}  // namespace sockit
