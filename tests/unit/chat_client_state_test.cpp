// The terminal client's pure part: typed lines to requests, server frames to screen lines.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "sockit/chat/client/client.hpp"

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

// Lines start with the local time; these tests read what follows it.
std::string after_time(const std::string& line) { return line.substr(line.find(' ') + 1); }

TEST(ChatClientState, OwnMessagesAreShownWhenAcknowledgedAndFailuresSaySo) {
  ClientState state;
  const auto sent = state.on_input("hello");
  ASSERT_EQ(sent.send.size(), 1u);
  EXPECT_NE(sent.send[0].find(R"("req":1)"), std::string::npos) << sent.send[0];
  EXPECT_TRUE(sent.print.empty()) << "nothing before the server has it";
  const auto acked = state.on_message(R"({"type":"ack","req":1,"seq":5})");
  ASSERT_EQ(acked.print.size(), 1u);
  EXPECT_EQ(after_time(acked.print[0]), "[you] hello");
  EXPECT_TRUE(state.on_message(R"({"type":"ack","req":1,"seq":5})").print.empty()) << "once";
  state.on_input("/msg bob psst");
  EXPECT_EQ(after_time(state.on_message(R"({"type":"ack","req":2,"seq":0})").print.at(0)), "[you -> bob] psst");
  state.on_input("too fast");
  EXPECT_EQ(state.on_message(R"({"type":"error","code":"rate_limited","message":"slow down","req":3})").print,
            std::vector<std::string>{"! not sent: too fast (rate_limited: slow down)"});
  state.on_input("in flight");
  EXPECT_EQ(state.connection_lost().print,
            std::vector<std::string>{"! not confirmed (the connection was lost): in flight; sent again on reconnect"});
}

// Every message carries a send id; one the server did not acknowledge before the connection
// was lost is sent again, with the same id and req, once logged in again (after the rejoins).
TEST(ChatClientState, AnUnacknowledgedMessageIsResentWithItsIdAfterAReconnect) {
  ClientState state;
  state.login("alice", std::nullopt);
  state.on_message(R"({"type":"login","status":"ok","id":1,"nickname":"alice"})");
  const auto first = state.on_input("hello").send.at(0);
  const auto second = state.on_input("again").send.at(0);
  const auto id_of = [](const std::string& json) {
    const auto at = json.find(R"("id":")");
    return at == std::string::npos ? std::string() : json.substr(at, json.find('"', at + 6) - at + 1);
  };
  ASSERT_FALSE(id_of(first).empty()) << first;
  EXPECT_NE(id_of(first), id_of(second));
  EXPECT_NE(id_of(first), id_of(ClientState().on_input("hello").send.at(0))) << "another client's ids differ";
  state.on_message(R"({"type":"ack","req":2,"seq":7})");  // "again" was acknowledged
  state.connection_lost();
  state.reconnected();
  const auto back = state.on_message(R"({"type":"login","status":"ok","id":2,"nickname":"alice"})");
  ASSERT_FALSE(back.send.empty());
  EXPECT_EQ(back.send.back(), first) << "the same request, id and req";
  EXPECT_EQ(std::count(back.send.begin(), back.send.end(), second), 0);
  EXPECT_EQ(after_time(state.on_message(R"({"type":"ack","req":1,"seq":5})").print.at(0)), "[you] hello");
}

TEST(ChatClientState, DirectMessagesRingAndOtherRoomsAreTagged) {
  ClientState state;
  const auto direct = state.on_message(R"({"type":"direct","sender_id":2,"sender_nickname":"bob","message":"psst"})");
  EXPECT_TRUE(direct.bell);
  EXPECT_EQ(after_time(direct.print.at(0)), "[bob(2) -> you] psst");
  const auto elsewhere = state.on_message(
      R"({"type":"broadcast","sender_id":2,"sender_nickname":"bob","message":"hi","room":"dev","seq":1})");
  EXPECT_FALSE(elsewhere.bell);
  EXPECT_EQ(after_time(elsewhere.print.at(0)), "#dev [bob(2)] hi");
}

TEST(ChatClientState, HistoryIsFramedAndRepeatsNothingOnScreen) {
  ClientState state;
  state.on_message(R"({"type":"broadcast","sender_id":2,"sender_nickname":"bob","message":"two","room":"lobby","seq":2})");
  const auto h = state.on_message(
      R"({"type":"history","room":"lobby","messages":[)"
      R"({"type":"broadcast","sender_id":2,"sender_nickname":"bob","message":"one","room":"lobby","seq":1},)"
      R"({"type":"broadcast","sender_id":2,"sender_nickname":"bob","message":"two","room":"lobby","seq":2}]})");
  ASSERT_EQ(h.print.size(), 3u);
  EXPECT_EQ(h.print[0], "— history of #lobby —");
  EXPECT_EQ(after_time(h.print[1]), "[bob(2)] one");
  EXPECT_EQ(h.print[2], "— live —");
  EXPECT_EQ(state.on_message(R"({"type":"history","room":"lobby","messages":[)"
                             R"({"type":"broadcast","sender_id":2,"sender_nickname":"bob","message":"one","room":"lobby","seq":1}]})")
                .print,
            std::vector<std::string>{"* #lobby: nothing new; the last 1 are on screen"});
  EXPECT_EQ(state.on_message(R"({"type":"history","room":"lobby","messages":[],"stored":false})").print,
            std::vector<std::string>{"* this server keeps no history (it runs with --data none)"});
}

TEST(ChatClientState, AfterALostConnectionItLogsInRejoinsAndShowsOnlyWhatWasMissed) {
  ClientState state;
  EXPECT_TRUE(state.reconnected().send.empty()) << "never logged in: nothing to resume";
  state.login("alice", "pw");
  state.on_message(R"({"type":"login","status":"ok","id":1,"nickname":"alice"})");
  state.on_input("/join dev");
  state.on_message(R"({"type":"join","room":"dev","status":"ok"})");
  state.on_message(R"({"type":"broadcast","sender_id":2,"sender_nickname":"bob","message":"seen","room":"dev","seq":4})");
  state.connection_lost();
  EXPECT_EQ(state.reconnected().send,
            std::vector<std::string>{"{\"type\":\"login\",\"nickname\":\"alice\",\"password\":\"pw\"}\n"});
  const auto in = state.on_message(R"({"type":"login","status":"ok","id":3,"nickname":"alice"})");
  EXPECT_NE(in.print.at(0).find("back after a lost connection"), std::string::npos);
  EXPECT_EQ(in.send, (std::vector<std::string>{"{\"type\":\"join\",\"room\":\"dev\"}\n",
                                               "{\"type\":\"history\",\"room\":\"dev\",\"limit\":100}\n",
                                               "{\"type\":\"history\",\"room\":\"lobby\",\"limit\":100}\n"}));
  EXPECT_TRUE(state.on_message(R"({"type":"join","room":"dev","status":"ok"})").print.empty());
  EXPECT_EQ(state.room(), "dev");
  const auto missed = state.on_message(
      R"({"type":"history","room":"dev","messages":[)"
      R"({"type":"broadcast","sender_id":2,"sender_nickname":"bob","message":"old","room":"dev","seq":3},)"
      R"({"type":"broadcast","sender_id":2,"sender_nickname":"bob","message":"new","room":"dev","seq":5}]})");
  ASSERT_EQ(missed.print.size(), 3u);
  EXPECT_EQ(missed.print[0], "— missed in #dev while away —");
  EXPECT_EQ(after_time(missed.print[1]), "[bob(2)] new");
}

TEST(ChatClientState, CompletesCommandsNicknamesAndRooms) {
  ClientState state;
  state.on_message(R"({"type":"who","room":"lobby","users":[{"id":1,"nickname":"bob"},{"id":2,"nickname":"bella"}]})");
  state.on_message(R"({"type":"rooms","rooms":[{"room":"dev","members":1},{"room":"design","members":2}]})");
  EXPECT_EQ(state.complete("", "/j"), std::vector<std::string>{"/join"});
  EXPECT_EQ(state.complete("/msg ", "b"), (std::vector<std::string>{"bella", "bob"}));
  EXPECT_EQ(state.complete("/join ", "de"), (std::vector<std::string>{"design", "dev"}));
  EXPECT_EQ(state.complete("hi ", "#de"), (std::vector<std::string>{"#design", "#dev"}));
}

TEST(ChatClientState, TimesAreHoursAndMinutesTodayAndCarryTheDateOtherwise) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  const std::int64_t noon = 1764676800000;  // 2025-12-02 12:00 UTC
  EXPECT_EQ(clock_time(noon + 5 * 60000, noon), "12:05");
  EXPECT_EQ(clock_time(noon - 24 * 3600000, noon), "2025-12-01 12:00");
}

}  // namespace
}  // namespace sockit::chat
