// makefile(): buffered line reading and writing over a socketpair.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "sockit/core/error.hpp"
#include "sockit/socket/socket.hpp"
#include "sockit/socket/socket_file.hpp"

namespace sockit {
namespace {

using namespace std::chrono_literals;

TEST(SocketFile, ReadsLinesAcrossArbitrarySplits) {
  auto [a, b] = Socket::pair();
  const std::string text = "first line\nsecond\n\nlast without newline";
  // Send byte by byte so every line boundary falls across separate reads.
  std::thread writer([&a = a, &text] {
    for (char c : text) a.sendall(std::string_view(&c, 1));
    a.shutdown(SHUT_WR);
  });
  auto file = b.makefile(4);
  EXPECT_EQ(file.readline(), "first line\n");
  EXPECT_EQ(file.readline(), "second\n");
  EXPECT_EQ(file.readline(), "\n");
  EXPECT_EQ(file.readline(), "last without newline");
  EXPECT_EQ(file.readline(), "");
  writer.join();
}

TEST(SocketFile, LimitSplitsAnOverlongLine) {
  auto [a, b] = Socket::pair();
  a.sendall("abcdefghij\nxy\n");
  a.shutdown(SHUT_WR);
  auto file = b.makefile();
  EXPECT_EQ(file.readline(4), "abcd");
  EXPECT_EQ(file.readline(4), "efgh");
  EXPECT_EQ(file.readline(4), "ij\n");
  EXPECT_EQ(file.readline(4), "xy\n");
  EXPECT_EQ(file.readline(4), "");
}

TEST(SocketFile, ReadExactAndReadAll) {
  auto [a, b] = Socket::pair();
  a.sendall("header:12345rest of the stream");
  a.shutdown(SHUT_WR);
  auto file = b.makefile(3);
  EXPECT_EQ(file.read(7), "header:");
  EXPECT_EQ(file.read(5), "12345");
  EXPECT_EQ(file.read_all(), "rest of the stream");
  EXPECT_EQ(file.read(1), "");
}

TEST(SocketFile, ReadAllRefusesAnOverlongStream) {
  auto [a, b] = Socket::pair();
  a.sendall(std::string(100, 'x'));
  a.shutdown(SHUT_WR);
  auto file = b.makefile(16);
  EXPECT_THROW(file.read_all(50), std::length_error);
}

TEST(SocketFile, WriterBuffersUntilFlush) {
  auto [a, b] = Socket::pair();
  b.settimeout(100ms);
  auto out = a.makefile(1024);
  out.write("hello ");
  out.write("world\n");
  EXPECT_THROW(b.recv(100), timeout_error);  // nothing sent yet
  out.flush();
  auto in = b.makefile();
  EXPECT_EQ(in.readline(), "hello world\n");
}

TEST(SocketFile, TimeoutKeepsBufferedBytes) {
  auto [a, b] = Socket::pair();
  b.settimeout(100ms);
  a.sendall("partial");
  auto file = b.makefile();
  EXPECT_THROW(file.readline(), timeout_error);
  EXPECT_EQ(file.buffered(), 7u);
  a.sendall(" line\n");
  EXPECT_EQ(file.readline(), "partial line\n");
}

}  // namespace
}  // namespace sockit
