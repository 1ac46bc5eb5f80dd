// The chat protocol without sockets: JsonFramer over every way a stream can be cut, the
// request parser with every error it produces, and the exact text of every answer.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "sockit/chat/protocol/framing.hpp"
#include "sockit/chat/protocol/protocol.hpp"

namespace sockit::chat {
namespace {

using Status = JsonFramer::Result::Status;

// One framer event, printable by gtest: "frame:{...}", "bad_json" or "too_large".
std::vector<std::string> drain(JsonFramer& framer) {
  std::vector<std::string> events;
  for (auto result = framer.next(); result.status != Status::need_more; result = framer.next()) {
    switch (result.status) {
      case Status::frame:
        events.push_back("frame:" + result.frame);
        break;
      case Status::bad_json:
        events.emplace_back("bad_json");
        break;
      case Status::too_large:
        events.emplace_back("too_large");
        break;
      case Status::need_more:
        break;
    }
  }
  return events;
}

std::vector<std::string> events_of(std::string_view stream, std::size_t max = 65536) {
  JsonFramer framer(max);
  framer.feed(stream);
  return drain(framer);
}

// Feeds `stream` in two pieces cut at `cut`, draining after each.
std::vector<std::string> events_cut_at(std::string_view stream, std::size_t cut) {
  JsonFramer framer;
  framer.feed(stream.substr(0, cut));
  auto events = drain(framer);
  framer.feed(stream.substr(cut));
  for (auto& event : drain(framer)) events.push_back(std::move(event));
  return events;
}

std::vector<std::string> events_byte_by_byte(std::string_view stream) {
  JsonFramer framer;
  std::vector<std::string> events;
  for (const char c : stream) {
    framer.feed(std::string_view(&c, 1));
    for (auto& event : drain(framer)) events.push_back(std::move(event));
  }
  return events;
}

TEST(JsonFramer, SplitsNewlineSeparatedObjects) {
  EXPECT_EQ(events_of("{\"a\":1}\n{\"b\":2}\n"),
            (std::vector<std::string>{"frame:{\"a\":1}", "frame:{\"b\":2}"}));
}

TEST(JsonFramer, SplitsObjectsSeparatedByOtherWhitespace) {
  EXPECT_EQ(events_of(" \t{\"a\":1}\r\n \t{\"b\":2}  "),
            (std::vector<std::string>{"frame:{\"a\":1}", "frame:{\"b\":2}"}));
}

TEST(JsonFramer, SplitsObjectsBackToBack) {
  EXPECT_EQ(events_of("{\"a\":1}{\"b\":2}{}"),
            (std::vector<std::string>{"frame:{\"a\":1}", "frame:{\"b\":2}", "frame:{}"}));
}

// What the seed's Python client writes: json.dumps with its default ", " and ": " separators
// and ensure_ascii escapes, one object after another with nothing between them.
TEST(JsonFramer, SplitsTheSeedClientsStream) {
  const std::string login = R"({"type": "login", "nickname": "zhangsan"})";
  const std::string hello = R"({"type": "broadcast", "sender_id": 1, "message": "hello"})";
  const std::string nihao = R"({"type": "broadcast", "sender_id": 1, "message": "\u4f60\u597d"})";
  EXPECT_EQ(events_of(login + hello + nihao),
            (std::vector<std::string>{"frame:" + login, "frame:" + hello, "frame:" + nihao}));
  EXPECT_EQ(parse_request(nihao, {}).request, Request(Broadcast{"lobby", "你好", 1}));
  const auto with_id = R"({"type":"broadcast","message":"hi","id":")" + std::string(64, 'x') + "\"}";
  EXPECT_EQ(parse_request(with_id, {}).request, Request(Broadcast{"lobby", "hi", std::nullopt, std::string(64, 'x')}));
}

TEST(JsonFramer, GivesTheSameEventsWhereverTheStreamIsCut) {
  const std::string stream =
      "{\"type\":\"login\",\"nickname\":\"a{b}\"}\n{\"m\":\"q\\\"}{\\\\\"}"
      "  {\"n\":{\"o\":{}}}garbage\n{\"u\":\"\\u007b\"}]{\"x\":\"你好\"}\r\n";
  const auto whole = events_of(stream);
  ASSERT_EQ(whole.size(), 7u);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    EXPECT_EQ(events_cut_at(stream, cut), whole) << "cut at " << cut;
  }
  EXPECT_EQ(events_byte_by_byte(stream), whole);
}

TEST(JsonFramer, CountsNestedBraces) {
  EXPECT_EQ(
      events_of(R"({"a":{"b":{"c":[{},{"d":{}}]}}}{"e":1})"),
      (std::vector<std::string>{R"(frame:{"a":{"b":{"c":[{},{"d":{}}]}}})", R"(frame:{"e":1})"}));
}

TEST(JsonFramer, IgnoresBracesAndEscapedQuotesInStrings) {
  EXPECT_EQ(events_of(R"({"m":"}}}{"}{"m":"say \"}\" now"})"),
            (std::vector<std::string>{R"(frame:{"m":"}}}{"})", R"(frame:{"m":"say \"}\" now"})"}));
  // An escaped backslash does not escape the quote after it.
  EXPECT_EQ(events_of(R"({"m":"a\\"}{"m":"\\\"}"})"),
            (std::vector<std::string>{R"(frame:{"m":"a\\"})", R"(frame:{"m":"\\\"}"})"}));
}

TEST(JsonFramer, PassesUnicodeEscapesAndRawUtf8Through) {
  const std::string text = R"({"m":"\u007b\u007d \ud83d\ude00 😀 \\u"})";
  EXPECT_EQ(events_of(text + text), (std::vector<std::string>{"frame:" + text, "frame:" + text}));
}

TEST(JsonFramer, AcceptsAnObjectOfExactlyTheLimit) {
  EXPECT_EQ(events_of(R"({"a":"12345678"})", 16),
            (std::vector<std::string>{R"(frame:{"a":"12345678"})"}));
}

TEST(JsonFramer, RefusesAnOversizeObjectBeforeItEnds) {
  JsonFramer framer(16);
  framer.feed(R"({"a":"1)");
  EXPECT_EQ(framer.next().status, Status::need_more);
  framer.feed("2345678901");  // 17 bytes, still open
  EXPECT_EQ(framer.next().status, Status::too_large);
  EXPECT_TRUE(framer.failed());
  framer.feed("\"}{\"b\":1}");
  EXPECT_EQ(framer.next().status, Status::need_more);
  EXPECT_EQ(framer.pending(), 0u);
}

TEST(JsonFramer, ReportsGarbageOnceAndResynchronises) {
  EXPECT_EQ(events_of("hello world\n{\"a\":1}"),
            (std::vector<std::string>{"bad_json", "frame:{\"a\":1}"}));
  EXPECT_EQ(events_of("]{\"a\":1}42 {\"b\":2}}\n"),
            (std::vector<std::string>{"bad_json", "frame:{\"a\":1}", "bad_json", "frame:{\"b\":2}",
                                      "bad_json"}));
  JsonFramer framer;
  framer.feed("hel");
  EXPECT_EQ(drain(framer), std::vector<std::string>{"bad_json"});
  framer.feed("lo again\n");
  EXPECT_TRUE(drain(framer).empty());
  framer.feed("{}");
  EXPECT_EQ(drain(framer), std::vector<std::string>{"frame:{}"});
  EXPECT_FALSE(framer.failed());
}

TEST(JsonFramer, CountsPendingBytes) {
  JsonFramer framer;
  framer.feed("{\"a\":1}  {\"b\"");
  EXPECT_EQ(framer.pending(), 13u);
  EXPECT_EQ(framer.next().frame, "{\"a\":1}");
  EXPECT_EQ(framer.next().status, Status::need_more);
  EXPECT_EQ(framer.pending(), 4u);  // the whitespace is skipped
}

TEST(JsonFramer, StaysLinearOnAStreamFedOneByteAtATime) {
  std::string stream;
  for (int i = 0; i < 10000; ++i) stream += R"({"type":"broadcast","message":"m"})";
  std::size_t frames = 0;
  JsonFramer framer;
  for (const char c : stream) {
    framer.feed(std::string_view(&c, 1));
    while (framer.next().status == Status::frame) ++frames;
  }
  EXPECT_EQ(frames, 10000u);
  EXPECT_EQ(framer.pending(), 0u);
}

// ---- Errors -----------------------------------------------------------------------------

TEST(ChatErrc, HasTheSpecsNames) {
  const std::vector<std::string_view> names{
      "bad_json",          "bad_request",     "unknown_type",     "not_logged_in",
      "already_logged_in", "nickname_taken",  "nickname_invalid", "message_too_long",
      "rate_limited",      "no_such_user",    "not_in_room",      "room_invalid",
      "forbidden",         "frame_too_large", "server_full",      "login_timeout",
      "slow_consumer",     "shutting_down",   "store_unavailable", "cluster_unavailable", "auth_failed"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(code_name(static_cast<Errc>(i + 1)), names[i]);
  }
  EXPECT_EQ(code_name(static_cast<Errc>(0)), "unknown");
  EXPECT_EQ(code_name(static_cast<Errc>(22)), "unknown");
}

TEST(ChatErrc, ClosesTheConnectionOnlyWhereTheSpecSays) {
  for (int value = 1; value <= 21; ++value) {
    const auto code = static_cast<Errc>(value);
    const bool closes = code == Errc::frame_too_large || code == Errc::server_full ||
                        code == Errc::login_timeout || code == Errc::slow_consumer ||
                        code == Errc::shutting_down;
    EXPECT_EQ(closes_connection(code), closes) << code_name(code);
  }
}

TEST(ChatErrc, IsAnErrorCodeOfItsOwnCategory) {
  const std::error_code ec = Errc::nickname_taken;
  EXPECT_EQ(&ec.category(), &chat_category());
  EXPECT_STREQ(ec.category().name(), "sockit.chat");
  EXPECT_EQ(ec.message(), "that nickname is in use");
  EXPECT_EQ(ec, make_error_code(Errc::nickname_taken));
  EXPECT_NE(ec, make_error_code(Errc::forbidden));
}

// ---- Requests ---------------------------------------------------------------------------

Parsed parse(std::string_view frame, std::size_t max_message_bytes = 4096) {
  return parse_request(frame, Limits{max_message_bytes});
}

struct GoodCase {
  std::string_view frame;
  Request want;
};

TEST(ParseRequest, ReadsEveryRequestType) {
  const std::vector<GoodCase> cases{
      {R"({"type":"login","nickname":"zhangsan"})", Login{"zhangsan"}},
      {R"({"type": "broadcast", "sender_id": 1, "message": "hello"})",
       Broadcast{"lobby", "hello", 1}},
      {R"({"type":"broadcast","room":"dev","message":"hi","sender_id":null})",
       Broadcast{"dev", "hi", std::nullopt}},
      {R"({"type":"join","room":"dev"})", Join{"dev"}},
      {R"({"type":"join","room":"dev","private":true})", Join{"dev", true}},
      {R"({"type":"join","room":"dev","private":null})", Join{"dev", false}},
      {R"({"type":"invite","room":"dev","nickname":" bob "})", Invite{"dev", "bob"}},
      {R"({"type":"kick","room":"dev","nickname":"bob"})", Kick{"dev", "bob"}},
      {R"({"type":"leave","room":"开发"})", Leave{"开发"}},
      {R"({"type":"direct","to":"lisi","message":"psst"})", Direct{"lisi", "psst"}},
      {R"({"type":"who"})", Who{"lobby"}},
      {R"({"type":"who","room":"dev"})", Who{"dev"}},
      {R"({"type":"rooms"})", Rooms{}},
      {R"({"type":"history"})", History{"lobby", 50, std::nullopt}},
      {R"({"type":"history","room":"dev","limit":20,"before":99})", History{"dev", 20, 99}},
      {R"({"type":"history","limit":null,"before":null,"room":null})", History{}},
      {R"({"type":"ping"})", Ping{}},
      {R"({"type":"logout"})", Logout{}},
      {R"({"client":"web","type":"ping","extra":[1,{"x":null}]})", Ping{}},
  };
  for (const auto& c : cases) {
    const Parsed parsed = parse(c.frame);
    EXPECT_FALSE(parsed.error) << c.frame << ": " << parsed.error_message;
    EXPECT_EQ(parsed.request, std::optional<Request>(c.want)) << c.frame;
    EXPECT_TRUE(parsed.req.empty());
  }
}

TEST(ParseRequest, ClampsTheHistoryLimitAndSaturatesBigIntegers) {
  const auto history = [](std::string_view frame) {
    return std::get<History>(parse(frame).request.value());
  };
  EXPECT_EQ(history(R"({"type":"history","limit":0})").limit, 1u);
  EXPECT_EQ(history(R"({"type":"history","limit":-3})").limit, 1u);
  EXPECT_EQ(history(R"({"type":"history","limit":500})").limit, 500u);
  EXPECT_EQ(history(R"({"type":"history","limit":501})").limit, 500u);
  EXPECT_EQ(history(R"({"type":"history","limit":18446744073709551615})").limit, 500u);
  EXPECT_EQ(history(R"({"type":"history","before":18446744073709551615})").before,
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(history(R"({"type":"history","before":-1})").before, -1);
}

struct BadCase {
  std::string frame;
  Errc code;
  std::string_view mentions;  // a word the error message must contain
};

TEST(ParseRequest, RefusesBadInputWithTheRightCode) {
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  const std::vector<BadCase> cases{
      {R"({"type":"login")", Errc::bad_json, "JSON"},
      {"", Errc::bad_json, "JSON"},
      {"hello", Errc::bad_json, "JSON"},
      {R"({"type":"ping"}{"type":"ping"})", Errc::bad_json, "JSON"},
      {R"({"type":"ping","x":)" + deep + "}", Errc::bad_json, "JSON"},
      {R"({"type":"ping","m":"\ud800"})", Errc::bad_json, "JSON"},
      {"[1,2]", Errc::bad_request, "object"},
      {R"("ping")", Errc::bad_request, "object"},
      {"{}", Errc::bad_request, "\"type\""},
      {R"({"type":5})", Errc::bad_request, "\"type\""},
      {R"({"type":"dance"})", Errc::unknown_type, "type"},
      {R"({"type":"Login","nickname":"a"})", Errc::unknown_type, "type"},
      {R"({"type":"login"})", Errc::bad_request, "\"nickname\""},
      {R"({"type":"join","room":"dev","private":1})", Errc::bad_request, "\"private\""},
      {R"({"type":"invite","room":"dev"})", Errc::bad_request, "\"nickname\""},
      {R"({"type":"kick","room":"a b","nickname":"bob"})", Errc::room_invalid, "room"},
      {R"({"type":"login","nickname":7})", Errc::bad_request, "\"nickname\""},
      {R"({"type":"login","nickname":""})", Errc::nickname_invalid, "nickname"},
      {R"({"type":"login","nickname":"   "})", Errc::nickname_invalid, "nickname"},
      {R"({"type":"login","nickname":"\u3000\u200b"})", Errc::nickname_invalid, "nickname"},
      {R"({"type":"login","nickname":"a\u0001b"})", Errc::nickname_invalid, "nickname"},
      {R"({"type":"login","nickname":"\u202eevil"})", Errc::nickname_invalid, "nickname"},
      {R"({"type":"login","nickname":")" + std::string(33, 'a') + "\"}", Errc::nickname_invalid,
       ""},
      {R"({"type":"broadcast"})", Errc::bad_request, "\"message\""},
      {R"({"type":"broadcast","message":5})", Errc::bad_request, "\"message\""},
      {R"({"type":"broadcast","message":""})", Errc::bad_request, "\"message\""},
      {R"({"type":"broadcast","message":"12345678901"})", Errc::message_too_long, "10 bytes"},
      {R"({"type":"broadcast","message":"hi","sender_id":"1"})", Errc::bad_request,
       "\"sender_id\""},
      {R"({"type":"broadcast","message":"hi","sender_id":1.0})", Errc::bad_request,
       "\"sender_id\""},
      {R"({"type":"broadcast","message":"hi","room":"a b"})", Errc::room_invalid, "room"},
      {R"({"type":"broadcast","message":"hi","room":5})", Errc::bad_request, "\"room\""},
      {R"({"type":"join"})", Errc::bad_request, "\"room\""},
      {R"({"type":"join","room":null})", Errc::bad_request, "\"room\""},
      {R"({"type":"join","room":""})", Errc::room_invalid, "room"},
      {R"({"type":"leave","room":")" + std::string(33, 'r') + "\"}", Errc::room_invalid, "room"},
      {R"({"type":"who","room":"x\ty"})", Errc::room_invalid, "room"},
      {R"({"type":"direct","message":"hi"})", Errc::bad_request, "\"to\""},
      {R"({"type":"direct","to":5,"message":"hi"})", Errc::bad_request, "\"to\""},
      {R"({"type":"direct","to":"lisi"})", Errc::bad_request, "\"message\""},
      {R"({"type":"broadcast","message":"hi","id":5})", Errc::bad_request, "\"id\""},
      {R"({"type":"broadcast","message":"hi","id":""})", Errc::bad_request, "\"id\""},
      {R"({"type":"direct","to":"lisi","message":"hi","id":")" + std::string(65, 'x') + "\"}",
       Errc::bad_request, "\"id\""},
      {R"({"type":"history","limit":"5"})", Errc::bad_request, "\"limit\""},
      {R"({"type":"history","limit":5.0})", Errc::bad_request, "\"limit\""},
      {R"({"type":"history","before":"x"})", Errc::bad_request, "\"before\""},
      {"{\"type\":\"broadcast\",\"message\":\"\xff\"}", Errc::bad_request, "UTF-8"},
      {"{\"type\":\"ping\",\"\xc0\x80\":1}", Errc::bad_request, "UTF-8"},
      {"{\"type\":\"ping\",\"x\":[\"\xed\xa0\x80\"]}", Errc::bad_request, "UTF-8"},
      {R"({"type":"ping","req":{}})", Errc::bad_request, "\"req\""},
      {R"({"type":"ping","req":null})", Errc::bad_request, "\"req\""},
      {R"({"type":"ping","req":true})", Errc::bad_request, "\"req\""},
      {"{\"type\":\"ping\",\"req\":\"\xff\"}", Errc::bad_request, "\"req\""},
  };
  for (const auto& c : cases) {
    const Parsed parsed = parse(c.frame, 10);
    ASSERT_TRUE(parsed.error) << c.frame;
    EXPECT_EQ(code_name(*parsed.error), code_name(c.code)) << c.frame;
    EXPECT_NE(parsed.error_message.find(c.mentions), std::string::npos)
        << c.frame << ": " << parsed.error_message;
    EXPECT_FALSE(parsed.request) << c.frame;
    EXPECT_TRUE(parsed.req.empty()) << c.frame;
  }
}

TEST(ParseRequest, EchoesReqAsJsonText) {
  EXPECT_EQ(parse(R"({"type":"ping","req":42})").req, "42");
  EXPECT_EQ(parse(R"({"type":"ping","req":-7})").req, "-7");
  EXPECT_EQ(parse(R"({"type":"ping","req":"abc"})").req, R"("abc")");
  EXPECT_EQ(parse(R"({"req":"q\"\u00e9","type":"ping"})").req, "\"q\\\"é\"");
  EXPECT_EQ(encode_pong(parse(R"({"type":"ping","req":"q\"\u00e9"})").req),
            "{\"type\":\"pong\",\"req\":\"q\\\"é\"}\n");
  const std::string fractional = parse(R"({"type":"ping","req":1.5})").req;
  EXPECT_EQ(boost::json::parse(encode_pong(fractional)).at("req").as_double(), 1.5);
}

TEST(ParseRequest, KeepsReqWhenRefusingTheRest) {
  EXPECT_EQ(parse(R"({"type":"dance","req":7})").req, "7");
  EXPECT_EQ(parse(R"({"req":7})").req, "7");
  EXPECT_EQ(parse(R"({"type":"login","nickname":"","req":"r1"})").req, R"("r1")");
  EXPECT_EQ(parse("{\"type\":\"broadcast\",\"message\":\"\xff\",\"req\":3}").req, "3");
  EXPECT_EQ(parse(R"({"type":"broadcast","message":"123456789012","req":4})", 10).req, "4");
}

TEST(TextRules, ValidUtf8) {
  for (const std::string_view good :
       {"", "ascii", "é", "你好", "😀", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf"}) {
    EXPECT_TRUE(valid_utf8(good)) << good;
  }
  for (const std::string_view bad : {"\x80", "\xc0\x80", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80",
                                     "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xe4\xbd",
                                     "a\xe4\xbd"
                                     "b",
                                     "\xff"}) {
    EXPECT_FALSE(valid_utf8(bad)) << bad;
  }
}

TEST(TextRules, Nicknames) {
  std::string longest;
  for (int i = 0; i < 32; ++i) longest += "张";
  for (const std::string_view good : {"zhangsan", "张三", "😀", "a b", " a", "a\xe2\x80\x8b", "x"}) {
    EXPECT_TRUE(valid_nickname(good)) << good;
  }
  EXPECT_TRUE(valid_nickname(longest));
  EXPECT_FALSE(valid_nickname(longest + "a"));
  for (const std::string_view bad :
       {"", " ", "\t", "a\nb", "\x7f", "\xc2\x85", "\xe2\x80\x8b", "\xe3\x80\x80",
        "\xe2\x80\xae"
        "abc",
        "\xff"}) {
    EXPECT_FALSE(valid_nickname(bad)) << bad;
  }
}

TEST(TextRules, Rooms) {
  for (const std::string_view good : {"lobby", "dev", "开发", "#c++", "😀"}) {
    EXPECT_TRUE(valid_room(good)) << good;
  }
  EXPECT_TRUE(valid_room(std::string(32, 'r')));
  EXPECT_FALSE(valid_room(std::string(33, 'r')));
  for (const std::string_view bad : {"", "a b",
                                     "a\xe3\x80\x80"
                                     "b",
                                     "a\xe2\x80\x8b"
                                     "b",
                                     "\xe2\x81\xa6"
                                     "x",
                                     "a\x01", "\xc3"}) {
    EXPECT_FALSE(valid_room(bad)) << bad;
  }
}

// ---- Answers ----------------------------------------------------------------------------

TEST(Encode, TheSeedsMessages) {
  EXPECT_EQ(encode_login_ok(1, "zhangsan"),
            R"({"type":"login","status":"ok","id":1,"nickname":"zhangsan"})"
            "\n");
  EXPECT_EQ(encode_broadcast(1, "zhangsan", "hello", "lobby", 7, 1763800000123),
            R"({"type":"broadcast","sender_id":1,"sender_nickname":"zhangsan","message":"hello",)"
            R"("room":"lobby","seq":7,"ts":1763800000123})"
            "\n");
  EXPECT_EQ(encode_system("zhangsan(1) joined", "lobby", 8, 1763800000124),
            R"({"type":"system","sender_id":0,"sender_nickname":"System",)"
            R"("message":"zhangsan(1) joined","room":"lobby","seq":8,"ts":1763800000124})"
            "\n");
}

TEST(Encode, DirectAndAck) {
  EXPECT_EQ(encode_direct(2, "lisi", "psst", 1763800000125),
            R"({"type":"direct","sender_id":2,"sender_nickname":"lisi","message":"psst",)"
            R"("ts":1763800000125})"
            "\n");
  EXPECT_EQ(encode_ack(R"("a1")", 9), R"({"type":"ack","req":"a1","seq":9})"
                                      "\n");
  EXPECT_EQ(encode_ack("3", 9), R"({"type":"ack","req":3,"seq":9})"
                                "\n");
}

TEST(Encode, Errors) {
  EXPECT_EQ(encode_error(Errc::not_in_room, "you are not in that room", R"("x")"),
            R"({"type":"error","code":"not_in_room","message":"you are not in that room",)"
            R"("req":"x"})"
            "\n");
  EXPECT_EQ(encode_error(Errc::frame_too_large, "too large"),
            R"({"type":"error","code":"frame_too_large","message":"too large"})"
            "\n");
}

TEST(Encode, RoomAnswers) {
  EXPECT_EQ(encode_room_ok(RoomAction::join, "dev"), R"({"type":"join","room":"dev","status":"ok"})"
                                                     "\n");
  EXPECT_EQ(encode_room_ok(RoomAction::leave, "dev", "12"),
            R"({"type":"leave","room":"dev","status":"ok","req":12})"
            "\n");
  EXPECT_EQ(encode_who("lobby", {{1, "zhangsan"}, {2, "lisi"}}, "5"),
            R"({"type":"who","room":"lobby","users":[{"id":1,"nickname":"zhangsan"},)"
            R"({"id":2,"nickname":"lisi"}],"req":5})"
            "\n");
  EXPECT_EQ(encode_who("dev", {}), R"({"type":"who","room":"dev","users":[]})"
                                   "\n");
  EXPECT_EQ(encode_rooms({{"lobby", 3}, {"dev", 1}}),
            R"({"type":"rooms","rooms":[{"room":"lobby","members":3},)"
            R"({"room":"dev","members":1}]})"
            "\n");
  EXPECT_EQ(encode_rooms({}, R"("r")"), R"({"type":"rooms","rooms":[],"req":"r"})"
                                        "\n");
  EXPECT_EQ(encode_rooms({{"secret", 2, true}}),
            R"({"type":"rooms","rooms":[{"room":"secret","members":2,"private":true}]})"
            "\n");
}

TEST(Encode, PrivateRoomChanges) {
  EXPECT_EQ(encode_member_ok(MemberAction::invite, "secret", "bob", "3"),
            R"({"type":"invite","room":"secret","nickname":"bob","status":"ok","req":3})"
            "\n");
  EXPECT_EQ(encode_member_ok(MemberAction::kick, "secret", "bob"),
            R"({"type":"kick","room":"secret","nickname":"bob","status":"ok"})"
            "\n");
  EXPECT_EQ(encode_member_notice(MemberAction::invite, "secret", "alice"),
            R"({"type":"invited","room":"secret","by":"alice"})"
            "\n");
  EXPECT_EQ(encode_member_notice(MemberAction::kick, "secret", "alice"),
            R"({"type":"kicked","room":"secret","by":"alice"})"
            "\n");
}

TEST(Encode, History) {
  const std::vector<std::string> messages{encode_system("zhangsan(1) joined", "lobby", 1, 10),
                                          encode_broadcast(1, "zhangsan", "hi", "lobby", 2, 11)};
  EXPECT_EQ(encode_history("lobby", messages, R"("h")"),
            R"({"type":"history","room":"lobby","messages":[)"
            R"({"type":"system","sender_id":0,"sender_nickname":"System",)"
            R"("message":"zhangsan(1) joined","room":"lobby","seq":1,"ts":10},)"
            R"({"type":"broadcast","sender_id":1,"sender_nickname":"zhangsan","message":"hi",)"
            R"("room":"lobby","seq":2,"ts":11}],"req":"h"})"
            "\n");
  EXPECT_EQ(encode_history("dev", {}), R"({"type":"history","room":"dev","messages":[]})"
                                       "\n");
}

TEST(Encode, PongAndBye) {
  EXPECT_EQ(encode_pong(), R"({"type":"pong"})"
                           "\n");
  EXPECT_EQ(encode_pong("1"), R"({"type":"pong","req":1})"
                              "\n");
  EXPECT_EQ(encode_bye(), R"({"type":"bye"})"
                          "\n");
  EXPECT_EQ(encode_bye(R"("b")"), R"({"type":"bye","req":"b"})"
                                  "\n");
}

TEST(Encode, DropsAReqThatIsNotANumberOrString) {
  for (const std::string_view req : {"{}", "[1]", "nope", "null", "1 2", "\"open"}) {
    EXPECT_EQ(encode_pong(req), R"({"type":"pong"})"
                                "\n")
        << req;
  }
}

TEST(Encode, EscapesMessageText) {
  const auto message_of = [](std::string_view text) {
    return encode_broadcast(1, "a", text, "lobby", 1, 2);
  };
  const auto expected = [](std::string_view escaped) {
    return R"({"type":"broadcast","sender_id":1,"sender_nickname":"a","message":)" +
           std::string(escaped) +
           R"(,"room":"lobby","seq":1,"ts":2})"
           "\n";
  };
  EXPECT_EQ(message_of("<img src=x onerror=alert(1)>"),
            expected(R"("<img src=x onerror=alert(1)>")"));
  EXPECT_EQ(message_of("say \"hi\"\nbye\\"), expected(R"("say \"hi\"\nbye\\")"));
  EXPECT_EQ(message_of("你好 😀"), expected(R"("你好 😀")"));
  EXPECT_EQ(message_of("\x01\t"), expected(R"("\u0001\t")"));
  EXPECT_EQ(encode_who("lobby", {{3, "\"q\"\n"}}),
            R"({"type":"who","room":"lobby","users":[{"id":3,"nickname":"\"q\"\n"}]})"
            "\n");
  for (const std::string_view text :
       {"<img src=x onerror=alert(1)>", "say \"hi\"\nbye\\", "你好 😀", "\x01\t}{"}) {
    const auto value = boost::json::parse(message_of(text));
    EXPECT_EQ(value.at("message").as_string(), text);
  }
}

}  // namespace
}  // namespace sockit::chat
