// sockit::ip as tables: one row a case, every row its own named test.
#include "sockit/core/ip.hpp"

#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sockit/core/error.hpp"

namespace sockit::ip {
namespace {

// "c07_172_25_254_18_24": a gtest-safe name for row `index` with `text` in it.
std::string row_name(std::size_t index, std::string_view text) {
  std::string name = "c" + std::to_string(100 + index).substr(1) + "_";
  for (const char c : text.substr(0, 40)) {
    const bool plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    name += plain ? c : '_';
  }
  return name;
}

// gtest prints a row as its input (control bytes as \xNN) instead of a byte dump, which
// keeps `--gtest_list_tests` readable for ctest's test discovery.
template <typename Row>
void print_row(const Row& row, std::ostream* os) {
  static constexpr char kHex[] = "0123456789abcdef";
  *os << '"';
  for (const char c : std::string_view(row.input)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20) {
      *os << "\\x" << kHex[byte >> 4] << kHex[byte & 0xf];
    } else {
      *os << c;
    }
  }
  *os << '"';
}

template <typename Row>
std::string row_name_of(const testing::TestParamInfo<Row>& info) {
  return row_name(info.index, info.param.input);
}

// --- Address text round trip (RFC 5952 for IPv6) ---

struct AddressRow {
  const char* input;
  const char* canonical;
  Family family;
};

void PrintTo(const AddressRow& row, std::ostream* os) {
  print_row(row, os);
}

class AddressText : public testing::TestWithParam<AddressRow> {};

TEST_P(AddressText, ParsesAndPrintsCanonically) {
  const auto& row = GetParam();
  SCOPED_TRACE(row.input);
  const Address address = Address::parse(row.input);
  EXPECT_EQ(address.to_string(), row.canonical);
  EXPECT_EQ(address.family(), row.family);
  EXPECT_EQ(Address::parse(address.to_string()), address) << "canonical text parses back";
}

INSTANTIATE_TEST_SUITE_P(
    Ip, AddressText,
    testing::Values(
        AddressRow{"0.0.0.0", "0.0.0.0", Family::v4},
        AddressRow{"255.255.255.255", "255.255.255.255", Family::v4},
        AddressRow{"192.168.1.1", "192.168.1.1", Family::v4}, AddressRow{"::", "::", Family::v6},
        AddressRow{"::1", "::1", Family::v6},
        AddressRow{"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", Family::v6},
        AddressRow{"2001:DB8::1", "2001:db8::1", Family::v6},
        AddressRow{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", Family::v6},     // first tie
        AddressRow{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", Family::v6},  // lone 0
        AddressRow{"2001:0:0:1:0:0:0:1", "2001:0:0:1::1", Family::v6},           // longest
        AddressRow{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", Family::v6},
        AddressRow{"1:0:0:0:0:0:0:0", "1::", Family::v6},
        AddressRow{"fe80::1%eth0", "fe80::1%eth0", Family::v6},
        AddressRow{"::ffff:1.2.3.4", "::ffff:1.2.3.4", Family::v6},
        AddressRow{"::ffff:0102:0304", "::ffff:1.2.3.4", Family::v6},
        AddressRow{"::1.2.3.4", "::102:304", Family::v6},
        AddressRow{"64:ff9b::192.0.2.33", "64:ff9b::c000:221", Family::v6}),
    row_name_of<AddressRow>);

// --- Bad input: every rejection names what is wrong ---

struct BadRow {
  const char* input;
  const char* message;  // a substring of what()
};

void PrintTo(const BadRow& row, std::ostream* os) {
  print_row(row, os);
}

class BadInput : public testing::TestWithParam<BadRow> {};

TEST_P(BadInput, ThrowsParseErrorSayingWhy) {
  const auto& row = GetParam();
  SCOPED_TRACE(row.input);
  try {
    Network::parse(row.input);
    FAIL() << "parsed, but should not have";
  } catch (const parse_error& e) {
    EXPECT_NE(std::string(e.what()).find(row.message), std::string::npos) << "what(): " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ip, BadInput,
    testing::Values(
        BadRow{"", "empty address"},
        BadRow{"1.2.3", "bad IPv4 address '1.2.3': expected 4 dotted numbers"},
        BadRow{"1.2.3.4.5", "expected 4 dotted numbers"},
        BadRow{"1.2.3.256", "'256' is out of range 0-255"},
        BadRow{"1.2.3.1000", "'1000' is out of range 0-255"},
        BadRow{"01.2.3.4", "leading zero in '01'"}, BadRow{"1..3.4", "empty number"},
        BadRow{"1.2.3.", "empty number"}, BadRow{"1.2.3.4 ", "'4 ' is not a decimal number"},
        BadRow{" 1.2.3.4", "' 1' is not a decimal number"},
        BadRow{"+1.2.3.4", "'+1' is not a decimal number"},
        BadRow{"1.2.3.x", "'x' is not a decimal number"},
        BadRow{"hello", "not an IPv4 (a.b.c.d) or IPv6 (x:x::x) address"},
        BadRow{"1234", "not an IPv4"}, BadRow{"1.2.3.4/33", "prefix 33 out of range 0-32 for IPv4"},
        BadRow{"1.2.3.4/99999999999", "out of range 0-32 for IPv4"},
        BadRow{"::1/129", "prefix 129 out of range 0-128 for IPv6"},
        BadRow{"1.2.3.4/", "missing prefix after '/'"}, BadRow{"/24", "missing address before '/'"},
        BadRow{"1.2.3.4/-1", "'-1' is not a decimal number"},
        BadRow{"1.2.3.4/024", "leading zero in prefix '024'"},
        BadRow{"1.2.3.4/24/8", "'24/8' is not a decimal number"},
        BadRow{"10.0.0.0/255.0.255.0", "netmask 255.0.255.0 is not contiguous"},
        BadRow{"10.0.0.0/0.255.255.255", "netmask 0.255.255.255 is not contiguous"},
        BadRow{"10.0.0.0/255.255.255", "netmask '255.255.255': expected 4 dotted numbers"},
        BadRow{"10.0.0.0/255.255.256.0", "'256' is out of range 0-255"},
        BadRow{"::1/255.255.255.0", "a dotted netmask applies to IPv4 only"},
        BadRow{"1::2::3", "more than one '::'"},
        BadRow{"1:2:3:4:5:6:7", "expected 8 groups or '::', got 7"},
        BadRow{"1:2:3:4:5:6:7:8:9", "expected 8 groups or '::', got 9"},
        BadRow{"1:2:3:4::5:6:7:8", "too many groups around '::'"},
        BadRow{"12345::", "group '12345' has more than 4 hex digits"},
        BadRow{"g::1", "bad character 'g'"}, BadRow{"1:::2", "empty group"},
        BadRow{":1::2", "empty group"}, BadRow{"fe80::1%", "empty zone after '%'"},
        BadRow{"fe80::1%a b", "bad character ' ' in zone"},
        BadRow{"::ffff:1.2.3", "embedded IPv4 '1.2.3': expected 4 dotted numbers"},
        BadRow{"1.2.3.4::", "an embedded IPv4 address must be the last 32 bits"},
        BadRow{"\x01\x1b[2J", "'\\x01\\x1b[2J'"}),
    row_name_of<BadRow>);

// --- Network facts, edge prefixes included ---

struct NetworkRow {
  const char* input;
  const char* address;
  unsigned prefix;
  const char* netmask;
  const char* wildcard;
  const char* cidr;
  const char* broadcast;  // "" when there is none
  const char* first;
  const char* last;
  const char* hosts;
};

void PrintTo(const NetworkRow& row, std::ostream* os) {
  print_row(row, os);
}

class NetworkFacts : public testing::TestWithParam<NetworkRow> {};

TEST_P(NetworkFacts, MatchIpcalc) {
  const auto& row = GetParam();
  SCOPED_TRACE(row.input);
  const Network network = Network::parse(row.input);
  EXPECT_EQ(network.address().to_string(), row.address);
  EXPECT_EQ(network.prefix(), row.prefix);
  EXPECT_EQ(network.netmask().to_string(), row.netmask);
  EXPECT_EQ(network.wildcard().to_string(), row.wildcard);
  EXPECT_EQ(network.cidr(), row.cidr);
  const auto broadcast = network.broadcast();
  EXPECT_EQ(broadcast ? broadcast->to_string() : "", row.broadcast);
  EXPECT_EQ(network.first_host().to_string(), row.first);
  EXPECT_EQ(network.last_host().to_string(), row.last);
  EXPECT_EQ(to_decimal(network.host_count()), row.hosts);
  EXPECT_TRUE(network.contains(network.first_host()));
  EXPECT_TRUE(network.contains(network.last_host()));
}

constexpr const char* kOnes6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";

INSTANTIATE_TEST_SUITE_P(
    Ip, NetworkFacts,
    testing::Values(
        NetworkRow{"172.25.254.18/24", "172.25.254.18", 24, "255.255.255.0", "0.0.0.255",
                   "172.25.254.0/24", "172.25.254.255", "172.25.254.1", "172.25.254.254", "254"},
        NetworkRow{"0.0.0.0/0", "0.0.0.0", 0, "0.0.0.0", "255.255.255.255", "0.0.0.0/0",
                   "255.255.255.255", "0.0.0.1", "255.255.255.254", "4294967294"},
        NetworkRow{"128.0.0.1/1", "128.0.0.1", 1, "128.0.0.0", "127.255.255.255", "128.0.0.0/1",
                   "255.255.255.255", "128.0.0.1", "255.255.255.254", "2147483646"},
        NetworkRow{"10.1.2.3/8", "10.1.2.3", 8, "255.0.0.0", "0.255.255.255", "10.0.0.0/8",
                   "10.255.255.255", "10.0.0.1", "10.255.255.254", "16777214"},
        NetworkRow{"172.25.0.10/16", "172.25.0.10", 16, "255.255.0.0", "0.0.255.255",
                   "172.25.0.0/16", "172.25.255.255", "172.25.0.1", "172.25.255.254", "65534"},
        NetworkRow{"192.168.1.5/30", "192.168.1.5", 30, "255.255.255.252", "0.0.0.3",
                   "192.168.1.4/30", "192.168.1.7", "192.168.1.5", "192.168.1.6", "2"},
        NetworkRow{"192.168.1.5/31", "192.168.1.5", 31, "255.255.255.254", "0.0.0.1",
                   "192.168.1.4/31", "", "192.168.1.4", "192.168.1.5", "2"},
        NetworkRow{"192.168.1.5/32", "192.168.1.5", 32, "255.255.255.255", "0.0.0.0",
                   "192.168.1.5/32", "", "192.168.1.5", "192.168.1.5", "1"},
        NetworkRow{"192.168.1.5", "192.168.1.5", 32, "255.255.255.255", "0.0.0.0", "192.168.1.5/32",
                   "", "192.168.1.5", "192.168.1.5", "1"},
        NetworkRow{"172.25.254.18/255.255.255.0", "172.25.254.18", 24, "255.255.255.0", "0.0.0.255",
                   "172.25.254.0/24", "172.25.254.255", "172.25.254.1", "172.25.254.254", "254"},
        NetworkRow{"10.0.0.1/255.255.255.252", "10.0.0.1", 30, "255.255.255.252", "0.0.0.3",
                   "10.0.0.0/30", "10.0.0.3", "10.0.0.1", "10.0.0.2", "2"},
        NetworkRow{"10.0.0.1/0.0.0.0", "10.0.0.1", 0, "0.0.0.0", "255.255.255.255", "0.0.0.0/0",
                   "255.255.255.255", "0.0.0.1", "255.255.255.254", "4294967294"},
        NetworkRow{"10.0.0.1/255.255.255.255", "10.0.0.1", 32, "255.255.255.255", "0.0.0.0",
                   "10.0.0.1/32", "", "10.0.0.1", "10.0.0.1", "1"},
        NetworkRow{"::/0", "::", 0, "::", kOnes6, "::/0", "", "::1", kOnes6,
                   "340282366920938463463374607431768211455"},
        NetworkRow{"2001:db8::1/64", "2001:db8::1", 64,
                   "ffff:ffff:ffff:ffff::", "::ffff:ffff:ffff:ffff", "2001:db8::/64", "",
                   "2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff", "18446744073709551615"},
        NetworkRow{"2001:db8::1/127", "2001:db8::1", 127, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
                   "::1", "2001:db8::/127", "", "2001:db8::", "2001:db8::1", "2"},
        NetworkRow{"2001:db8::1/128", "2001:db8::1", 128, kOnes6, "::", "2001:db8::1/128", "",
                   "2001:db8::1", "2001:db8::1", "1"},
        NetworkRow{"fe80::1%eth0/64", "fe80::1%eth0", 64,
                   "ffff:ffff:ffff:ffff::", "::ffff:ffff:ffff:ffff", "fe80::%eth0/64", "",
                   "fe80::1%eth0", "fe80::ffff:ffff:ffff:ffff%eth0", "18446744073709551615"}),
    row_name_of<NetworkRow>);

// --- Classification ---

struct KindRow {
  const char* input;
  Kind kind;
  const char* name;
  const char* rfc;
  const char* range;
};

void PrintTo(const KindRow& row, std::ostream* os) {
  print_row(row, os);
}

class Classify : public testing::TestWithParam<KindRow> {};

TEST_P(Classify, NamesKindRfcAndRange) {
  const auto& row = GetParam();
  SCOPED_TRACE(row.input);
  const Classification c = classify(Address::parse(row.input));
  EXPECT_EQ(c.kind, row.kind);
  EXPECT_EQ(c.name, row.name);
  EXPECT_EQ(c.rfc, row.rfc);
  EXPECT_EQ(c.range, row.range);
}

INSTANTIATE_TEST_SUITE_P(
    Ip, Classify,
    testing::Values(
        KindRow{"0.0.0.0", Kind::unspecified, "unspecified", "RFC 1122", "0.0.0.0/32"},
        KindRow{"0.1.2.3", Kind::reserved, "reserved", "RFC 1122", "0.0.0.0/8"},
        KindRow{"127.0.0.1", Kind::loopback, "loopback", "RFC 1122", "127.0.0.0/8"},
        KindRow{"10.1.2.3", Kind::private_use, "private", "RFC 1918", "10.0.0.0/8"},
        KindRow{"172.16.0.1", Kind::private_use, "private", "RFC 1918", "172.16.0.0/12"},
        KindRow{"172.31.255.255", Kind::private_use, "private", "RFC 1918", "172.16.0.0/12"},
        KindRow{"172.32.0.1", Kind::global, "global", "RFC 6890", ""},
        KindRow{"172.15.255.255", Kind::global, "global", "RFC 6890", ""},
        KindRow{"192.168.1.1", Kind::private_use, "private", "RFC 1918", "192.168.0.0/16"},
        KindRow{"169.254.1.1", Kind::link_local, "link-local", "RFC 3927", "169.254.0.0/16"},
        KindRow{"224.0.0.1", Kind::multicast, "multicast", "RFC 5771", "224.0.0.0/4"},
        KindRow{"239.255.255.255", Kind::multicast, "multicast", "RFC 5771", "224.0.0.0/4"},
        KindRow{"255.255.255.255", Kind::broadcast, "broadcast", "RFC 919", "255.255.255.255/32"},
        KindRow{"100.64.0.1", Kind::shared, "shared", "RFC 6598", "100.64.0.0/10"},
        KindRow{"100.127.255.255", Kind::shared, "shared", "RFC 6598", "100.64.0.0/10"},
        KindRow{"100.128.0.0", Kind::global, "global", "RFC 6890", ""},
        KindRow{"192.0.2.1", Kind::documentation, "documentation", "RFC 5737", "192.0.2.0/24"},
        KindRow{"198.51.100.7", Kind::documentation, "documentation", "RFC 5737",
                "198.51.100.0/24"},
        KindRow{"203.0.113.9", Kind::documentation, "documentation", "RFC 5737", "203.0.113.0/24"},
        KindRow{"198.18.0.1", Kind::benchmarking, "benchmarking", "RFC 2544", "198.18.0.0/15"},
        KindRow{"198.19.255.255", Kind::benchmarking, "benchmarking", "RFC 2544", "198.18.0.0/15"},
        KindRow{"240.0.0.1", Kind::reserved, "reserved", "RFC 1112", "240.0.0.0/4"},
        KindRow{"8.8.8.8", Kind::global, "global", "RFC 6890", ""},
        KindRow{"::", Kind::unspecified, "unspecified", "RFC 4291", "::/128"},
        KindRow{"::1", Kind::loopback, "loopback", "RFC 4291", "::1/128"},
        KindRow{"fc00::1", Kind::unique_local, "unique-local", "RFC 4193", "fc00::/7"},
        KindRow{"fd12:3456::1", Kind::unique_local, "unique-local", "RFC 4193", "fc00::/7"},
        KindRow{"fe80::1%eth0", Kind::link_local, "link-local", "RFC 4291", "fe80::/10"},
        KindRow{"ff02::1", Kind::multicast, "multicast", "RFC 4291", "ff00::/8"},
        KindRow{"::ffff:1.2.3.4", Kind::ipv4_mapped, "ipv4-mapped", "RFC 4291",
                "::ffff:0.0.0.0/96"},
        KindRow{"2001:db8::1", Kind::documentation, "documentation", "RFC 3849", "2001:db8::/32"},
        KindRow{"2606:4700::1111", Kind::global, "global", "RFC 6890", ""}),
    row_name_of<KindRow>);

// --- same_network: the seed's rule ---

struct SameRow {
  const char* input;  // the first network
  const char* other;
  bool same;
  const char* reason;  // a substring
};

void PrintTo(const SameRow& row, std::ostream* os) {
  print_row(row, os);
}

class SameNetwork : public testing::TestWithParam<SameRow> {};

TEST_P(SameNetwork, ComparesNetworkAddressesUnderTheMask) {
  const auto& row = GetParam();
  SCOPED_TRACE(std::string(row.input) + " vs " + row.other);
  const Comparison c = same_network(Network::parse(row.input), Network::parse(row.other));
  EXPECT_EQ(c.same, row.same);
  EXPECT_NE(c.reason.find(row.reason), std::string::npos) << "reason: " << c.reason;
  EXPECT_EQ(same_network(Network::parse(row.other), Network::parse(row.input)).same, row.same)
      << "symmetric";
}

INSTANTIATE_TEST_SUITE_P(
    Ip, SameNetwork,
    testing::Values(
        SameRow{"172.25.254.18/24", "172.25.0.10/24", false,
                "different networks: 172.25.254.0/24 vs 172.25.0.0/24"},
        SameRow{"172.25.254.18/16", "172.25.0.10/16", true, "same network: 172.25.0.0/16"},
        SameRow{"172.25.254.18/16", "172.25.0.10", true, "172.25.0.10 taken with the first's /16"},
        SameRow{"172.25.254.18/24", "172.25.0.10", false,
                "different networks: 172.25.254.0/24 vs 172.25.0.0/24"},
        SameRow{"10.0.0.1", "10.0.0.2/8", true, "10.0.0.1 taken with the second's /8"},
        SameRow{"10.0.0.1", "10.0.0.1", true, "no prefix given"},
        SameRow{"10.0.0.1", "10.0.0.2", false, "no prefix given"},
        SameRow{"10.0.0.1/8", "10.0.0.2/16", false, "prefix lengths differ"},
        SameRow{"10.0.0.1/255.0.0.0", "10.9.9.9/8", true, "same network: 10.0.0.0/8"},
        SameRow{"192.168.1.1/31", "192.168.1.0/31", true, "same network: 192.168.1.0/31"},
        SameRow{"0.0.0.0/0", "8.8.8.8/0", true, "same network: 0.0.0.0/0"},
        SameRow{"10.0.0.1/24", "::1/64", false, "different address families"},
        SameRow{"2001:db8::1/64", "2001:db8::ffff/64", true, "same network: 2001:db8::/64"},
        SameRow{"2001:db8::1/64", "2001:db8:0:1::1/64", false,
                "different networks: 2001:db8::/64 vs 2001:db8:0:1::/64"},
        SameRow{"fe80::1%eth0/64", "fe80::2%eth1/64", false, "different zones"},
        SameRow{"fe80::1%eth0/64", "fe80::2/64", true, "same network"}),
    row_name_of<SameRow>);

// --- Smaller facts ---

TEST(IpClass, ByLeadingBits) {
  const std::vector<std::pair<const char*, char>> rows = {
      {"0.0.0.0", 'A'},         {"127.255.255.255", 'A'}, {"128.0.0.0", 'B'},
      {"172.25.254.18", 'B'},   {"191.255.255.255", 'B'}, {"192.0.0.0", 'C'},
      {"223.255.255.255", 'C'}, {"224.0.0.0", 'D'},       {"239.255.255.255", 'D'},
      {"240.0.0.0", 'E'},       {"255.255.255.255", 'E'}};
  for (const auto& [input, expected] : rows) {
    SCOPED_TRACE(input);
    EXPECT_EQ(address_class(Ipv4::parse(input)), expected);
  }
}

TEST(IpDecimal, PrintsUpTo128Bits) {
  EXPECT_EQ(to_decimal(0), "0");
  EXPECT_EQ(to_decimal(254), "254");
  EXPECT_EQ(to_decimal(~uint128{0}), "340282366920938463463374607431768211455");
}

TEST(IpAddress, ValuesAndBytes) {
  EXPECT_EQ(Ipv4::parse("127.0.0.1").to_uint(), 0x7f000001U);
  EXPECT_EQ(Ipv4(0xc0a80101).to_string(), "192.168.1.1");
  EXPECT_EQ(Ipv4::parse("1.2.3.4").bytes(), (std::array<std::uint8_t, 4>{1, 2, 3, 4}));
  EXPECT_EQ(Ipv6::parse("::ffff:10.0.0.1").mapped_v4(), Ipv4::parse("10.0.0.1"));
  EXPECT_EQ(Ipv6::mapped(Ipv4::parse("10.0.0.1")).to_string(), "::ffff:10.0.0.1");
  EXPECT_FALSE(Ipv6::parse("::1").mapped_v4().has_value());
  EXPECT_EQ(Ipv6::parse("fe80::1%eth0").zone(), "eth0");
  EXPECT_NE(Ipv6::parse("fe80::1%eth0"), Ipv6::parse("fe80::1%eth1"));
  EXPECT_LT(Ipv4::parse("10.0.0.1"), Ipv4::parse("10.0.0.2"));
}

TEST(IpNetwork, ContainsAndConstruct) {
  const Network net = Network::parse("172.25.254.18/24");
  EXPECT_TRUE(net.contains(Address::parse("172.25.254.0")));
  EXPECT_TRUE(net.contains(Address::parse("172.25.254.255")));
  EXPECT_FALSE(net.contains(Address::parse("172.25.0.10")));
  EXPECT_FALSE(net.contains(Address::parse("::ffff:172.25.254.1")));
  EXPECT_TRUE(Network::parse("fe80::/10").contains(Address::parse("fe80::1%eth0")));
  EXPECT_FALSE(Network::parse("10.0.0.1").prefix_given());
  EXPECT_TRUE(Network::parse("10.0.0.1/32").prefix_given());
  EXPECT_EQ(Network::parse("172.25.254.18/24").to_string(), "172.25.254.18/24");
  EXPECT_THROW(Network(Address::parse("10.0.0.1"), 33), parse_error);
  EXPECT_NO_THROW(Network(Address::parse("::"), 128));
}

TEST(IpErrors, ParseErrorIsInvalidArgument) {
  EXPECT_THROW(Ipv4::parse("::1"), std::invalid_argument);
  EXPECT_THROW(Ipv6::parse("1.2.3.4"), parse_error);
  EXPECT_THROW(Ipv4::parse(""), parse_error);
  EXPECT_THROW(Ipv6::parse(""), parse_error);
}

}  // namespace
}  // namespace sockit::ip
