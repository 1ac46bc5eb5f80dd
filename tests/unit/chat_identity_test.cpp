// Pure pieces of the chat server's identity rules: nickname keys (ICU), trimming, the seq
// floor after a crash, and the WebSocket key check.
#include <gtest/gtest.h>

#include "chat/core/nickname.hpp"
#include "chat/web/origin.hpp"
#include "chat/store/seq_floor.hpp"
#include "sockit/chat/protocol/protocol.hpp"

namespace sockit::chat {
namespace {

TEST(ChatNickname, CaseWidthAndLookAlikeScriptsShareAKey) {
  const std::string alice = nickname_key("Alice");
  for (const char* same : {"alice", "ALICE", "aLiCe", "\xD0\x90lice" /* Cyrillic А */,
                           "\xEF\xBC\xA1lice" /* full-width Ａ */, "A\xE2\x80\x8Blice"}) {
    EXPECT_EQ(nickname_key(same), alice) << same;
  }
  EXPECT_EQ(nickname_key("\xEF\xBD\x93\xEF\xBD\x99\xEF\xBD\x93\xEF\xBD\x94\xEF\xBD\x85\xEF\xBD\x8D"),
            nickname_key("System"));  // ｓｙｓｔｅｍ
  EXPECT_EQ(nickname_key("paypal"), nickname_key("p\xD0\xB0yp\xD0\xB0l"));  // Cyrillic а
}

TEST(ChatNickname, DifferentNamesKeepDifferentKeys) {
  EXPECT_NE(nickname_key("alice"), nickname_key("alicia"));
  EXPECT_NE(nickname_key("bob"), nickname_key("rob"));
  EXPECT_NE(nickname_key("张三"), nickname_key("李四"));
  EXPECT_EQ(nickname_key("张三"), nickname_key("张三"));
}

TEST(ChatNickname, TrimBlankRemovesSpacesAndInvisiblesAtTheEndsOnly) {
  EXPECT_EQ(trim_blank(" Alice "), "Alice");
  EXPECT_EQ(trim_blank("\xE3\x80\x80" "Al ice\xE2\x80\x8B"), "Al ice");  // ideographic space, ZWSP
  EXPECT_EQ(trim_blank("   "), "");
  EXPECT_EQ(trim_blank(""), "");
  EXPECT_EQ(trim_blank(" \xFF "), " \xFF ");  // ill-formed: whole, for validation to refuse
}

TEST(ChatSeqFloor, OnlyACrashRaisesTheFloorPastWhatMayHaveBeenSeen) {
  EXPECT_EQ(next_seq_floor({.floor = 0, .bound = 0, .clean = true}, 0), 0);
  EXPECT_EQ(next_seq_floor({.floor = 7, .bound = 100, .clean = true}, 500), 7);
  EXPECT_EQ(next_seq_floor({.floor = 0, .bound = 100, .clean = false}, 500), 600);
  // A second crash before anything was committed: above the previous floor, not the stored max.
  EXPECT_EQ(next_seq_floor({.floor = 600, .bound = 100, .clean = false}, 500), 700);
}

TEST(ChatWebSocketKey, OnlySixteenBytesOfBase64) {
  EXPECT_TRUE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ=="));  // RFC 6455's example
  EXPECT_TRUE(valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAA=="));
  EXPECT_FALSE(valid_websocket_key("abc"));
  EXPECT_FALSE(valid_websocket_key(""));
  EXPECT_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ="));    // 23 characters
  EXPECT_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZR=="));   // bits past 16 bytes
  EXPECT_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25j!Q=="));   // not base64
  EXPECT_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZXM="));   // 17 bytes
}

}  // namespace
}  // namespace sockit::chat
