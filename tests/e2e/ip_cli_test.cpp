// `sockit ip` run as a user runs it: the real binary, its stdout, stderr and exit code.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/process.hpp"

namespace {

using sockit::test::run_sockit;
using sockit::test::RunResult;

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// Runs `sockit ip ARGS...` and checks it finished on its own.
RunResult ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult result = run_sockit(argv);
  EXPECT_FALSE(result.timed_out);
  return result;
}

// One line of stderr, starting "sockit: " and containing `needle`.
void expect_usage_error(const RunResult& result, const std::string& needle) {
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_EQ(result.err.rfind("sockit: ", 0), 0U) << result.err;
  EXPECT_TRUE(has(result.err, needle)) << result.err;
  EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << "exactly one line: " << result.err;
}

TEST(IpCli, PrintsIpcalcStyleFacts) {
  const auto r = ip({"172.25.254.18/24"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* fact :
       {"Address:   172.25.254.18\n", "Netmask:   255.255.255.0 = 24\n", "Wildcard:  0.0.0.255\n",
        "Network:   172.25.254.0/24\n", "Broadcast: 172.25.254.255\n", "HostMin:   172.25.254.1\n",
        "HostMax:   172.25.254.254\n", "Hosts:     254\n", "Class:     B\n",
        "Kind:      private (RFC 1918)\n"}) {
    EXPECT_TRUE(has(r.out, fact)) << "missing " << fact << " in:\n" << r.out;
  }
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(IpCli, DottedMaskIsTheSameAsPrefix) {
  const auto r = ip({"172.25.254.18/255.255.255.0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "Netmask:   255.255.255.0 = 24\n")) << r.out;
  EXPECT_TRUE(has(r.out, "Network:   172.25.254.0/24\n")) << r.out;
}

TEST(IpCli, SeedExampleWith24IsTwoNetworks) {
  const auto r = ip({"172.25.254.18/24", "172.25.0.10/24"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "172.25.254.0/24")) << r.out;
  EXPECT_TRUE(has(r.out, "172.25.0.0/24")) << r.out;
  EXPECT_TRUE(has(r.out, "different networks: 172.25.254.0/24 vs 172.25.0.0/24")) << r.out;
}

TEST(IpCli, SeedExampleWith16IsOneNetwork) {
  const auto r = ip({"172.25.254.18/16", "172.25.0.10/16"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "same network: 172.25.0.0/16")) << r.out;
}

TEST(IpCli, OtherWithoutPrefixTakesTheFirsts) {
  const auto r = ip({"172.25.254.18/16", "172.25.0.10"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "same network: 172.25.0.0/16")) << r.out;
  EXPECT_TRUE(has(r.out, "172.25.0.10/16")) << r.out;
}

TEST(IpCli, Ipv6NetworkHasNoBroadcastOrClass) {
  const auto r = ip({"2001:DB8:0:0::1/64"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "Address:   2001:db8::1\n")) << r.out;
  EXPECT_TRUE(has(r.out, "Netmask:   ffff:ffff:ffff:ffff:: = 64\n")) << r.out;
  EXPECT_TRUE(has(r.out, "Network:   2001:db8::/64\n")) << r.out;
  EXPECT_TRUE(has(r.out, "HostMax:   2001:db8::ffff:ffff:ffff:ffff\n")) << r.out;
  EXPECT_TRUE(has(r.out, "Hosts:     18446744073709551615\n")) << r.out;
  EXPECT_TRUE(has(r.out, "Kind:      documentation (RFC 3849)\n")) << r.out;
  EXPECT_FALSE(has(r.out, "Broadcast:")) << r.out;
  EXPECT_FALSE(has(r.out, "Class:")) << r.out;
}

TEST(IpCli, JsonHasTheSameFacts) {
  const auto r = ip({"172.25.254.18/24", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.front(), '{') << r.out;
  EXPECT_EQ(r.out.substr(r.out.size() - 2), "}\n") << r.out;
  for (const char* member : {R"("address":"172.25.254.18")", R"("family":"IPv4")", R"("prefix":24)",
                             R"("netmask":"255.255.255.0")", R"("network":"172.25.254.0/24")",
                             R"("broadcast":"172.25.254.255")", R"("host_min":"172.25.254.1")",
                             R"("host_max":"172.25.254.254")", R"("hosts":"254")", R"("class":"B")",
                             R"("kind":"private")", R"("rfc":"RFC 1918")"}) {
    EXPECT_TRUE(has(r.out, member)) << "missing " << member << " in " << r.out;
  }
}

TEST(IpCli, JsonComparison) {
  const auto r = ip({"--json", "172.25.254.18/24", "172.25.0.10/24"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, R"("same_network":false)")) << r.out;
  EXPECT_TRUE(has(r.out, R"("reason":"different networks: 172.25.254.0/24 vs 172.25.0.0/24")"))
      << r.out;
  EXPECT_TRUE(has(r.out, R"("first":{)")) << r.out;
  EXPECT_TRUE(has(r.out, R"("second":{)")) << r.out;
}

TEST(IpCli, JsonIpv6HasNullBroadcast) {
  const auto r = ip({"--json", "fe80::1%eth0/64"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, R"("address":"fe80::1%eth0")")) << r.out;
  EXPECT_TRUE(has(r.out, R"("broadcast":null)")) << r.out;
  EXPECT_TRUE(has(r.out, R"("class":null)")) << r.out;
  EXPECT_TRUE(has(r.out, R"("kind":"link-local")")) << r.out;
}

TEST(IpCli, BadAddressIsUsageError) {
  expect_usage_error(ip({"1.2.3"}), "expected 4 dotted numbers");
  expect_usage_error(ip({"1.2.3.256/24"}), "out of range 0-255");
  expect_usage_error(ip({"10.0.0.1/24", "not-an-address"}), "not-an-address");
  expect_usage_error(ip({"10.0.0.1/33"}), "prefix 33 out of range 0-32 for IPv4");
}

TEST(IpCli, NonContiguousMaskIsUsageError) {
  expect_usage_error(ip({"10.0.0.0/255.0.255.0"}), "netmask 255.0.255.0 is not contiguous");
}

TEST(IpCli, MissingArgumentIsUsageError) {
  const auto r = ip({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(r.err.empty());
}

TEST(IpCli, HelpExitsZero) {
  const auto r = ip({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "ADDR[/PREFIX|/MASK]")) << r.out;
  EXPECT_TRUE(has(r.out, "--json")) << r.out;
}

}  // namespace
