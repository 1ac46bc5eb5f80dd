// Accounts without a server: the book and the private rooms' lists on a temporary chat.db, and
// the login throttle's window.
#include <gtest/gtest.h>

#include "chat/core/login_throttle.hpp"
#include "chat/store/private_rooms.hpp"
#include "sockit/chat/store/accounts.hpp"
#include "support/temp_dir.hpp"

namespace sockit::chat {
namespace {

constexpr ScryptCost kCheap{10, 8, 1};  // fast for tests; the default is 2^15

TEST(ChatAccountBook, ChecksPasswordsAndTokensOfOneAccountPerLookAlike) {
  test::TempDir dir;
  AccountBook book(dir.path());
  book.add("Alice", "s3cret", kCheap);
  EXPECT_THROW(book.add("ALICE", "other", kCheap), account_error);
  EXPECT_THROW(book.add("bob", "", kCheap), account_error);
  EXPECT_EQ(book.registered("alice"), "Alice");
  EXPECT_FALSE(book.registered("bob"));
  EXPECT_TRUE(book.check_password("alice", "s3cret"));
  EXPECT_FALSE(book.check_password("alice", "s3cret "));
  EXPECT_FALSE(book.check_password("bob", "s3cret"));

  const auto token = book.issue_token("Alice", std::chrono::seconds(60));
  EXPECT_EQ(token.size(), 64u);
  EXPECT_TRUE(book.check_token("alice", token));
  EXPECT_FALSE(book.check_token("alice", std::string(64, '0')));
  EXPECT_FALSE(book.check_token("alice", "short"));
  EXPECT_FALSE(book.check_token("bob", token));

  book.set_password("alice", "n3w", kCheap);
  EXPECT_FALSE(book.check_password("alice", "s3cret"));
  EXPECT_TRUE(book.check_password("alice", "n3w"));
  EXPECT_FALSE(book.check_token("alice", token)) << "a new password drops the tokens";

  EXPECT_EQ(book.list().size(), 1u);
  book.remove("ALICE");
  EXPECT_TRUE(book.list().empty());
  EXPECT_THROW(book.remove("alice"), account_error);
  EXPECT_THROW(book.set_password("alice", "x", kCheap), account_error);
}

TEST(ChatAccountBook, TwoBooksOnOneDatabaseSeeEachOthersChanges) {
  test::TempDir dir;
  AccountBook server(dir.path());
  AccountBook admin(dir.path());  // `sockit chat user` while the server runs
  admin.add("carol", "pw", kCheap);
  EXPECT_TRUE(server.check_password("carol", "pw"));
  admin.remove("carol");
  EXPECT_FALSE(server.registered("carol"));
}

TEST(ChatLoginThrottle, FiveFailuresInAMinuteCloseTheAddressAndTheAccount) {
  LoginThrottle t;
  const auto t0 = LoginThrottle::Clock::now();
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(t.wait("10.0.0.1", "alice", t0));
    t.failed("10.0.0.1", "alice", t0 + std::chrono::seconds(i));
  }
  EXPECT_FALSE(t.wait("10.0.0.1", "alice", t0 + std::chrono::seconds(4)));
  t.failed("10.0.0.1", "alice", t0 + std::chrono::seconds(4));
  const auto wait = t.wait("10.0.0.1", "bob", t0 + std::chrono::seconds(5));
  ASSERT_TRUE(wait) << "the address is closed for every account";
  EXPECT_EQ(wait->count(), 55);
  EXPECT_TRUE(t.wait("10.0.0.2", "alice", t0 + std::chrono::seconds(5))) << "and the account for every address";
  EXPECT_FALSE(t.wait("10.0.0.2", "bob", t0 + std::chrono::seconds(5)));
  EXPECT_FALSE(t.wait("10.0.0.1", "alice", t0 + std::chrono::seconds(61))) << "the window slides";
}

TEST(ChatPrivateRooms, KeepOwnerAndMembersAcrossARestart) {
  test::TempDir dir;
  {
    PrivateRooms rooms(dir.path());
    EXPECT_EQ(rooms.access("secret", "alice"), RoomAccess::open);
    ASSERT_TRUE(rooms.reserve("secret", "alice"));
    EXPECT_FALSE(rooms.reserve("secret", "bob")) << "one owner a name";
    EXPECT_EQ(rooms.access("secret", "bob"), RoomAccess::outsider) << "reserved is private at once";
    rooms.create("secret", "Alice", "alice");
    rooms.invite("secret", "Bob", "bob");
    rooms.invite("secret", "Carol", "carol");
    rooms.remove("secret", "carol");
    ASSERT_TRUE(rooms.reserve("lost", "alice"));
    rooms.release("lost");  // its create() failed
    EXPECT_FALSE(rooms.is_private("lost"));
  }
  PrivateRooms rooms(dir.path());  // the server again, after a restart
  EXPECT_TRUE(rooms.is_private("secret"));
  EXPECT_EQ(rooms.access("secret", "alice"), RoomAccess::owner);
  EXPECT_EQ(rooms.access("secret", "bob"), RoomAccess::member);
  EXPECT_EQ(rooms.access("secret", "carol"), RoomAccess::outsider);
  EXPECT_EQ(rooms.access("lobby", "carol"), RoomAccess::open);
}

}  // namespace
}  // namespace sockit::chat
