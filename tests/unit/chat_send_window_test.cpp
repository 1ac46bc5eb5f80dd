// The window of recent send ids (exactly-once sends): what it finds, what it forgets, and that
// its size stays within its limits.
#include <gtest/gtest.h>

#include <string>

#include "chat/core/send_window.hpp"

namespace sockit::chat {
namespace {

std::shared_ptr<SendWindow::Ack> ack(std::int64_t seq) { return std::make_shared<SendWindow::Ack>(seq, true); }

TEST(ChatSendWindow, AUsersIdIsFoundWithItsSeqAndOnlyForThatUser) {
  SendWindow w({.per_user = 10, .max_age = std::chrono::seconds(60), .total = 100});
  w.record("alice", "a1", 1000, ack(7));
  ASSERT_TRUE(w.find("alice", "a1", 1001));
  EXPECT_EQ(w.find("alice", "a1", 1001)->seq(), 7);
  EXPECT_FALSE(w.find("bob", "a1", 1001));
  EXPECT_FALSE(w.find("alice", "a2", 1001));
}

TEST(ChatSendWindow, IdsOlderThanTheAgeAreForgotten) {
  SendWindow w({.per_user = 10, .max_age = std::chrono::milliseconds(100), .total = 100});
  w.record("alice", "old", 1000, ack(1));
  w.record("alice", "new", 1090, ack(2));
  EXPECT_TRUE(w.find("alice", "old", 1100));
  EXPECT_FALSE(w.find("alice", "old", 1101));
  EXPECT_TRUE(w.find("alice", "new", 1101));
  EXPECT_EQ(w.size(), 1u);
}

TEST(ChatSendWindow, AUserKeepsItsNewestIdsAndTheWholeWindowItsNewest) {
  SendWindow w({.per_user = 3, .max_age = std::chrono::hours(1), .total = 5});
  for (int i = 0; i < 10; ++i) w.record("alice", "a" + std::to_string(i), 1000 + i, ack(i));
  EXPECT_EQ(w.size(), 3u);
  EXPECT_FALSE(w.find("alice", "a6", 2000));
  EXPECT_TRUE(w.find("alice", "a7", 2000));
  for (int i = 0; i < 3; ++i) w.record("bob", "b" + std::to_string(i), 2000 + i, ack(i));
  EXPECT_EQ(w.size(), 5u);  // alice's oldest went
  EXPECT_FALSE(w.find("alice", "a7", 3000));
  EXPECT_TRUE(w.find("alice", "a9", 3000));
  EXPECT_TRUE(w.find("bob", "b0", 3000));
}

TEST(ChatSendWindow, AResendsAckWaitsUntilTheFirstSendIsKept) {
  SendWindow::Ack pending(5, false);
  int told = 0;
  pending.when_kept([&] { ++told; });
  EXPECT_EQ(told, 0);
  pending.kept();
  EXPECT_EQ(told, 1);
  pending.when_kept([&] { ++told; });  // kept already: at once
  EXPECT_EQ(told, 2);
}

}  // namespace
}  // namespace sockit::chat
