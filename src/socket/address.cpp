#include "sockit/socket/address.hpp"

#include <cstring>
#include <string>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "sockit/core/error.hpp"
#include "sockit/socket/endpoint.hpp"

namespace sockit {
namespace {

template <class T>
T& as(sockaddr_storage& s) {
  return *reinterpret_cast<T*>(&s);
}
template <class T>
const T& as(const sockaddr_storage& s) {
  return *reinterpret_cast<const T*>(&s);
}

std::uint32_t parse_scope(std::string_view scope) {
  if (scope.empty()) throw parse_error("empty IPv6 scope after '%'");
  const std::string name(scope);
  if (name.find_first_not_of("0123456789") == std::string::npos && name.size() < 10) {
    return static_cast<std::uint32_t>(std::stoul(name));
  }
  const unsigned index = ::if_nametoindex(name.c_str());
  if (index == 0) throw parse_error("unknown network interface '" + name + "' in IPv6 scope");
  return index;
}

Address make_unix(std::string_view name, bool abstract) {
  if (name.size() > max_unix_path) {
    throw parse_error("unix socket path too long (" + std::to_string(name.size()) + " bytes, max " +
                      std::to_string(max_unix_path) + ")");
  }
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  const std::size_t offset = abstract ? 1 : 0;  // abstract names start with a NUL byte
  std::memcpy(un.sun_path + offset, name.data(), name.size());
  const auto len = offsetof(sockaddr_un, sun_path) + offset + name.size() + (abstract ? 0 : 1);
  return Address::from_sockaddr(reinterpret_cast<const sockaddr*>(&un),
                                static_cast<socklen_t>(len));
}

// "[host]", appended rather than "[" + host: GCC 12's -Wrestrict misfires on the latter.
std::string bracketed(const std::string& host) {
  std::string text;
  text.reserve(host.size() + 2);
  return text.append(1, '[').append(host).append(1, ']');
}

}  // namespace

Address::Address() noexcept : storage_{}, size_{0} { storage_.ss_family = AF_UNSPEC; }

Address Address::from_sockaddr(const sockaddr* sa, socklen_t len) {
  if (len > capacity()) throw parse_error("socket address longer than sockaddr_storage");
  Address a;
  std::memcpy(&a.storage_, sa, len);
  a.size_ = len;
  return a;
}

Address Address::inet(std::string_view literal, std::uint16_t port) {
  Address a;
  const std::string text(literal.substr(0, literal.find('%')));
  if (literal.find('%') == std::string_view::npos) {
    auto& v4 = as<sockaddr_in>(a.storage_);
    if (::inet_pton(AF_INET, text.c_str(), &v4.sin_addr) == 1) {
      v4.sin_family = AF_INET;
      v4.sin_port = htons(port);
      a.size_ = sizeof(sockaddr_in);
      return a;
    }
  }
  auto& v6 = as<sockaddr_in6>(a.storage_);
  if (::inet_pton(AF_INET6, text.c_str(), &v6.sin6_addr) != 1) {
    throw parse_error("not a numeric IP address: '" + std::string(literal) + "'");
  }
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(port);
  if (const auto pct = literal.find('%'); pct != std::string_view::npos) {
    v6.sin6_scope_id = parse_scope(literal.substr(pct + 1));
  }
  a.size_ = sizeof(sockaddr_in6);
  return a;
}

bool Address::is_literal(std::string_view text) noexcept {
  try {
    (void)inet(text, 0);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

Address Address::any4(std::uint16_t port) { return inet("0.0.0.0", port); }
Address Address::any6(std::uint16_t port) { return inet("::", port); }
Address Address::loopback4(std::uint16_t port) { return inet("127.0.0.1", port); }
Address Address::loopback6(std::uint16_t port) { return inet("::1", port); }
Address Address::unix_path(std::string_view path) {
  if (path.empty()) throw parse_error("empty unix socket path");
  return make_unix(path, false);
}
Address Address::unix_abstract(std::string_view name) { return make_unix(name, true); }

Address Address::from_endpoint(const Endpoint& endpoint) {
  switch (endpoint.kind) {
    case Endpoint::Kind::unix_path:
      return unix_path(endpoint.path);
    case Endpoint::Kind::unix_abstract:
      return unix_abstract(endpoint.path);
    case Endpoint::Kind::inet:
      break;
  }
  if (endpoint.host.empty()) return any4(endpoint.port);
  return inet(endpoint.host, endpoint.port);
}

std::string Address::host() const {
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = {};
  if (family() == AF_INET) {
    ::inet_ntop(AF_INET, &as<sockaddr_in>(storage_).sin_addr, buf, sizeof buf);
    return buf;
  }
  if (family() != AF_INET6) return {};
  const auto& v6 = as<sockaddr_in6>(storage_);
  ::inet_ntop(AF_INET6, &v6.sin6_addr, buf, sizeof buf);
  std::string out = buf;
  if (v6.sin6_scope_id != 0) {
    char name[IF_NAMESIZE] = {};
    out += '%';
    out += ::if_indextoname(v6.sin6_scope_id, name) ? name : std::to_string(v6.sin6_scope_id);
  }
  return out;
}

std::uint16_t Address::port() const noexcept {
  if (family() == AF_INET) return ntohs(as<sockaddr_in>(storage_).sin_port);
  if (family() == AF_INET6) return ntohs(as<sockaddr_in6>(storage_).sin6_port);
  return 0;
}

std::uint32_t Address::scope_id() const noexcept {
  return family() == AF_INET6 ? as<sockaddr_in6>(storage_).sin6_scope_id : 0;
}

std::string Address::path() const {
  if (!is_unix()) return {};
  const auto offset = offsetof(sockaddr_un, sun_path);
  if (size_ <= offset) return {};
  const char* p = as<sockaddr_un>(storage_).sun_path;
  const std::size_t len = size_ - offset;
  if (p[0] == '\0') return std::string(p + 1, len - 1);
  return std::string(p, ::strnlen(p, len));
}

bool Address::is_abstract() const noexcept {
  return is_unix() && size_ > offsetof(sockaddr_un, sun_path) &&
         as<sockaddr_un>(storage_).sun_path[0] == '\0';
}

std::string Address::to_string() const {
  switch (family()) {
    case AF_INET:
      return host() + ":" + std::to_string(port());
    case AF_INET6:
      return bracketed(host()) + ":" + std::to_string(port());
    case AF_UNIX: {
      std::string text = is_abstract() ? "unix:@" : "unix:";  // appended, for -Wrestrict too
      return text.append(path());
    }
    default:
      return "unspec";
  }
}

bool operator==(const Address& a, const Address& b) noexcept {
  return a.size_ == b.size_ && std::memcmp(&a.storage_, &b.storage_, a.size_) == 0;
}

}  // namespace sockit
