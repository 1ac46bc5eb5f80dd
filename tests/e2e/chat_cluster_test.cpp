// The chat cluster end to end: Debian's redis-server and several `sockit chat serve --cluster`
// nodes on loopback, started by tests/e2e/chat_cluster.py, which talks to them with Python
// standard-library TCP and WebSocket clients and checks each guarantee of docs/cluster.md.
#include <gtest/gtest.h>

#include <string>

#include "support/e2e_script.hpp"
#include "support/process.hpp"

namespace sockit::test {
namespace {

constexpr const char* kNoRedis = "redis-server is not installed (make test installs it)";

void scenario(const std::string& name, const std::string& expected, std::chrono::seconds timeout) {
  if (!has_tool("redis-server")) GTEST_SKIP() << kNoRedis;
  expect_script("chat_cluster.py", {name, "WORK"}, expected, timeout, name);
}

// tests/e2e/chat_private_rooms.py's whole story with each user on another of three nodes.
TEST(ChatCluster, PrivateRoomsOnThreeNodesLeakNothingAndAKickHoldsOnEveryNode) {
  if (!has_tool("redis-server")) GTEST_SKIP() << kNoRedis;
  expect_script("chat_private_rooms.py", {"WORK", "--cluster"}, "private rooms on three cluster nodes: ok",
                std::chrono::seconds(150), "private_rooms_cluster");
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
