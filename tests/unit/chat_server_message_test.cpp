// The server's messages both ways: every encoder's line decodes to the values it was given,
// and encodes back to the same bytes.
#include <gtest/gtest.h>

#include "sockit/chat/protocol/server_message.hpp"

namespace sockit::chat {
namespace {

template <class T>
T round_trip(const std::string& line) {
  const auto m = decode_server_message(line);
  EXPECT_TRUE(m.has_value()) << line;
  if (!m) return {};
  EXPECT_EQ(encode_server_message(*m), line);
  EXPECT_TRUE(std::holds_alternative<T>(*m)) << line;
  return std::holds_alternative<T>(*m) ? std::get<T>(*m) : T{};
}

TEST(ServerMessage, EveryEncoderReadsBackAndWritesTheSameBytes) {
  EXPECT_EQ(round_trip<from_server::Error>(encode_error(Errc::rate_limited, "slow down", "7")),
            (from_server::Error{"rate_limited", "slow down", "7"}));
  EXPECT_EQ(round_trip<from_server::Login>(encode_login_ok(3, "张三", "\"a\"", "ff00")),
            (from_server::Login{3, "张三", "ff00", "\"a\""}));
  EXPECT_EQ(round_trip<from_server::Login>(encode_login_ok(3, "li", "")),
            (from_server::Login{3, "li", "", ""}));
  const from_server::RoomMessage hi{false, 2, "li", "hi \"there\"\n", "dev", 41, 1700000000000};
  EXPECT_EQ(round_trip<from_server::RoomMessage>(
                encode_broadcast(2, "li", "hi \"there\"\n", "dev", 41, 1700000000000)),
            hi);
  const from_server::RoomMessage joined{true, 0, "System", "li(2) joined", "dev", 40, 17};
  EXPECT_EQ(round_trip<from_server::RoomMessage>(encode_system("li(2) joined", "dev", 40, 17)),
            joined);
  EXPECT_EQ(round_trip<from_server::Direct>(encode_direct(2, "li", "psst", 9)),
            (from_server::Direct{2, "li", "psst", 9}));
  EXPECT_EQ(round_trip<from_server::Ack>(encode_ack("12", 41)), (from_server::Ack{"12", 41}));
  EXPECT_EQ(round_trip<from_server::RoomOk>(encode_room_ok(RoomAction::leave, "dev", "1")),
            (from_server::RoomOk{RoomAction::leave, "dev", "1"}));
  EXPECT_EQ(
      round_trip<from_server::MemberOk>(encode_member_ok(MemberAction::kick, "plans", "lisi", "2")),
      (from_server::MemberOk{MemberAction::kick, "plans", "lisi", "2"}));
  EXPECT_EQ(round_trip<from_server::MemberNotice>(
                encode_member_notice(MemberAction::invite, "plans", "zhang")),
            (from_server::MemberNotice{MemberAction::invite, "plans", "zhang"}));
  EXPECT_EQ(round_trip<from_server::Who>(encode_who("dev", {{1, "a"}, {2, "b"}}, "3")),
            (from_server::Who{"dev", {{1, "a"}, {2, "b"}}, "3"}));
  EXPECT_EQ(
      round_trip<from_server::Rooms>(encode_rooms({{"dev", 2, false}, {"plans", 1, true}}, "4")),
      (from_server::Rooms{{{"dev", 2, false}, {"plans", 1, true}}, "4"}));
  const auto history =
      encode_history("dev",
                     {encode_system("li(2) joined", "dev", 40, 17),
                      encode_broadcast(2, "li", "hi \"there\"\n", "dev", 41, 1700000000000)},
                     "5", false);
  EXPECT_EQ(round_trip<from_server::History>(history),
            (from_server::History{"dev", {joined, hi}, false, "5"}));
  EXPECT_EQ(round_trip<from_server::Pong>(encode_pong("6")), (from_server::Pong{"6"}));
  EXPECT_EQ(round_trip<from_server::Bye>(encode_bye()), (from_server::Bye{""}));
}

TEST(ServerMessage, WhatIsNotAServerMessageIsNothing) {
  for (const char* line :
       {"", "not json", "[1]", R"({"type":"teleport"})", R"({"type":"ack","seq":"1"})",
        R"({"type":"broadcast","sender_id":1,"message":"m","room":"r","seq":1,"ts":1})",
        R"({"type":"who","room":"r","users":[{"id":1}]})",
        R"({"type":"history","room":"r","messages":[{"type":"direct"}]})",
        R"({"type":"rooms","rooms":[{"room":"r","members":-1}]})"}) {
    EXPECT_FALSE(decode_server_message(line).has_value()) << line;
  }
  // Fields protocol v1 does not have are ignored; a code this client does not know is kept.
  const auto m =
      decode_server_message(R"({"type":"error","code":"from_the_future","message":"m","x":[1]})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(std::get<from_server::Error>(*m).code, "from_the_future");
}

}  // namespace
}  // namespace sockit::chat
