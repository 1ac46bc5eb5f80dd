// Protocol v1's requests and their answers, in process: Sessions over MemoryTransports, the
// test the peers. Moved from the binary-driven tests (Chat.EveryRequestType,
// Chat.ErrorsThatKeepTheConnectionOpen, ChatSafety.LookAlikeNicknamesAreTakenAndSayByWhom):
// the same requests, the same expected answers, without a process, a port or Python. End to
// end, ChatWeb.EveryRequestTypeWorksOverWebSocket still speaks every request to the binary.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include "support/chat_session.hpp"

namespace sockit::chat {
namespace {

using Peer = test::SessionTest::Peer;

class ChatSessionRequests : public test::SessionTest {};

TEST_F(ChatSessionRequests, EveryRequestType) {
  Peer& a = connect();
  Peer& b = connect();
  login(a, "alice");
  login(b, "bob");
  a.transport.send(R"({"type":"ping","req":1})");
  EXPECT_EQ(next_text(a, "pong"), R"({"type":"pong","req":1})");
  a.transport.send(R"({"type":"join","room":"dev","req":"j"})");
  EXPECT_EQ(next_text(a, "join"), R"({"type":"join","room":"dev","status":"ok","req":"j"})");
  EXPECT_EQ(next_type(a, "system").at("message"), "alice(1) joined");
  a.transport.send(R"({"type":"who","room":"lobby","req":2})");
  EXPECT_EQ(next_text(a, "who"),
            R"({"type":"who","room":"lobby","users":[{"id":1,"nickname":"alice"},)"
            R"({"id":2,"nickname":"bob"}],"req":2})");
  a.transport.send(R"({"type":"rooms"})");
  EXPECT_EQ(next_text(a, "rooms"),
            R"({"type":"rooms","rooms":[{"room":"dev","members":1},{"room":"lobby","members":2}]})");
  b.transport.send(R"({"type":"join","room":"dev"})");
  next_type(b, "join");
  a.transport.send(R"({"type":"broadcast","room":"dev","message":"in dev","req":3})");
  EXPECT_EQ(next_type(a, "ack").at("req"), 3);
  const auto m = next_type(b, "broadcast");
  EXPECT_EQ(m.at("room"), "dev");
  EXPECT_EQ(m.at("message"), "in dev");
  a.transport.send(R"({"type":"direct","to":"bob","message":"psst"})");
  const auto d = next_type(b, "direct");
  EXPECT_EQ(d.at("sender_nickname"), "alice");
  EXPECT_EQ(d.at("message"), "psst");
  EXPECT_FALSE(d.contains("room"));
  a.transport.send(R"({"type":"leave","room":"dev","req":4})");
  EXPECT_EQ(next_text(a, "leave"), R"({"type":"leave","room":"dev","status":"ok","req":4})");
  a.transport.send(R"({"type":"history","room":"dev","limit":10})");
  EXPECT_EQ(next_type(a, "history").at("messages").as_array().size(), 0U);
  a.transport.send(R"({"type":"logout","req":5})");
  EXPECT_EQ(next_text(a, "bye"), R"({"type":"bye","req":5})");
  EXPECT_TRUE(closed(a));
  end_all();
}

TEST_F(ChatSessionRequests, ErrorsThatKeepTheConnectionOpen) {
  limits.max_message_bytes = 10;
  Peer& a = connect();
  const auto err = [&](const std::string& frame) {
    a.transport.send(frame);
    return next_error(a);
  };
  a.transport.send_bytes("{not json}\n");
  EXPECT_EQ(next_error(a), "bad_json");
  EXPECT_EQ(err(R"({"type":"broadcast","message":"x","req":1})"), "not_logged_in/1");
  EXPECT_EQ(err(R"({"type":"login","nickname":"","req":2})"), "nickname_invalid/2");
  EXPECT_EQ(err(R"({"type":"login","nickname":"   "})"), "nickname_invalid");
  EXPECT_EQ(err(R"({"type":"frobnicate"})"), "unknown_type");
  EXPECT_EQ(err(R"({"type":"login"})"), "bad_request");
  login(a, "carol");
  EXPECT_EQ(err(R"({"type":"login","nickname":"again"})"), "already_logged_in");
  Peer& b = connect();
  b.transport.send(R"({"type":"login","nickname":"carol"})");
  EXPECT_EQ(next_error(b), "nickname_taken");
  EXPECT_EQ(err(R"({"type":"broadcast","message":")" + std::string(11, 'x') + R"("})"),
            "message_too_long");
  EXPECT_EQ(err(R"({"type":"direct","to":"nobody","message":"hi"})"), "no_such_user");
  EXPECT_EQ(err(R"({"type":"broadcast","room":"dev","message":"hi"})"), "not_in_room");
  EXPECT_EQ(err(R"({"type":"join","room":"bad room"})"), "room_invalid");
  EXPECT_EQ(err(R"({"type":"broadcast","sender_id":99,"message":"forged"})"), "forbidden");
  a.transport.send(R"({"type":"ping"})");
  EXPECT_EQ(next_type(a, "pong").at("type"), "pong");
  EXPECT_FALSE(a.ended);
  end_all();
}

// A nickname that differs from a taken one only by case, spaces or a look-alike letter
// (Cyrillic, full width) is taken, and the refusal says by whom; System cannot be imitated.
// The lookup of a direct message's recipient folds the same way.
TEST_F(ChatSessionRequests, LookAlikeNicknamesAreTakenAndSayByWhom) {
  Peer& a = connect();
  login(a, "Alice");
  std::vector<std::string> got;
  for (const char* nick :
       {"alice", "ALICE", " Alice ", "Аlice", "Ａlice", "System ", "ｓｙｓｔｅｍ"}) {
    Peer& c = connect();
    c.transport.send(R"({"type":"login","nickname":")" + std::string(nick) + R"("})");
    const auto e = next_type(c, "error");
    got.push_back(std::string(e.at("code").as_string()) + " " +
                  std::string(e.at("message").as_string()));
    c.transport.abort();
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "nickname_taken nickname 'alice' is too close to 'Alice'",
                     "nickname_taken nickname 'ALICE' is too close to 'Alice'",
                     "nickname_taken nickname 'Alice' is taken",
                     "nickname_taken nickname 'Аlice' is too close to 'Alice'",
                     "nickname_taken nickname 'Ａlice' is too close to 'Alice'",
                     "nickname_taken nickname 'System' looks like System",
                     "nickname_taken nickname 'ｓｙｓｔｅｍ' looks like System",
                 }));
  Peer& b = connect();
  EXPECT_GT(login(b, "Bob"), 0);
  b.transport.send(R"({"type":"direct","to":"alice","message":"hi","req":1})");
  EXPECT_EQ(next_type(b, "ack").at("req"), 1);
  EXPECT_EQ(next_type(a, "direct").at("message"), "hi");
  end_all();
}

}  // namespace
}  // namespace sockit::chat
