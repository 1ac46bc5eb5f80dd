// The chat cluster end to end: Debian's redis-server and several `sockit chat serve --cluster`
// nodes on loopback, started by tests/e2e/chat_cluster.py, which talks to them with Python
// standard-library TCP and WebSocket clients and checks each guarantee of docs/cluster.md.
#include <gtest/gtest.h>

#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace sockit::test {
namespace {

void scenario(const std::string& name, const std::string& expected, std::chrono::seconds timeout) {
  if (!has_tool("redis-server")) GTEST_SKIP() << "redis-server is not installed (make test installs it)";
  TempDir dir("sockit-cluster");
  const auto r = run({"python3", std::string(SOCKIT_TEST_DIR) + "/e2e/chat_cluster.py", SOCKIT_BINARY,
                      name, dir.path().string()},
                     {}, timeout);
  EXPECT_FALSE(r.timed_out) << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(expected), std::string::npos) << r.out << r.err;
  ::testing::Test::RecordProperty(name, r.out);
}

// tests/e2e/chat_private_rooms.py's whole story with each user on another of three nodes.
TEST(ChatCluster, PrivateRoomsOnThreeNodesLeakNothingAndAKickHoldsOnEveryNode) {
  if (!has_tool("redis-server")) GTEST_SKIP() << "redis-server is not installed (make test installs it)";
  TempDir dir("sockit-cluster");
  const auto r = run({"python3", std::string(SOCKIT_TEST_DIR) + "/e2e/chat_private_rooms.py", SOCKIT_BINARY,
                      dir.path().string(), "--cluster"},
                     {}, std::chrono::seconds(150));
  EXPECT_FALSE(r.timed_out) << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("private rooms on three cluster nodes: ok"), std::string::npos) << r.out << r.err;
}

TEST(ChatCluster, ThreeNodesShareWhoRoomsMessagesDirectNicknamesAndHistory) {
  scenario("basics", "basics: ok", std::chrono::seconds(120));
}

TEST(ChatCluster, TenThousandMessagesFromTenPublishersOnThreeNodesArriveOnceInOneOrder) {
  scenario("order", "exactly once, in one seq order", std::chrono::seconds(300));
}

TEST(ChatCluster, AKilledNodesUsersLeaveWithinTheNodeTtlAndNothingAckedIsLost) {
  scenario("kill9", "reached the survivors exactly once", std::chrono::seconds(200));
}

TEST(ChatCluster, ANodeRestartedAtOnceWithItsIdRemovesItsEarlierRunsUsersBeforeItTakesLogins) {
  scenario("restart", "who is clean, their nicknames are free", std::chrono::seconds(120));
}

TEST(ChatCluster, RedisOutOfMemoryRefusesWritesButDisconnectsAndRemovesNobody) {
  scenario("redis-oom", "none left, messages flow", std::chrono::seconds(120));
}

TEST(ChatCluster, ARedisRestartLosesNoAckedMessageAndKeepsConnectionsOpen) {
  scenario("redis-restart", "exactly once", std::chrono::seconds(200));
}

TEST(ChatCluster, TwoNodesRacingForANicknameLetExactlyOneWin) {
  scenario("race", "exactly one won each", std::chrono::seconds(120));
}

TEST(ChatCluster, ASendResentWithItsIdIsDeliveredOnceOnAnyNodeAndAfterAnUnavailableAnswer) {
  scenario("resend", "delivered once", std::chrono::seconds(120));
}

TEST(ChatCluster, AccountsLiveInRedisATokenWorksOnEveryNodeAndUserChangesApplyAtOnce) {
  scenario("accounts", "take effect on the running nodes at once", std::chrono::seconds(120));
}

TEST(ChatCluster, ANodeSubscribesToItsRoomsOnlyAndAgainAfterARedisRestart) {
  scenario("subscriptions", "messages flow both ways", std::chrono::seconds(120));
}

TEST(ChatCluster, TheDocumentedNginxConfigSpreadsTcpAndWebSocketUsersOverTheNodes) {
  if (!has_tool("nginx")) GTEST_SKIP() << "nginx is not installed (make test installs it)";
  scenario("nginx", "they chat as one room", std::chrono::seconds(120));
}

}  // namespace
}  // namespace sockit::test
