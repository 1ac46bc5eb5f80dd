// The terminal client's pure part: typed lines to requests, server frames to screen lines.
#include <gtest/gtest.h>

#include "sockit/chat/client.hpp"

namespace sockit::chat {
namespace {

TEST(ChatClientState, LogsInWithAPasswordOnlyWhenGivenOne) {
  ClientState state;
  EXPECT_EQ(state.login("alice", std::nullopt).send,
            std::vector<std::string>{"{\"type\":\"login\",\"nickname\":\"alice\"}\n"});
  EXPECT_EQ(state.login("alice", "pw").send,
            std::vector<std::string>{"{\"type\":\"login\",\"nickname\":\"alice\",\"password\":\"pw\"}\n"});
}

TEST(ChatClientState, PrivateRoomCommandsAndTheirAnswers) {
  ClientState state;
  EXPECT_EQ(state.on_input("/private secret").send,
            std::vector<std::string>{"{\"type\":\"join\",\"room\":\"secret\",\"private\":true}\n"});
  EXPECT_EQ(state.room(), "secret");
  EXPECT_EQ(state.on_input("/invite bob").send,
            std::vector<std::string>{"{\"type\":\"invite\",\"room\":\"secret\",\"nickname\":\"bob\"}\n"});
  EXPECT_EQ(state.on_input("/kick bob").send,
            std::vector<std::string>{"{\"type\":\"kick\",\"room\":\"secret\",\"nickname\":\"bob\"}\n"});
  EXPECT_EQ(state.on_message(R"({"type":"invite","room":"secret","nickname":"bob","status":"ok"})").print,
            std::vector<std::string>{"* invited bob to #secret"});
  EXPECT_EQ(state.on_message(R"({"type":"invited","room":"den","by":"carol"})").print,
            std::vector<std::string>{"* carol invited you to #den (/join den)"});
  EXPECT_EQ(state.on_message(R"({"type":"rooms","rooms":[{"room":"lobby","members":2},)"
                             R"({"room":"secret","members":1,"private":true}]})")
                .print,
            std::vector<std::string>{"* rooms: lobby (2), secret (1, private)"});
  EXPECT_EQ(state.on_message(R"({"type":"kicked","room":"secret","by":"carol"})").print,
            std::vector<std::string>{"* carol removed you from #secret"});
  EXPECT_EQ(state.room(), "lobby") << "lines no longer go to a room one was removed from";
}

}  // namespace
}  // namespace sockit::chat
