// IP addresses and networks as plain values: strict IPv4/IPv6 parsing, RFC 5952 printing,
// CIDR and dotted-mask networks, classification (class A-E, RFC special-purpose ranges) and the
// seed's "are these two hosts on one network?". No sockets, no I/O: every function here is a
// pure function of its arguments, so all of it is thread safe and can be fuzzed directly.
// Bad text throws sockit::parse_error whose what() names the input and what is wrong with it.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sockit::ip {

/// 128-bit unsigned integer: IPv6 arithmetic and host counts.
__extension__ typedef unsigned __int128 uint128;

/// Decimal text of `value` ("18446744073709551615"). Pure; thread safe.
std::string to_decimal(uint128 value);

/// The two address families.
enum class Family { v4, v6 };

/// "IPv4" or "IPv6". Pure; thread safe.
std::string_view family_name(Family family);

/// An IPv4 address. A value type; thread safe.
class Ipv4 {
 public:
  constexpr Ipv4() = default;
  /// From the host-order 32-bit value (0x7f000001 is 127.0.0.1).
  constexpr explicit Ipv4(std::uint32_t value) : value_(value) {}

  /// Exactly four decimal numbers 0-255 joined by dots; no leading zeros ("01" could be
  /// octal), no signs, spaces or empty parts. Throws parse_error. Pure; thread safe.
  static Ipv4 parse(std::string_view text);

  constexpr std::uint32_t to_uint() const { return value_; }
  /// Network-order bytes.
  std::array<std::uint8_t, 4> bytes() const;
  /// Dotted-decimal text. Pure; thread safe.
  std::string to_string() const;

  auto operator<=>(const Ipv4&) const = default;

 private:
  std::uint32_t value_ = 0;
};

/// An IPv6 address with an optional zone (scope), as in "fe80::1%eth0". A value type; thread
/// safe. Two addresses are equal when both bytes and zone are.
class Ipv6 {
 public:
  using Bytes = std::array<std::uint8_t, 16>;

  Ipv6() = default;
  /// From network-order bytes and a zone ("" for none).
  explicit Ipv6(const Bytes& bytes, std::string zone = {});
  /// From the 128-bit value (1 is ::1) and a zone.
  static Ipv6 from_uint(uint128 value, std::string zone = {});
  /// The IPv4-mapped address \::ffff:a.b.c.d (RFC 4291 2.5.5.2).
  static Ipv6 mapped(Ipv4 v4);

  /// RFC 4291 text: eight groups of 1-4 hex digits, at most one "::", an optional trailing
  /// dotted IPv4 ("::ffff:1.2.3.4") and an optional "%zone". Throws parse_error. Pure.
  static Ipv6 parse(std::string_view text);

  const Bytes& bytes() const { return bytes_; }
  uint128 to_uint() const;
  /// The zone without '%', or "" when there is none.
  const std::string& zone() const { return zone_; }
  /// The embedded IPv4 address when this is \::ffff:a.b.c.d, else nullopt.
  std::optional<Ipv4> mapped_v4() const;
  /// RFC 5952 canonical text (lower case, longest zero run as "::", mapped addresses as
  /// "::ffff:1.2.3.4"), followed by "%zone" when there is one. Pure; thread safe.
  std::string to_string() const;

  auto operator<=>(const Ipv6&) const = default;

 private:
  Bytes bytes_{};
  std::string zone_;
};

/// An IPv4 or an IPv6 address. A value type; thread safe. Ipv4 and Ipv6 convert to it.
class Address {
 public:
  Address() = default;                         ///< 0.0.0.0
  Address(Ipv4 v4) : value_(v4) {}             // NOLINT: every Ipv4 is an Address
  Address(Ipv6 v6) : value_(std::move(v6)) {}  // NOLINT: every Ipv6 is an Address
  /// From a family's integer value: the low 32 bits for IPv4; `zone` is kept for IPv6 only.
  static Address from_uint(Family family, uint128 value, std::string zone = {});

  /// Either family: IPv6 when the text has a ':', else IPv4. Throws parse_error. Pure.
  static Address parse(std::string_view text);

  Family family() const { return is_v4() ? Family::v4 : Family::v6; }
  bool is_v4() const { return std::holds_alternative<Ipv4>(value_); }
  bool is_v6() const { return !is_v4(); }
  /// The IPv4 / IPv6 alternative; throws std::bad_variant_access for the other family.
  const Ipv4& v4() const { return std::get<Ipv4>(value_); }
  const Ipv6& v6() const { return std::get<Ipv6>(value_); }
  /// 32 or 128.
  unsigned bits() const { return is_v4() ? 32U : 128U; }
  /// The integer value (IPv4 in the low 32 bits), ignoring any zone.
  uint128 to_uint() const;
  /// The IPv6 zone, or "" (always "" for IPv4).
  std::string_view zone() const;
  std::string to_string() const;

  auto operator<=>(const Address&) const = default;

 private:
  std::variant<Ipv4, Ipv6> value_;
};

/// An address with a prefix length, as a host is configured: "172.25.254.18/24" keeps .18 as
/// its address (like ipcalc), and network() gives 172.25.254.0. A value type; thread safe.
class Network {
 public:
  Network() = default;  ///< 0.0.0.0/32, no prefix given
  /// A single address (/32 or /128) whose prefix was not given.
  explicit Network(Address address);
  /// `address`/`prefix`; throws parse_error when prefix exceeds 32 (IPv4) or 128 (IPv6).
  Network(Address address, unsigned prefix);

  /// "ADDR", "ADDR/PREFIX" or, for IPv4, "ADDR/DOTTED.MASK" (the mask must be contiguous).
  /// Throws parse_error. Pure; thread safe.
  static Network parse(std::string_view text);

  const Address& address() const { return address_; }
  unsigned prefix() const { return prefix_; }
  /// False when the text had no "/..." (prefix() is then 32 or 128).
  bool prefix_given() const { return prefix_given_; }
  Family family() const { return address_.family(); }

  /// The mask (255.255.255.0 for /24) and its complement, the wildcard/hostmask (0.0.0.255).
  Address netmask() const;
  Address wildcard() const;
  /// The network address: the address with the host bits cleared (zone kept).
  Address network() const;
  /// The all-ones host address: IPv4 with prefix <= 30 only (IPv6 has no broadcast, and /31
  /// and /32 have none either: RFC 3021).
  std::optional<Address> broadcast() const;
  /// The usable host range. IPv4: network+1 .. broadcast-1; /31 both addresses (RFC 3021);
  /// /32 the address itself. IPv6: network+1 .. last (the network address is the
  /// Subnet-Router anycast, RFC 4291 2.6.1); /127 both (RFC 6164); /128 the address itself.
  Address first_host() const;
  Address last_host() const;
  /// How many addresses lie between first_host() and last_host(), both included.
  uint128 host_count() const;
  /// Whether `address` (same family, any zone) lies in this network.
  bool contains(const Address& address) const;

  /// "172.25.254.18/24": the address as given with the prefix.
  std::string to_string() const;
  /// "172.25.254.0/24": the network address with the prefix.
  std::string cidr() const;

  bool operator==(const Network&) const = default;

 private:
  Address address_;
  unsigned prefix_ = 32;
  bool prefix_given_ = false;
};

/// IPv4 address class by leading bits: 'A' 0, 'B' 10, 'C' 110, 'D' 1110, 'E' 1111.
/// Pure; thread safe.
char address_class(Ipv4 address);

/// What an address is used for, after the IANA special-purpose registries (RFC 6890).
enum class Kind {
  unspecified,    ///< 0.0.0.0, ::
  loopback,       ///< 127/8, ::1
  private_use,    ///< 10/8, 172.16/12, 192.168/16 (RFC 1918)
  link_local,     ///< 169.254/16, fe80::/10
  multicast,      ///< 224/4, ff00::/8
  broadcast,      ///< 255.255.255.255
  shared,         ///< 100.64/10, carrier-grade NAT (RFC 6598)
  documentation,  ///< 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20
  benchmarking,   ///< 198.18/15, 2001:2::/48
  reserved,       ///< 240/4, 0/8, 192.0.0/24, 100::/64, fec0::/10
  unique_local,   ///< fc00::/7
  ipv4_mapped,    ///< \::ffff:0:0/96
  global,         ///< everything else
};

/// The short name of a kind: "private", "link-local", "unique-local"... Pure; thread safe.
std::string_view kind_name(Kind kind);

/// An address's kind, the RFC that defines it and the range it matched.
struct Classification {
  Kind kind = Kind::global;
  std::string_view name;  ///< kind_name(kind)
  std::string_view rfc;   ///< "RFC 1918"
  std::string range;      ///< "172.16.0.0/12"; "" for global
};

/// Classifies `address` (most specific range first). Pure; thread safe.
Classification classify(const Address& address);

/// The answer of same_network().
struct Comparison {
  bool same = false;
  Network first;       ///< the first network as compared (prefix possibly borrowed)
  Network second;      ///< the second network as compared
  std::string reason;  ///< "same network: 172.25.0.0/16", "different networks: A vs B", ...
};

/// Whether two hosts are on one network: their network addresses under the same mask are
/// equal. When only one side gives a prefix, the other uses it (the seed's rule); with no
/// prefix on either side they are compared as single addresses. Different prefix lengths,
/// different families, or different IPv6 zones are different networks. Pure; thread safe.
Comparison same_network(const Network& first, const Network& second);

}  // namespace sockit::ip
