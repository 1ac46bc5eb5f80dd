// The pure parts of the chat cluster: Redis addresses, room placement, the message form, and
// the relay's ordering (seq order, joins and leaves at their notice, gaps read from the stream).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "chat/cluster/cluster_relay.hpp"
#include "chat/cluster/cluster_scripts.hpp"
#include "chat/cluster/cluster_wire.hpp"

namespace sockit::chat::cluster {
namespace {

TEST(ChatClusterWire, ParsesRedisAddresses) {
  EXPECT_EQ(parse_redis_url("redis://127.0.0.1:6380/2"), (RedisAddress{"127.0.0.1", 6380, 2}));
  EXPECT_EQ(parse_redis_url("redis://localhost"), (RedisAddress{"localhost", 6379, 0}));
  EXPECT_EQ(parse_redis_url("redis://[::1]:7000"), (RedisAddress{"::1", 7000, 0}));
  EXPECT_EQ(parse_redis_url("redis://h:1/"), (RedisAddress{"h", 1, 0}));
  for (const char* bad : {"", "127.0.0.1:6379", "http://h:1", "redis://", "redis://h:0",
                          "redis://h:1/x", "redis://h:1/-1", "redis://u:p@h:1", "redis://h:99999"}) {
    EXPECT_FALSE(parse_redis_url(bad)) << bad;
  }
  EXPECT_EQ(to_string(RedisAddress{"::1", 7000, 3}), "[::1]:7000/3");
}

TEST(ChatClusterWire, PlacesARoomOnOneInstanceStably) {
  // FNV-1a 64 of "lobby", known value: every node and every version must agree.
  EXPECT_EQ(instance_for_room("lobby", 1), 0u);
  std::vector<std::size_t> seen(3);
  for (int i = 0; i < 300; ++i) ++seen[instance_for_room("room" + std::to_string(i), 3)];
  for (const auto n : seen) EXPECT_GT(n, 60u);  // spread, not all on one
  EXPECT_EQ(instance_for_room("lobby", 3), instance_for_room("lobby", 3));
  EXPECT_EQ(instance_for_room("a", 7), 0xaf63dc4c8601ec8cull % 7);  // FNV-1a 64 of "a"
}

TEST(ChatClusterWire, RoomMessagesRoundTrip) {
  RoomMessage m{42, 1700000000123, 7, "n1", 99, false, "lobby", "Alice", "hi\nthere 你好"};
  const auto text = format_room_message(m);
  EXPECT_EQ(text, "42 1700000000123 7 n1 99 m 5 5\nlobbyAlicehi\nthere 你好");
  const auto back = parse_room_message(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->seq, 42);
  EXPECT_EQ(back->ts_ms, 1700000000123);
  EXPECT_EQ(back->sender_id, 7);
  EXPECT_EQ(back->node, "n1");
  EXPECT_EQ(back->conn, 99u);
  EXPECT_FALSE(back->notice);
  EXPECT_EQ(back->room, "lobby");
  EXPECT_EQ(back->nickname, "Alice");
  EXPECT_EQ(back->text, "hi\nthere 你好");
  EXPECT_NE(encode_for_clients(*back).find("\"seq\":42"), std::string::npos);

  const auto notice = parse_room_message("3 5 0 - 0 s 5 0\nlobbyBob(2) joined");
  ASSERT_TRUE(notice);
  EXPECT_TRUE(notice->notice);
  EXPECT_EQ(notice->text, "Bob(2) joined");
  EXPECT_NE(encode_for_clients(*notice).find("\"type\":\"system\""), std::string::npos);

  // A removal: the node and connection are the removed user's, the nickname the remover's.
  const auto removal = parse_room_message("4 5 0 n2 17 x 6 5\nsecretalicebob(2) was removed by alice");
  ASSERT_TRUE(removal);
  EXPECT_TRUE(removal->notice);
  EXPECT_TRUE(removal->expel);
  EXPECT_EQ(removal->node, "n2");
  EXPECT_EQ(removal->conn, 17u);
  EXPECT_EQ(removal->nickname, "alice");
  EXPECT_EQ(format_room_message(*removal), "4 5 0 n2 17 x 6 5\nsecretalicebob(2) was removed by alice");
  EXPECT_NE(encode_for_clients(*removal).find("\"type\":\"system\""), std::string::npos);
}

TEST(ChatClusterWire, PrivateListsAsTheScriptsPublishThem) {
  const auto list = parse_private_list("plans\nzhangsan\nlisi\nwangwu");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->room, "plans");
  ASSERT_TRUE(list->list);
  EXPECT_EQ(list->list->owner_key, "zhangsan");
  EXPECT_EQ(list->list->keys, (std::set<std::string, std::less<>>{"lisi", "wangwu"}));

  const auto alone = parse_private_list("plans\nzhangsan");  // nobody invited yet
  ASSERT_TRUE(alone && alone->list);
  EXPECT_TRUE(alone->list->keys.empty());

  const auto gone = parse_private_list("plans\n");  // no owner: not private (any more)
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->list);

  for (const char* bad : {"", "plans", "\nzhangsan"}) EXPECT_FALSE(parse_private_list(bad)) << bad;
}

TEST(ChatClusterWire, RejectsMalformedMessages) {
  for (const char* bad : {"", "no newline", "0 1 2 n 0 m 1 0\na", "1 1 1 n 0 y 1 0\na",
                          "1 1 1 n 0 m 9 0\nshort", "1 1 1 n 0 m 1 9\nab", "x 1 1 n 0 m 1 0\na",
                          "1 1 1 n 0 m 0 0\n", "1 1 1 n 0 m 1\na"}) {
    EXPECT_FALSE(parse_room_message(bad)) << bad;
  }
}

TEST(ChatClusterScripts, HaveTheirSha1) {
  EXPECT_EQ(broadcast_script().sha1.size(), 40u);
  EXPECT_NE(broadcast_script().sha1, join_script().sha1);
  EXPECT_NE(join_script().body.find("XADD"), std::string::npos);
  EXPECT_NE(join_script().body.find("PUBLISH"), std::string::npos);
}

// ---- The relay ----

RoomMessage msg(std::int64_t seq) {
  RoomMessage m;
  m.seq = seq;
  m.node = "x";
  m.room = "r";
  m.text = std::to_string(seq);
  return m;
}

// Records what the relay does, in order: "d5" delivered seq 5, "j7"/"l7" join/leave of conn 7,
// "f4" fetch after 4.
struct Recorder final : RelaySink {
  std::vector<std::string> log;
  void deliver(const RoomMessage& m) override { log.push_back("d" + std::to_string(m.seq)); }
  void apply(const Marker& mk) override {
    log.push_back((mk.join ? "j" : "l") + std::to_string(mk.conn));
  }
  void fetch(std::int64_t after) override { log.push_back("f" + std::to_string(after)); }
};

using Log = std::vector<std::string>;

TEST(ChatClusterRelay, AJoinTakesEffectAtItsNotice) {
  RelayRoom r;
  Recorder s;
  r.hold();  // the join is on its way
  r.offer(msg(4), s);  // published before the join's notice: arrives first
  r.offer(msg(5), s);  // the notice itself, published before the answer came
  EXPECT_TRUE(s.log.empty());
  r.start_at(5);
  r.mark(5, {true, 7}, s);
  r.settle(s);
  r.offer(msg(6), s);
  EXPECT_EQ(s.log, (Log{"j7", "d5", "d6"}));
  EXPECT_EQ(r.delivered(), 6);
}

TEST(ChatClusterRelay, ALeaveTakesEffectBeforeItsNotice) {
  RelayRoom r;
  Recorder s;
  r.start_at(1);
  r.offer(msg(1), s);
  r.hold();
  r.offer(msg(2), s);
  r.settle(s);  // nothing new known: 2 goes
  r.mark(4, {false, 7}, s);
  r.offer(msg(3), s);
  r.offer(msg(4), s);
  EXPECT_EQ(s.log, (Log{"d1", "d2", "d3", "l7", "d4"}));
}

TEST(ChatClusterRelay, AGapIsReadFromTheStreamInOrder) {
  RelayRoom r;
  Recorder s;
  r.start_at(1);
  r.offer(msg(1), s);
  r.offer(msg(4), s);  // 2 and 3 were missed
  EXPECT_EQ(s.log, (Log{"d1", "f1"}));
  r.offer(msg(5), s);  // held while reading
  r.fetched(1, {msg(2), msg(3), msg(4)}, false, s);
  EXPECT_EQ(s.log, (Log{"d1", "f1", "d2", "d3", "d4", "d5"}));
  r.offer(msg(5), s);  // a duplicate is dropped
  EXPECT_EQ(r.delivered(), 5);
  EXPECT_EQ(s.log.size(), 6u);
}

TEST(ChatClusterRelay, ASubscriptionAgainReadsPagesAndSkipsWhatWasTrimmed) {
  RelayRoom r;
  Recorder s;
  r.start_at(1);
  r.offer(msg(1), s);
  EXPECT_TRUE(r.subscribed(s));               // after a reconnect
  r.fetched(1, {msg(10), msg(11)}, true, s);  // the stream starts at 10: 2..9 were trimmed
  EXPECT_EQ(s.log.back(), "f11");
  r.fetched(11, {msg(12)}, false, s);
  EXPECT_EQ(s.log, (Log{"d1", "f1", "f11", "d10", "d11", "d12"}));
  EXPECT_EQ(r.skipped(), 8u);
  EXPECT_TRUE(r.idle());
}

TEST(ChatClusterRelay, AFailedReadWaitsForTheNextSubscription) {
  RelayRoom r;
  Recorder s;
  r.start_at(1);
  r.offer(msg(1), s);
  r.offer(msg(3), s);
  r.fetch_failed();
  EXPECT_EQ(s.log, (Log{"d1", "f1"}));
  EXPECT_TRUE(r.subscribed(s));
  r.fetched(1, {msg(2)}, false, s);
  EXPECT_EQ(s.log, (Log{"d1", "f1", "f1", "d2", "d3"}));
}

// The first join's SUBSCRIBE goes beside the join script: what is published between the
// join's notice and the SUBSCRIBE taking effect comes from the stream, read once both are done.
TEST(ChatClusterRelay, TheFirstSubscriptionReadsWhatWasPublishedBeforeItTookEffect) {
  RelayRoom r;
  Recorder s;
  r.hold();
  EXPECT_FALSE(r.subscribed(s));  // confirmed before the join's answer: no seq to read after yet
  r.start_at(5);
  r.mark(5, {true, 7}, s);
  r.settle(s);
  EXPECT_EQ(s.log, (Log{"f4"}));  // 5 and 6 were published before the SUBSCRIBE took effect
  r.offer(msg(7), s);             // held while reading
  r.fetched(4, {msg(5), msg(6)}, false, s);
  EXPECT_EQ(s.log, (Log{"f4", "j7", "d5", "d6", "d7"}));
  EXPECT_TRUE(r.idle());

  RelayRoom late;  // the join's answer first, then the confirmation
  Recorder t;
  late.hold();
  late.start_at(5);
  late.mark(5, {true, 7}, t);
  late.settle(t);
  EXPECT_TRUE(t.log.empty());  // nothing known to be missing yet
  EXPECT_TRUE(late.subscribed(t));
  late.fetched(4, {msg(5)}, false, t);
  EXPECT_EQ(t.log, (Log{"f4", "j7", "d5"}));
}

TEST(ChatClusterRelay, ASubscriptionConfirmedDuringAReadIsReadAgainAfterIt) {
  RelayRoom r;
  Recorder s;
  r.start_at(1);
  r.offer(msg(1), s);
  r.offer(msg(3), s);             // a gap: reading
  EXPECT_FALSE(r.subscribed(s));  // that read may have been answered before the SUBSCRIBE
  r.fetched(1, {msg(2)}, false, s);
  EXPECT_EQ(s.log, (Log{"d1", "f1", "d2", "d3", "f3"}));
  r.fetched(3, {msg(4)}, false, s);
  EXPECT_EQ(s.log.back(), "d4");
  EXPECT_TRUE(r.idle());
}

TEST(ChatClusterRelay, NothingIsDeliveredBeforeTheFirstJoinAndForgottenMarkersStay) {
  RelayRoom r;
  Recorder s;
  r.offer(msg(1), s);  // no member here: ignored
  EXPECT_TRUE(s.log.empty());
  r.hold();
  r.start_at(3);
  r.mark(3, {true, 7}, s);
  r.mark(3, {true, 8}, s);
  r.forget(7);  // its connection went while the join was on its way
  r.settle(s);
  r.offer(msg(3), s);
  EXPECT_EQ(s.log, (Log{"j8", "d3"}));
}

}  // namespace
}  // namespace sockit::chat::cluster
