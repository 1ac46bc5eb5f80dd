// Address: one concrete socket address (IPv4, IPv6 with scope, Unix path or abstract name),
// the bytes bind/connect/sendto take. Built from literals or from resolve(); printable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <sys/socket.h>

namespace sockit {

struct Endpoint;

/// A sockaddr with its length. Value type: copyable, comparable; thread safe as any value.
class Address {
 public:
  /// Whether `text` is a numeric IPv4 or IPv6 address (IPv6 possibly with %scope). Thread safe.
  static bool is_literal(std::string_view text) noexcept;

  /// An empty address (AF_UNSPEC), as filled in by accept/recvfrom.
  Address() noexcept;

  /// Copies `len` bytes of a sockaddr. Throws parse_error if `len` is too large.
  static Address from_sockaddr(const sockaddr* sa, socklen_t len);
  /// An IPv4 or IPv6 literal (IPv6 may carry `%scope`, a name or a number) and a port.
  /// Throws parse_error for anything that is not a numeric address.
  static Address inet(std::string_view literal, std::uint16_t port);
  /// 0.0.0.0:port / [::]:port.
  static Address any4(std::uint16_t port);
  static Address any6(std::uint16_t port);
  /// 127.0.0.1:port / [::1]:port.
  static Address loopback4(std::uint16_t port);
  static Address loopback6(std::uint16_t port);
  /// A filesystem Unix socket path, or a Linux abstract name (no leading '@').
  static Address unix_path(std::string_view path);
  static Address unix_abstract(std::string_view name);
  /// An endpoint whose host is a literal (or empty: any IPv4). Throws parse_error for names.
  static Address from_endpoint(const Endpoint& endpoint);

  int family() const noexcept { return storage_.ss_family; }
  bool is_inet() const noexcept { return family() == AF_INET || family() == AF_INET6; }
  bool is_unix() const noexcept { return family() == AF_UNIX; }

  /// Numeric host ("127.0.0.1", "::1", "fe80::1%eth0"); empty for non-IP addresses.
  std::string host() const;
  std::uint16_t port() const noexcept;
  std::uint32_t scope_id() const noexcept;
  /// Unix: the path or abstract name; empty for unnamed (unbound) Unix sockets.
  std::string path() const;
  bool is_abstract() const noexcept;

  /// `1.2.3.4:80`, `[::1]:80`, `unix:/p`, `unix:@n`, `unix:` (unnamed), `unspec`.
  std::string to_string() const;

  const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* data() noexcept { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t size() const noexcept { return size_; }
  static constexpr socklen_t capacity() noexcept { return sizeof(sockaddr_storage); }
  /// Sets the length after a system call filled data() (accept, recvfrom, getsockname).
  void resize(socklen_t len) noexcept { size_ = len; }

  friend bool operator==(const Address& a, const Address& b) noexcept;

 private:
  sockaddr_storage storage_;
  socklen_t size_;
};

}  // namespace sockit
