// `sockit echo` against clients written the way the tutorials write theirs: Python's socket
// module, send/recv and sendto/recvfrom, over TCP, UDP and Unix sockets, for every model.
#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

#include "support/idle_clients.hpp"
#include "support/server_process.hpp"

namespace sockit::test {
namespace {

const char* kModels[] = {"sequential", "threading", "forking", "async"};

// The tutorial's TCP client: send, then recv until the whole echo is back; binary data too.
const char* kTcpClient = R"(
import socket, sys, os
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(10)
s.connect((host, port))
for msg in ['hello'.encode(), '你好,服务器'.encode(), bytes(range(256)) * 64]:
    s.sendall(msg)
    got = b''
    while len(got) < len(msg):
        chunk = s.recv(1024)
        if not chunk:
            sys.exit('closed early')
        got += chunk
    assert got == msg, (got[:40], msg[:40])
s.close()
print('ok')
)";

const char* kUdpClient = R"(
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
for msg in ['hello'.encode(), '你好'.encode(), b'\x00\x01\xff']:
    s.sendto(msg, (host, port))
    data, addr = s.recvfrom(1024)
    assert data == msg, (data, msg)
print('ok')
)";

const char* kUnixClient = R"(
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall('over unix, 你好'.encode())
got = b''
while len(got) < len('over unix, 你好'.encode()):
    got += s.recv(1024)
assert got == 'over unix, 你好'.encode()
print('ok')
)";

class EchoModels : public ::testing::TestWithParam<const char*> {};

TEST_P(EchoModels, TcpClientGetsEveryByteBack) {
  ServerProcess server({"echo", "serve", "127.0.0.1:0", "--model", GetParam()});
  const auto r = run_python(kTcpClient, {"127.0.0.1", std::to_string(server.port())});
  EXPECT_EQ(r.out, "ok\n") << r.err;
  EXPECT_EQ(server.stop(), 0);
}

TEST_P(EchoModels, UdpClientGetsEachDatagramBack) {
  ServerProcess server({"echo", "serve", "127.0.0.1:0", "--udp", "--model", GetParam()});
  const auto r = run_python(kUdpClient, {"127.0.0.1", std::to_string(server.port())});
  EXPECT_EQ(r.out, "ok\n") << r.err;
  EXPECT_EQ(server.stop(), 0);
}

TEST_P(EchoModels, UnixStreamClient) {
  const auto path = (std::filesystem::temp_directory_path() /
                     ("sockit-echo-" + std::string(GetParam()) + std::to_string(::getpid())))
                        .string();
  ServerProcess server({"echo", "serve", "--unix", path, "--model", GetParam()});
  EXPECT_EQ(server.address(), "unix:" + path);
  const auto r = run_python(kUnixClient, {path});
  EXPECT_EQ(r.out, "ok\n") << r.err;
  EXPECT_EQ(server.stop(), 0);
  EXPECT_FALSE(std::filesystem::exists(path));  // a clean stop removes the socket file
}

TEST_P(EchoModels, ReplyModeAnswersTheTutorialsClient) {
  ServerProcess server({"echo", "serve", "127.0.0.1:0", "--model", GetParam(), "--reply",
                        "服务器已经收到你的信息"});
  // As the tutorial writes it: send without a newline, then one recv(1024). The answer is
  // exactly the text, as the tutorial's server sends it: no newline added.
  const auto r = run_python(R"(
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(('127.0.0.1', int(sys.argv[1])))
for text in ['hello', '在吗']:
    s.send(text.encode())
    print(s.recv(1024).decode() + '|')
s.close()
)",
                            {std::to_string(server.port())});
  EXPECT_EQ(r.out, "服务器已经收到你的信息|\n服务器已经收到你的信息|\n") << r.err;
  EXPECT_EQ(server.stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(AllModels, EchoModels, ::testing::ValuesIn(kModels));

TEST(Echo, UnixDatagram) {
  const auto path =
      (std::filesystem::temp_directory_path() / ("sockit-echod-" + std::to_string(::getpid())))
          .string();
  ServerProcess server({"echo", "serve", "--unix", path, "--udp"});
  const auto r = run_sockit({"echo", "send", "unix:" + path, "--udp", "one", "two"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "one\ntwo\n");
  EXPECT_EQ(server.stop(), 0);
}

TEST(Echo, SendPrintsEachAnswer) {
  ServerProcess server({"echo", "serve", "127.0.0.1:0"});
  const auto r = run_sockit({"echo", "send", server.address(), "hello", "你好"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello\n你好\n");
}

TEST(Echo, OverlongLineInReplyModeGetsAnErrorAndTheSessionGoesOn) {
  ServerProcess server({"echo", "serve", "127.0.0.1:0", "--reply", "ok", "--max-line", "16"});
  const auto r = run_python(R"(
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
f = s.makefile('rwb')
f.write(b'x' * 100 + b'\nshort\n'); f.flush()
print(f.readline().decode().strip()); print(f.read(2).decode())
)",
                            {std::to_string(server.port())});
  EXPECT_EQ(r.out, "error: line longer than 16 bytes\nok\n") << r.err;
}

TEST(Echo, IdleClientIsDisconnected) {
  for (const char* model : {"threading", "async"}) {
    SCOPED_TRACE(model);
    ServerProcess server({"echo", "serve", "127.0.0.1:0", "--idle-timeout", "0.3", "--model", model});
    const auto r = run_python(R"(
import socket, sys, time
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
s.sendall(b'still here'); s.recv(100)   # activity moves the deadline; then silence
start = time.time()
print(s.recv(10) == b'' and time.time() - start < 5)
)",
                              {std::to_string(server.port())});
    EXPECT_EQ(r.out, "True\n") << r.err;
  }
}

TEST(Echo, IdleCrowdMakesRoomForARealClient) {
  // 40 clients that never send, 20 allowed at once: the longest idle are closed to make room,
  // and a real client is answered at once, not after the 300 s idle timeout.
  for (const char* model : {"threading", "async"}) {
    SCOPED_TRACE(model);
    ServerProcess server({"echo", "serve", "127.0.0.1:0", "--max-clients", "20", "--model", model});
    auto crowd = idle_clients(server.port(), 40);
    const auto r = run_python(R"(
import socket, sys, time
start = time.time()
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=3)
s.sendall(b'a real client')
print(s.recv(100).decode(), time.time() - start < 3)
)",
                              {std::to_string(server.port())});
    EXPECT_EQ(r.out, "a real client True\n") << r.err;
    crowd.clear();  // so the stop need not wait out its grace for them
    EXPECT_EQ(server.stop(), 0);
  }
}

TEST(Echo, AbruptlyClosedClientsLeaveTheServerRunning) {
  ServerProcess server({"echo", "serve", "127.0.0.1:0"});
  const auto r = run_python(R"(
import socket, struct, sys
port = int(sys.argv[1])
for i in range(20):
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    s.send(b'x' * 100000)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()  # RST with unread echo in flight
s = socket.create_connection(('127.0.0.1', port), timeout=10)
s.sendall(b'still here')
print(s.recv(100).decode())
)",
                            {std::to_string(server.port())});
  EXPECT_EQ(r.out, "still here\n") << r.err;
  EXPECT_EQ(server.stop(), 0);
}

TEST(Echo, BadArgumentsAreUsageErrors) {
  EXPECT_EQ(run_sockit({"echo", "serve", "::1:80"}).exit_code, 2);
  EXPECT_EQ(run_sockit({"echo", "serve", ":0", "--model", "fibers"}).exit_code, 2);
  EXPECT_EQ(run_sockit({"echo", "send", "127.0.0.1"}).exit_code, 2);
  const auto refused = run_sockit({"echo", "send", "127.0.0.1:1", "x"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("Connection refused"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace sockit::test
