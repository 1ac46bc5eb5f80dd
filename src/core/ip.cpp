#include "sockit/core/ip.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <vector>

#include "sockit/core/error.hpp"

namespace sockit::ip {
namespace {

constexpr std::size_t kQuoteLimit = 64;

// The input quoted for an error message: at most kQuoteLimit bytes, unprintable ones as \xNN,
// so a hostile argument cannot garble a terminal or a log line.
std::string quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (const char c : text.substr(0, kQuoteLimit)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      out += {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xf]};
    }
  }
  if (text.size() > kQuoteLimit) out += "...";
  return out + "'";
}

[[noreturn]] void fail(std::string_view what, std::string_view text, const std::string& why) {
  throw parse_error("bad " + std::string(what) + " " + quote(text) + ": " + why);
}

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits on `separator`, keeping empty parts ("1..2" is "1", "", "2").
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find(separator, start)) != std::string_view::npos;
       start = end + 1) {
    parts.push_back(text.substr(start, end - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

// Records why text was rejected, for `return reject(why, "...");` in an optional-returning parser.
std::nullopt_t reject(std::string& why, std::string reason) {
  why = std::move(reason);
  return std::nullopt;
}

// A decimal number 0..max without sign or leading zero; nullopt and `why` otherwise.
std::optional<unsigned> small_number(std::string_view text, std::string& why, unsigned max) {
  if (text.empty()) return reject(why, "empty number");
  if (!all_digits(text)) return reject(why, quote(text) + " is not a decimal number");
  if (text.size() > 1 && text[0] == '0') {
    return reject(why, "leading zero in " + quote(text) + " (ambiguous octal)");
  }
  unsigned value = 0;
  for (const char c : text.substr(0, 4)) value = value * 10 + static_cast<unsigned>(c - '0');
  if (text.size() > 4 || value > max) {
    return reject(why, quote(text) + " is out of range 0-" + std::to_string(max));
  }
  return value;
}

// Strict dotted quad; on failure returns nullopt and sets `why`.
std::optional<std::uint32_t> parse_v4(std::string_view text, std::string& why) {
  const auto parts = split(text, '.');
  if (parts.size() != 4) return reject(why, "expected 4 dotted numbers");
  std::uint32_t value = 0;
  for (const auto part : parts) {
    const auto octet = small_number(part, why, 255);
    if (!octet) return std::nullopt;
    value = value << 8 | *octet;
  }
  return value;
}

constexpr std::string_view kV6 = "IPv6 address";

// One group of 1-4 hex digits.
std::uint16_t parse_group(std::string_view group, std::string_view text) {
  if (group.empty()) fail(kV6, text, "empty group between ':'");
  if (group.find('.') != std::string_view::npos) {
    fail(kV6, text, "an embedded IPv4 address must be the last 32 bits");
  }
  unsigned value = 0;
  for (const char c : group) {
    const int digit = hex_value(c);
    if (digit < 0) fail(kV6, text, "bad character " + quote({&c, 1}));
    value = value << 4 | static_cast<unsigned>(digit);
  }
  if (group.size() > 4) fail(kV6, text, "group " + quote(group) + " has more than 4 hex digits");
  return static_cast<std::uint16_t>(value);
}

// Appends the groups of one side of "::"; `last` when it ends the address (and may hold a
// dotted IPv4 tail worth two groups).
void parse_groups(std::string_view side, bool last, std::string_view text,
                  std::vector<std::uint16_t>& groups) {
  if (side.empty()) return;
  const auto parts = split(side, ':');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (last && i + 1 == parts.size() && parts[i].find('.') != std::string_view::npos) {
      std::string why;
      const auto v4 = parse_v4(parts[i], why);
      if (!v4) fail(kV6, text, "embedded IPv4 " + quote(parts[i]) + ": " + why);
      groups.push_back(static_cast<std::uint16_t>(*v4 >> 16));
      groups.push_back(static_cast<std::uint16_t>(*v4 & 0xffff));
    } else {
      groups.push_back(parse_group(parts[i], text));
    }
  }
}

// The zone after '%': printable, no space, '%' or '/'.
std::string parse_zone(std::string_view zone, std::string_view text) {
  if (zone.empty()) fail(kV6, text, "empty zone after '%'");
  for (const char c : zone) {
    if (c <= ' ' || c >= 0x7f || c == '%' || c == '/') {
      fail(kV6, text, "bad character " + quote({&c, 1}) + " in zone");
    }
  }
  return std::string(zone);
}

// The eight groups of an address written without '%zone'.
std::array<std::uint16_t, 8> parse_v6_groups(std::string_view address, std::string_view text) {
  const auto gap = address.find("::");
  if (gap != std::string_view::npos && address.find("::", gap + 2) != std::string_view::npos) {
    fail(kV6, text, "more than one '::'");
  }
  std::vector<std::uint16_t> head, tail;
  if (gap == std::string_view::npos) {
    parse_groups(address, true, text, head);
    if (head.size() != 8) {
      fail(kV6, text, "expected 8 groups or '::', got " + std::to_string(head.size()));
    }
  } else {
    parse_groups(address.substr(0, gap), false, text, head);
    parse_groups(address.substr(gap + 2), true, text, tail);
    if (head.size() + tail.size() > 7) fail(kV6, text, "too many groups around '::'");
  }
  std::array<std::uint16_t, 8> groups{};
  std::copy(head.begin(), head.end(), groups.begin());
  std::copy(tail.begin(), tail.end(), groups.end() - static_cast<std::ptrdiff_t>(tail.size()));
  return groups;
}

// Where the longest run (>= 2) of zero groups starts and its length; {8, 0} when none.
std::pair<std::size_t, std::size_t> longest_zero_run(const std::array<std::uint16_t, 8>& groups) {
  std::pair<std::size_t, std::size_t> best{8, 0};
  for (std::size_t i = 0; i < 8;) {
    std::size_t j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i >= 2 && j - i > best.second) best = {i, j - i};
    i = std::max(j, i + 1);
  }
  return best;
}

std::string hex(std::uint16_t value) {
  char buffer[4];
  const auto result = std::to_chars(buffer, buffer + 4, value, 16);
  return {buffer, result.ptr};
}

constexpr std::string_view kNetwork = "network";

// The prefix length of a dotted IPv4 netmask; the mask must be contiguous ones then zeros.
unsigned mask_prefix(const Address& address, std::string_view mask, std::string_view text) {
  if (!address.is_v4()) fail(kNetwork, text, "a dotted netmask applies to IPv4 only");
  std::string why;
  const auto value = parse_v4(mask, why);
  if (!value) fail(kNetwork, text, "netmask " + quote(mask) + ": " + why);
  const std::uint32_t host_bits = ~*value;
  if ((host_bits & (host_bits + 1)) != 0) {
    fail(kNetwork, text, "netmask " + Ipv4(*value).to_string() + " is not contiguous");
  }
  return static_cast<unsigned>(std::popcount(*value));
}

// The decimal prefix length after '/', in range for the address's family.
unsigned number_prefix(const Address& address, std::string_view prefix, std::string_view text) {
  if (prefix.size() > 1 && prefix[0] == '0' && all_digits(prefix)) {
    fail(kNetwork, text, "leading zero in prefix " + quote(prefix));
  }
  std::string why;
  const auto value = small_number(prefix, why, address.bits());
  if (!value && !prefix.empty() && all_digits(prefix)) {
    fail(kNetwork, text,
         "prefix " + std::string(prefix.substr(0, kQuoteLimit)) + " out of range 0-" +
             std::to_string(address.bits()) + " for " + std::string(family_name(address.family())));
  }
  if (!value) fail(kNetwork, text, "prefix: " + why);
  return *value;
}

}  // namespace

std::string to_decimal(uint128 value) {
  std::string digits;
  do {
    digits += static_cast<char>('0' + static_cast<int>(value % 10));
    value /= 10;
  } while (value != 0);
  return {digits.rbegin(), digits.rend()};
}

std::string_view family_name(Family family) {
  return family == Family::v4 ? "IPv4" : "IPv6";
}

// --- Ipv4 ---

Ipv4 Ipv4::parse(std::string_view text) {
  if (text.empty()) throw parse_error("empty IPv4 address");
  std::string why;
  const auto value = parse_v4(text, why);
  if (!value) fail("IPv4 address", text, why);
  return Ipv4(*value);
}

std::array<std::uint8_t, 4> Ipv4::bytes() const {
  return {static_cast<std::uint8_t>(value_ >> 24), static_cast<std::uint8_t>(value_ >> 16),
          static_cast<std::uint8_t>(value_ >> 8), static_cast<std::uint8_t>(value_)};
}

std::string Ipv4::to_string() const {
  const auto b = bytes();
  return std::to_string(b[0]) + '.' + std::to_string(b[1]) + '.' + std::to_string(b[2]) + '.' +
         std::to_string(b[3]);
}

// --- Ipv6 ---

Ipv6::Ipv6(const Bytes& bytes, std::string zone) : bytes_(bytes), zone_(std::move(zone)) {}

Ipv6 Ipv6::from_uint(uint128 value, std::string zone) {
  Bytes bytes{};
  for (std::size_t i = 16; i-- > 0; value >>= 8) bytes[i] = static_cast<std::uint8_t>(value);
  return Ipv6(bytes, std::move(zone));
}

Ipv6 Ipv6::mapped(Ipv4 v4) {
  return from_uint(uint128{0xffff} << 32 | v4.to_uint());
}

Ipv6 Ipv6::parse(std::string_view text) {
  if (text.empty()) throw parse_error("empty IPv6 address");
  const auto percent = text.find('%');
  std::string zone;
  if (percent != std::string_view::npos) zone = parse_zone(text.substr(percent + 1), text);
  const auto groups = parse_v6_groups(text.substr(0, percent), text);
  uint128 value = 0;
  for (const auto group : groups) value = value << 16 | group;
  return from_uint(value, std::move(zone));
}

uint128 Ipv6::to_uint() const {
  uint128 value = 0;
  for (const auto byte : bytes_) value = value << 8 | byte;
  return value;
}

std::optional<Ipv4> Ipv6::mapped_v4() const {
  const uint128 value = to_uint();
  if (value >> 32 != 0xffff) return std::nullopt;
  return Ipv4(static_cast<std::uint32_t>(value));
}

std::string Ipv6::to_string() const {
  const std::string suffix = zone_.empty() ? "" : "%" + zone_;
  if (const auto v4 = mapped_v4()) return "::ffff:" + v4->to_string() + suffix;
  std::array<std::uint16_t, 8> groups{};
  for (std::size_t i = 0; i < 8; ++i) {
    groups[i] = static_cast<std::uint16_t>(bytes_[2 * i] << 8 | bytes_[2 * i + 1]);
  }
  const auto [run, length] = longest_zero_run(groups);
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == run) {
      out += "::";
      i += length - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += hex(groups[i]);
  }
  return out + suffix;
}

// --- Address ---

Address Address::from_uint(Family family, uint128 value, std::string zone) {
  if (family == Family::v4) return Ipv4(static_cast<std::uint32_t>(value));
  return Ipv6::from_uint(value, std::move(zone));
}

Address Address::parse(std::string_view text) {
  if (text.empty()) throw parse_error("empty address");
  if (text.find(':') != std::string_view::npos) return Ipv6::parse(text);
  if (text.find('.') != std::string_view::npos) return Ipv4::parse(text);
  fail("address", text, "not an IPv4 (a.b.c.d) or IPv6 (x:x::x) address");
}

uint128 Address::to_uint() const {
  return is_v4() ? v4().to_uint() : v6().to_uint();
}

std::string_view Address::zone() const {
  return is_v4() ? std::string_view{} : v6().zone();
}

std::string Address::to_string() const {
  return is_v4() ? v4().to_string() : v6().to_string();
}

// --- Network text ---

Network Network::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == 0) fail(kNetwork, text, "missing address before '/'");
  const Address address = Address::parse(text.substr(0, slash));
  if (slash == std::string_view::npos) return Network(address);
  const auto suffix = text.substr(slash + 1);
  if (suffix.empty()) fail(kNetwork, text, "missing prefix after '/'");
  if (suffix.find('.') != std::string_view::npos) {
    return Network(address, mask_prefix(address, suffix, text));
  }
  return Network(address, number_prefix(address, suffix, text));
}

std::string Network::to_string() const {
  return address_.to_string() + "/" + std::to_string(prefix_);
}

std::string Network::cidr() const {
  return network().to_string() + "/" + std::to_string(prefix_);
}

}  // namespace sockit::ip
