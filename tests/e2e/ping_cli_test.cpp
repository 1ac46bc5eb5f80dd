// `sockit ping` against 127.0.0.1 only.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/process.hpp"

namespace sockit::test {
namespace {

bool icmp_permitted() {
  for (int type : {SOCK_RAW, SOCK_DGRAM}) {
    const int fd = ::socket(AF_INET, type, IPPROTO_ICMP);
    if (fd >= 0) {
      ::close(fd);
      return true;
    }
  }
  return false;
}

TEST(CliPing, LoopbackAnswersEveryRequest) {
  if (!icmp_permitted()) GTEST_SKIP() << "neither raw nor ICMP datagram sockets are permitted";
  const auto r = run_sockit({"ping", "127.0.0.1", "-c", "3", "-i", "0.1", "-W", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("PING 127.0.0.1 (127.0.0.1): 56 data bytes"), std::string::npos) << r.out;
  for (int seq = 1; seq <= 3; ++seq) {
    EXPECT_NE(r.out.find("64 bytes from 127.0.0.1: icmp_seq=" + std::to_string(seq)),
              std::string::npos)
        << r.out;
  }
  EXPECT_NE(r.out.find("3 packets transmitted, 3 received, 0% packet loss"), std::string::npos);
  EXPECT_NE(r.out.find("rtt min/avg/max/mdev = "), std::string::npos);
}

TEST(CliPing, PayloadSizeShowsInReplies) {
  if (!icmp_permitted()) GTEST_SKIP() << "neither raw nor ICMP datagram sockets are permitted";
  const auto r = run_sockit({"ping", "127.0.0.1", "-c", "1", "-s", "100"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("108 bytes from 127.0.0.1"), std::string::npos) << r.out;
}

TEST(CliPing, SigintPrintsTheSummary) {
  if (!icmp_permitted()) GTEST_SKIP() << "neither raw nor ICMP datagram sockets are permitted";
  Child ping(sockit_argv({"ping", "127.0.0.1", "-c", "0", "-i", "0.1"}));
  ASSERT_TRUE(ping.read_until("icmp_seq=2"));
  ping.signal(SIGINT);
  const auto code = ping.wait();
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
  EXPECT_NE(ping.drain_out().find("packets transmitted"), std::string::npos);
}

TEST(CliPing, BadInputIsAUsageError) {
  EXPECT_EQ(run_sockit({"ping", "bad host!", "-c", "1"}).exit_code, 2);
  EXPECT_EQ(run_sockit({"ping", "127.0.0.1", "-c", "-1"}).exit_code, 2);
  EXPECT_EQ(run_sockit({"ping"}).exit_code, 2);
}

}  // namespace
}  // namespace sockit::test
