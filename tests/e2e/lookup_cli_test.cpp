// `sockit resolve`, `hostname`, `port`, and the command's general contract (help, version,
// exit codes). Only names in /etc/hosts and literals: no test asks a DNS server.
#include <gtest/gtest.h>

#include <algorithm>

#include <unistd.h>

#include "support/process.hpp"

namespace sockit::test {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Cli, HelpVersionAndUsageErrors) {
  const auto help = run_sockit({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* cmd : {"ip", "resolve", "hostname", "port", "ping"}) {
    EXPECT_TRUE(contains(help.out, cmd)) << cmd;
  }
  const auto version = run_sockit({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_TRUE(contains(version.out, "0.1.0"));
  EXPECT_EQ(run_sockit({}).exit_code, 2);
  const auto unknown = run_sockit({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err.rfind("sockit: ", 0), 0u) << unknown.err;
  EXPECT_EQ(std::count(unknown.err.begin(), unknown.err.end(), '\n'), 1);
  const auto bad_flag = run_sockit({"port", "http", "--nope"});
  EXPECT_EQ(bad_flag.exit_code, 2);
  EXPECT_EQ(run_sockit({"resolve", "--help"}).exit_code, 0);
}

TEST(CliResolve, LocalhostFromHostsFile) {
  const auto r = run_sockit({"resolve", "localhost", "-4"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "127.0.0.1\n");
  const auto json = run_sockit({"resolve", "localhost", "-4", "--json"});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_EQ(json.out,
            R"({"name":"localhost","addresses":[{"family":"ipv4","address":"127.0.0.1"}]})"
            "\n");
}

TEST(CliResolve, ReverseLookupOfALiteral) {
  const auto r = run_sockit({"resolve", "127.0.0.1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "localhost\n");
}

TEST(CliResolve, BadNameIsAUsageErrorWithOneLine) {
  const auto r = run_sockit({"resolve", "bad name!"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(contains(r.err, "sockit: bad character in host name 'bad name!'")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

TEST(CliHostname, PrintsTheHostName) {
  const auto r = run_sockit({"hostname"});
  EXPECT_EQ(r.exit_code, 0);
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  EXPECT_EQ(r.out, std::string(name) + "\n");
}

TEST(CliPort, ByNameAndByNumber) {
  const auto http = run_sockit({"port", "http"});
  EXPECT_EQ(http.exit_code, 0);
  EXPECT_TRUE(contains(http.out, "http 80/tcp")) << http.out;
  const auto byport = run_sockit({"port", "22"});
  EXPECT_EQ(byport.exit_code, 0);
  EXPECT_TRUE(contains(byport.out, "ssh 22/tcp")) << byport.out;
  const auto udp = run_sockit({"port", "domain", "--udp", "--json"});
  EXPECT_EQ(udp.exit_code, 0);
  EXPECT_TRUE(contains(udp.out, R"("name":"domain","port":53,"protocol":"udp")")) << udp.out;
}

TEST(CliPort, UnknownServiceAndBadPort) {
  const auto unknown = run_sockit({"port", "no-such-service-xyz"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_TRUE(contains(unknown.err, "no tcp service 'no-such-service-xyz'")) << unknown.err;
  const auto big = run_sockit({"port", "70000"});
  EXPECT_EQ(big.exit_code, 2);
  EXPECT_TRUE(contains(big.err, "out of range")) << big.err;
}

}  // namespace
}  // namespace sockit::test
