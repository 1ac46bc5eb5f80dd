// The debugging assistant's hex views: the dump format byte for byte, and hex input.
#include <gtest/gtest.h>

#include "sockit/core/error.hpp"
#include "sockit/nc/hex.hpp"

namespace sockit::nc {
namespace {

TEST(HexDump, KnownInputByteExact) {
  EXPECT_EQ(hex_dump(std::string("Hello, world!\n\x00\xff" "abcdefghij", 26), '>', 0),
            std::string("> 00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a 00 ff  "
                        "|Hello, world!...|\n"
                        "> 00000010  61 62 63 64 65 66 67 68  69 6a                    "
                        "|abcdefghij|\n"));
  EXPECT_EQ(hex_dump("x", '<', 0x20), "< 00000020  78                                                |x|\n");
  EXPECT_EQ(hex_dump("", '<', 0), "");
}

TEST(HexInput, AcceptsCommonSpellings) {
  EXPECT_EQ(parse_hex("48 65 6c 6c 6f"), "Hello");
  EXPECT_EQ(parse_hex("48656C6C6F\n"), "Hello");
  EXPECT_EQ(parse_hex("0x48 0x69"), "Hi");
  EXPECT_EQ(parse_hex("de:ad-be ef"), "\xde\xad\xbe\xef");
  EXPECT_EQ(parse_hex("00 ff"), std::string("\x00\xff", 2));
  EXPECT_EQ(parse_hex(""), "");
}

TEST(HexInput, RejectsBadTextNamingThePosition) {
  try {
    parse_hex("48 6g");
    ADD_FAILURE();
  } catch (const parse_error& e) {
    EXPECT_STREQ(e.what(), "bad hex character 'g' at position 5");
  }
  EXPECT_THROW(parse_hex("486"), parse_error);
  EXPECT_THROW(parse_hex("4 8"), parse_error);
  EXPECT_THROW(parse_hex("zz"), parse_error);
}

}  // namespace
}  // namespace sockit::nc
