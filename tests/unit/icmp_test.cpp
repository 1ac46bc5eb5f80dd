// ICMP echo packets and ping statistics: pure, no sockets.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "sockit/tools/icmp.hpp"
#include "sockit/tools/ping.hpp"

namespace sockit {
namespace {

using namespace std::chrono_literals;

TEST(Icmp, ChecksumMatchesRfc1071Example) {
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to 0xddf2; the checksum is ~0xddf2.
  const std::string bytes("\x00\x01\xf2\x03\xf4\xf5\xf6\xf7", 8);
  EXPECT_EQ(icmp::checksum(bytes), static_cast<std::uint16_t>(~0xddf2 & 0xffff));
  EXPECT_EQ(icmp::checksum(""), 0xffff);
  EXPECT_EQ(icmp::checksum(std::string("\x01", 1)), static_cast<std::uint16_t>(~0x0100 & 0xffff));
}

TEST(Icmp, RequestHasTypeIdSeqAndAValidChecksum) {
  const auto packet = icmp::echo_request(false, 0x1234, 7, "abc");
  ASSERT_EQ(packet.size(), 11u);
  EXPECT_EQ(static_cast<unsigned char>(packet[0]), icmp::echo_request_v4);
  EXPECT_EQ(static_cast<unsigned char>(packet[4]), 0x12);
  EXPECT_EQ(static_cast<unsigned char>(packet[5]), 0x34);
  EXPECT_EQ(static_cast<unsigned char>(packet[7]), 7);
  EXPECT_EQ(icmp::checksum(packet), 0);  // a valid packet sums to zero
  EXPECT_EQ(packet.substr(8), "abc");
}

std::string as_reply(std::string packet) {
  packet[0] = static_cast<char>(icmp::echo_reply_v4);
  packet[2] = packet[3] = 0;
  const auto sum = icmp::checksum(packet);
  packet[2] = static_cast<char>(sum >> 8);
  packet[3] = static_cast<char>(sum & 0xff);
  return packet;
}

TEST(Icmp, ParsesARepliesWithAndWithoutIpHeader) {
  const auto reply = as_reply(icmp::echo_request(false, 42, 3, std::string(56, 'x')));
  const auto bare = icmp::parse_echo_reply(reply, false, false);
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->id, 42);
  EXPECT_EQ(bare->seq, 3);
  EXPECT_EQ(bare->icmp_bytes, 64u);
  EXPECT_EQ(bare->ttl, -1);

  std::string ip(20, '\0');
  ip[0] = 0x45;  // IPv4, 5 words
  ip[8] = 64;    // TTL
  const auto full = icmp::parse_echo_reply(ip + reply, false, true);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->ttl, 64);
  EXPECT_EQ(full->seq, 3);
}

TEST(Icmp, IgnoresRequestsCorruptAndTruncatedPackets) {
  const auto request = icmp::echo_request(false, 1, 1, "payload");
  EXPECT_FALSE(icmp::parse_echo_reply(request, false, false));  // our own request seen on lo
  auto corrupt = as_reply(request);
  corrupt.back() ^= 0x55;
  EXPECT_FALSE(icmp::parse_echo_reply(corrupt, false, false));
  EXPECT_FALSE(icmp::parse_echo_reply(std::string(5, '\0'), false, false));
  EXPECT_FALSE(icmp::parse_echo_reply(std::string(19, '\x45'), false, true));
  std::string v6 = icmp::echo_request(true, 9, 2, "");
  EXPECT_FALSE(icmp::parse_echo_reply(v6, true, false));
  v6[0] = static_cast<char>(icmp::echo_reply_v6);
  const auto r6 = icmp::parse_echo_reply(v6, true, false);
  ASSERT_TRUE(r6);
  EXPECT_EQ(r6->seq, 2);
}

TEST(PingStats, SummarisesLikePing) {
  const auto s = ping_stats(4, {1000us, 2000us, 3000us});
  EXPECT_EQ(s.sent, 4);
  EXPECT_EQ(s.received, 3);
  EXPECT_DOUBLE_EQ(s.loss_percent, 25.0);
  EXPECT_DOUBLE_EQ(s.min_ms, 1.0);
  EXPECT_DOUBLE_EQ(s.avg_ms, 2.0);
  EXPECT_DOUBLE_EQ(s.max_ms, 3.0);
  EXPECT_NEAR(s.mdev_ms, 0.8165, 1e-3);
  const auto none = ping_stats(2, {});
  EXPECT_DOUBLE_EQ(none.loss_percent, 100.0);
}

}  // namespace
}  // namespace sockit
