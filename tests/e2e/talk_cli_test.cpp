// `sockit talk`: two real processes (and the tutorials' Python peers) chat both ways.
#include <gtest/gtest.h>

#include "support/server_process.hpp"

namespace sockit::test {
namespace {

// Starts `sockit talk listen 127.0.0.1:0 [--udp]` and returns the address it printed.
std::string listen_address(Child& listener) {
  const auto line = listener.read_err_line_containing("listening on", 20s);
  if (!line) return {};
  return line->substr(line->find("listening on ") + 13);
}

TEST(Talk, TcpBothDirectionsAndQuitEndsBoth) {
  Child a(sockit_argv({"talk", "listen", "127.0.0.1:0"}));
  const auto address = listen_address(a);
  ASSERT_FALSE(address.empty());
  Child b(sockit_argv({"talk", "connect", address}));
  ASSERT_TRUE(a.read_err_line_containing("connected to"));
  a.write("你好, B! 这是中文\n");
  EXPECT_EQ(b.read_line(), "你好, B! 这是中文");
  b.write("hi A\n");
  EXPECT_EQ(a.read_line(), "hi A");
  b.write("quit\n");
  EXPECT_EQ(b.wait(), 0);
  EXPECT_EQ(a.wait(), 0);
  EXPECT_TRUE(a.read_err_line_containing("the peer said quit"));
}

TEST(Talk, PipedInputIsSentThenTheSideWaitsForThePeer) {
  Child a(sockit_argv({"talk", "listen", "127.0.0.1:0"}));
  const auto address = listen_address(a);
  ASSERT_FALSE(address.empty());
  const auto b = run_sockit({"talk", "connect", address}, "line one\nline two\nquit\n");
  EXPECT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(a.read_line(), "line one");
  EXPECT_EQ(a.read_line(), "line two");
  EXPECT_EQ(a.wait(), 0);
}

TEST(Talk, AVanishedPeerIsReported) {
  Child a(sockit_argv({"talk", "listen", "127.0.0.1:0"}));
  const auto address = listen_address(a);
  ASSERT_FALSE(address.empty());
  {
    Child b(sockit_argv({"talk", "connect", address}));
    ASSERT_TRUE(a.read_err_line_containing("connected to"));
    b.signal(SIGKILL);
    b.wait();
  }
  EXPECT_TRUE(a.read_err_line_containing("the peer closed the connection"));
  EXPECT_EQ(a.wait(), 0);
}

TEST(Talk, TheTutorialsPythonPeerOverTcp) {
  Child a(sockit_argv({"talk", "listen", "127.0.0.1:0"}));
  const auto address = listen_address(a);
  ASSERT_FALSE(address.empty());
  const auto port = address.substr(address.rfind(':') + 1);
  // The tutorial's client: send without a newline, then recv(1024).
  Child py({"python3", "-c", R"(
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(('127.0.0.1', int(sys.argv[1])))
s.send('你好,我是B'.encode())
print(s.recv(1024).decode().strip(), flush=True)
s.send(b'quit')
s.close()
)",
            port});
  EXPECT_EQ(a.read_line(), "你好,我是B");  // no newline came: the pause ends the line
  a.write("收到\n");
  EXPECT_EQ(py.read_line(), "收到");
  EXPECT_EQ(a.wait(), 0);
  EXPECT_EQ(py.wait(), 0);
}

TEST(Talk, UdpBothDirections) {
  Child a(sockit_argv({"talk", "listen", "127.0.0.1:0", "--udp"}));
  const auto address = listen_address(a);
  ASSERT_FALSE(address.empty());
  Child b(sockit_argv({"talk", "connect", address, "--udp"}));
  ASSERT_TRUE(a.read_err_line_containing("connected to"));
  b.write("over udp 你好\n");
  EXPECT_EQ(a.read_line(), "over udp 你好");
  a.write("back at you\n");
  EXPECT_EQ(b.read_line(), "back at you");
  a.write("quit\n");
  EXPECT_EQ(a.wait(), 0);
  EXPECT_EQ(b.wait(), 0);
}

TEST(Talk, TheTutorialsPythonPeerOverUdp) {
  Child a(sockit_argv({"talk", "listen", "127.0.0.1:0", "--udp"}));
  const auto address = listen_address(a);
  ASSERT_FALSE(address.empty());
  a.write("typed before anyone came\n");  // kept until a peer appears
  const auto port = address.substr(address.rfind(':') + 1);
  Child py({"python3", "-c", R"(
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto('在吗'.encode(), ('127.0.0.1', int(sys.argv[1])))
data, addr = s.recvfrom(1024)
print(data.decode(), flush=True)
s.sendto(b'quit', addr)
)",
            port});
  EXPECT_EQ(a.read_line(), "在吗");
  EXPECT_EQ(py.read_line(), "typed before anyone came");
  EXPECT_EQ(a.wait(), 0);
}

TEST(Talk, UsageErrors) {
  EXPECT_EQ(run_sockit({"talk"}).exit_code, 2);
  EXPECT_EQ(run_sockit({"talk", "connect"}).exit_code, 2);
  EXPECT_EQ(run_sockit({"talk", "connect", "[::1"}).exit_code, 2);
  EXPECT_EQ(run_sockit({"talk", "connect", "127.0.0.1:1"}, "").exit_code, 1);
}

}  // namespace
}  // namespace sockit::test
