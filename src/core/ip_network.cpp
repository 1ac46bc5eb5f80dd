// Network arithmetic, classification and same_network(); the text side lives in ip.cpp.
#include "sockit/core/ip.hpp"

#include <array>

#include "sockit/core/error.hpp"

namespace sockit::ip {
namespace {

constexpr uint128 kAllOnes = ~uint128{0};

uint128 width_mask(unsigned bits) {
  return bits >= 128 ? kAllOnes : (uint128{1} << bits) - 1;
}

uint128 prefix_mask(unsigned bits, unsigned prefix) {
  return prefix == 0 ? 0 : (kAllOnes << (bits - prefix)) & width_mask(bits);
}

// One special-purpose range of the IANA registries.
struct Range {
  uint128 base;
  unsigned prefix;
  Kind kind;
  std::string_view rfc;
};

constexpr uint128 v6(std::uint64_t high, std::uint64_t low = 0) {
  return uint128{high} << 64 | low;
}

// Most specific first: the first match wins.
constexpr std::array kV4Ranges{
    Range{0x00000000, 32, Kind::unspecified, "RFC 1122"},
    Range{0x00000000, 8, Kind::reserved, "RFC 1122"},  // "this network"
    Range{0x0a000000, 8, Kind::private_use, "RFC 1918"},
    Range{0x64400000, 10, Kind::shared, "RFC 6598"},
    Range{0x7f000000, 8, Kind::loopback, "RFC 1122"},
    Range{0xa9fe0000, 16, Kind::link_local, "RFC 3927"},
    Range{0xac100000, 12, Kind::private_use, "RFC 1918"},
    Range{0xc0000000, 24, Kind::reserved, "RFC 6890"},  // IETF protocol assignments
    Range{0xc0000200, 24, Kind::documentation, "RFC 5737"},
    Range{0xc0a80000, 16, Kind::private_use, "RFC 1918"},
    Range{0xc6120000, 15, Kind::benchmarking, "RFC 2544"},
    Range{0xc6336400, 24, Kind::documentation, "RFC 5737"},
    Range{0xcb007100, 24, Kind::documentation, "RFC 5737"},
    Range{0xe0000000, 4, Kind::multicast, "RFC 5771"},
    Range{0xffffffff, 32, Kind::broadcast, "RFC 919"},
    Range{0xf0000000, 4, Kind::reserved, "RFC 1112"},
};

constexpr std::array kV6Ranges{
    Range{0, 128, Kind::unspecified, "RFC 4291"},
    Range{1, 128, Kind::loopback, "RFC 4291"},
    Range{v6(0, 0x0000ffff00000000), 96, Kind::ipv4_mapped, "RFC 4291"},
    Range{v6(0x0100000000000000), 64, Kind::reserved, "RFC 6666"},  // discard-only
    Range{v6(0x2001000200000000), 48, Kind::benchmarking, "RFC 5180"},
    Range{v6(0x20010db800000000), 32, Kind::documentation, "RFC 3849"},
    Range{v6(0x3fff000000000000), 20, Kind::documentation, "RFC 9637"},
    Range{v6(0xfc00000000000000), 7, Kind::unique_local, "RFC 4193"},
    Range{v6(0xfe80000000000000), 10, Kind::link_local, "RFC 4291"},
    Range{v6(0xfec0000000000000), 10, Kind::reserved, "RFC 3879"},  // old site-local
    Range{v6(0xff00000000000000), 8, Kind::multicast, "RFC 4291"},
};

template <std::size_t N>
const Range* find_range(const std::array<Range, N>& ranges, uint128 value, unsigned bits) {
  for (const auto& range : ranges) {
    if ((value & prefix_mask(bits, range.prefix)) == range.base) return &range;
  }
  return nullptr;
}

// The prefix borrowed from the side that gave one, and a note saying so.
std::string borrow_prefix(const Network& from, Network& to, std::string_view from_name) {
  to = Network(to.address(), from.prefix());
  return " (" + to.address().to_string() + " taken with the " + std::string(from_name) + "'s /" +
         std::to_string(from.prefix()) + ")";
}

std::string different(const Network& first, const Network& second, std::string_view why) {
  return "different networks: " + first.cidr() + " vs " + second.cidr() + std::string(why);
}

}  // namespace

// --- Network arithmetic ---

Network::Network(Address address)
    : address_(std::move(address)), prefix_(address_.bits()), prefix_given_(false) {}

Network::Network(Address address, unsigned prefix)
    : address_(std::move(address)), prefix_(prefix), prefix_given_(true) {
  if (prefix_ > address_.bits()) {
    throw parse_error("prefix " + std::to_string(prefix_) + " out of range 0-" +
                      std::to_string(address_.bits()) + " for " +
                      std::string(family_name(family())));
  }
}

Address Network::netmask() const {
  return Address::from_uint(family(), prefix_mask(address_.bits(), prefix_));
}

Address Network::wildcard() const {
  const unsigned bits = address_.bits();
  return Address::from_uint(family(), ~prefix_mask(bits, prefix_) & width_mask(bits));
}

Address Network::network() const {
  const uint128 value = address_.to_uint() & prefix_mask(address_.bits(), prefix_);
  return Address::from_uint(family(), value, std::string(address_.zone()));
}

std::optional<Address> Network::broadcast() const {
  if (family() == Family::v6 || prefix_ >= 31) return std::nullopt;
  return Address::from_uint(family(), address_.to_uint() | wildcard().to_uint());
}

Address Network::first_host() const {
  const Address base = network();
  if (prefix_ + 1 >= address_.bits()) return base;
  return Address::from_uint(family(), base.to_uint() + 1, std::string(base.zone()));
}

Address Network::last_host() const {
  const uint128 last = network().to_uint() | wildcard().to_uint();
  const bool skip_broadcast = family() == Family::v4 && prefix_ <= 30;
  return Address::from_uint(family(), skip_broadcast ? last - 1 : last,
                            std::string(address_.zone()));
}

uint128 Network::host_count() const {
  const unsigned host_bits = address_.bits() - prefix_;
  if (host_bits <= 1) return uint128{1} << host_bits;
  const uint128 reserved = family() == Family::v4 ? 2 : 1;  // network+broadcast, or anycast
  return width_mask(host_bits) - (reserved - 1);
}

bool Network::contains(const Address& address) const {
  if (address.family() != family()) return false;
  const uint128 mask = prefix_mask(address_.bits(), prefix_);
  return (address.to_uint() & mask) == (address_.to_uint() & mask);
}

// --- Classification ---

char address_class(Ipv4 address) {
  const auto top = address.to_uint() >> 28;
  if (top < 0x8) return 'A';
  if (top < 0xc) return 'B';
  if (top < 0xe) return 'C';
  if (top < 0xf) return 'D';
  return 'E';
}

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::unspecified:
      return "unspecified";
    case Kind::loopback:
      return "loopback";
    case Kind::private_use:
      return "private";
    case Kind::link_local:
      return "link-local";
    case Kind::multicast:
      return "multicast";
    case Kind::broadcast:
      return "broadcast";
    case Kind::shared:
      return "shared";
    case Kind::documentation:
      return "documentation";
    case Kind::benchmarking:
      return "benchmarking";
    case Kind::reserved:
      return "reserved";
    case Kind::unique_local:
      return "unique-local";
    case Kind::ipv4_mapped:
      return "ipv4-mapped";
    case Kind::global:
      return "global";
  }
  return "global";
}

Classification classify(const Address& address) {
  const Range* range = address.is_v4() ? find_range(kV4Ranges, address.to_uint(), 32)
                                       : find_range(kV6Ranges, address.to_uint(), 128);
  if (range == nullptr) return {Kind::global, kind_name(Kind::global), "RFC 6890", ""};
  const Network network(Address::from_uint(address.family(), range->base), range->prefix);
  return {range->kind, kind_name(range->kind), range->rfc, network.cidr()};
}

// --- same_network ---

Comparison same_network(const Network& first, const Network& second) {
  Comparison result{false, first, second, {}};
  if (first.family() != second.family()) {
    result.reason = "different address families: " + first.address().to_string() + " is " +
                    std::string(family_name(first.family())) + ", " + second.address().to_string() +
                    " is " + std::string(family_name(second.family()));
    return result;
  }
  std::string note;
  if (first.prefix_given() && !second.prefix_given()) {
    note = borrow_prefix(first, result.second, "first");
  } else if (!first.prefix_given() && second.prefix_given()) {
    note = borrow_prefix(second, result.first, "second");
  } else if (!first.prefix_given()) {
    note = " (no prefix given: compared as single addresses)";
  }
  const Network& a = result.first;
  const Network& b = result.second;
  const auto zone_a = a.address().zone(), zone_b = b.address().zone();
  if (a.prefix() != b.prefix()) {
    result.reason = different(a, b, " (prefix lengths differ)");
  } else if (!a.contains(b.address())) {
    result.reason = different(a, b, note);
  } else if (!zone_a.empty() && !zone_b.empty() && zone_a != zone_b) {
    result.reason = different(a, b, " (different zones: the links differ)");
  } else {
    result.same = true;
    result.reason = "same network: " + a.cidr() + note;
  }
  return result;
}

}  // namespace sockit::ip
