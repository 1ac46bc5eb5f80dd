// The socket layer over loopback, socketpairs and Unix sockets: every family and type the
// seeds list, Python's timeout semantics, and option round trips.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "sockit/core/error.hpp"
#include "sockit/socket/factories.hpp"
#include "sockit/socket/resolve.hpp"
#include "sockit/socket/socket.hpp"
#include "sockit/socket/socket_file.hpp"

namespace sockit {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string temp_socket_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("sockit-test-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

// Accepts one connection and echoes what it reads until EOF.
std::thread echo_once(Socket& server) {
  return std::thread([&server] {
    auto [conn, peer] = server.accept();
    for (;;) {
      const auto data = conn.recv(4096);
      if (data.empty()) break;
      conn.sendall(data);
    }
  });
}

void stream_round_trip(Socket& server, const Address& target) {
  auto echo = echo_once(server);
  Socket client(target.family(), server.type());
  client.settimeout(5s);
  client.connect(target);
  client.sendall("hello, 你好");
  auto file = client.makefile();
  EXPECT_EQ(file.read(std::string("hello, 你好").size()), "hello, 你好");
  client.shutdown(SHUT_WR);
  EXPECT_EQ(client.recv(10), "");  // orderly close: empty, as in Python
  echo.join();
}

TEST(SocketLoopback, TcpIpv4RoundTrip) {
  Socket server(AF_INET, SOCK_STREAM);
  server.bind(Address::loopback4(0));
  server.listen(8);
  const auto target = server.getsockname();
  EXPECT_EQ(target.host(), "127.0.0.1");
  EXPECT_NE(target.port(), 0);
  stream_round_trip(server, target);
}

TEST(SocketLoopback, TcpIpv6RoundTrip) {
  Socket server(AF_INET6, SOCK_STREAM);
  try {
    server.bind(Address::loopback6(0));
  } catch (const socket_error& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  server.listen(8);
  stream_round_trip(server, server.getsockname());
}

TEST(SocketLoopback, PeerAndSockNamesMatch) {
  auto server = create_server("127.0.0.1:0");
  Socket client(AF_INET, SOCK_STREAM);
  client.connect(server.getsockname());
  auto [conn, peer] = server.accept();
  EXPECT_EQ(peer, client.getsockname());
  EXPECT_EQ(conn.getpeername(), client.getsockname());
  EXPECT_EQ(client.getpeername(), server.getsockname());
}

TEST(SocketLoopback, UdpRoundTripWithRecvfrom) {
  Socket server(AF_INET, SOCK_DGRAM);
  server.bind(Address::loopback4(0));
  Socket client(AF_INET, SOCK_DGRAM);
  client.bind(Address::loopback4(0));
  client.settimeout(5s);
  server.settimeout(5s);
  const std::string payload("binary\0data", 11);
  EXPECT_EQ(client.sendto(payload, server.getsockname()), payload.size());
  auto [data, from] = server.recvfrom(65536);
  EXPECT_EQ(data, payload);
  EXPECT_EQ(from, client.getsockname());
  server.sendto("reply", from);
  auto [answer, replier] = client.recvfrom(65536);
  EXPECT_EQ(answer, "reply");
  EXPECT_EQ(replier, server.getsockname());
}

TEST(SocketLoopback, UnixStreamRoundTrip) {
  const auto path = temp_socket_path("stream");
  auto server = create_server("unix:" + path);
  stream_round_trip(server, Address::unix_path(path));
  server.close();
  std::filesystem::remove(path);
}

TEST(SocketLoopback, UnixAbstractStreamRoundTrip) {
  const std::string name = "sockit-test-" + std::to_string(::getpid());
  auto server = create_server("unix:@" + name);
  EXPECT_EQ(server.getsockname().to_string(), "unix:@" + name);
  stream_round_trip(server, Address::unix_abstract(name));
}

TEST(SocketLoopback, UnixDatagramRoundTrip) {
  const auto server_path = temp_socket_path("dgram-server");
  const auto client_path = temp_socket_path("dgram-client");
  std::filesystem::remove(server_path);
  std::filesystem::remove(client_path);
  Socket server(AF_UNIX, SOCK_DGRAM);
  server.bind(Address::unix_path(server_path));
  Socket client(AF_UNIX, SOCK_DGRAM);
  client.bind(Address::unix_path(client_path));
  client.sendto("ping", Address::unix_path(server_path));
  server.settimeout(5s);
  auto [data, from] = server.recvfrom(100);
  EXPECT_EQ(data, "ping");
  EXPECT_EQ(from.path(), client_path);
  server.sendto("pong", from);
  client.settimeout(5s);
  EXPECT_EQ(client.recv(100), "pong");
  std::filesystem::remove(server_path);
  std::filesystem::remove(client_path);
}

TEST(SocketLoopback, UnixSeqpacketKeepsMessageBoundaries) {
  const auto path = temp_socket_path("seqpacket");
  ServerOptions options;
  options.type = SOCK_SEQPACKET;
  auto server = create_server("unix:" + path, options);
  Socket client(AF_UNIX, SOCK_SEQPACKET);
  client.connect(Address::unix_path(path));
  auto [conn, peer] = server.accept();
  client.sendall("one");
  client.sendall("two");
  conn.settimeout(5s);
  EXPECT_EQ(conn.recv(100), "one");  // one message per recv, never merged
  EXPECT_EQ(conn.recv(100), "two");
  std::filesystem::remove(path);
}

TEST(SocketLoopback, StaleUnixSocketFileIsReplaced) {
  const auto path = temp_socket_path("stale");
  {
    auto dead = create_server("unix:" + path);
  }  // closed without unlinking: the file stays, nobody accepts
  ASSERT_TRUE(std::filesystem::exists(path));
  auto server = create_server("unix:" + path);
  EXPECT_EQ(server.getsockname().path(), path);
  std::filesystem::remove(path);
}

TEST(SocketLoopback, LiveUnixSocketIsNotStolen) {
  const auto path = temp_socket_path("live");
  auto server = create_server("unix:" + path);
  try {
    create_server("unix:" + path);
    ADD_FAILURE() << "a second server took a live socket path";
  } catch (const socket_error& e) {
    EXPECT_EQ(e.code(), std::errc::address_in_use);
  }
  std::filesystem::remove(path);
}

TEST(SocketErrors, ConnectExOnClosedPortIsConnectionRefused) {
  Address closed;
  {
    Socket probe(AF_INET, SOCK_STREAM);
    probe.bind(Address::loopback4(0));
    closed = probe.getsockname();
  }  // bound but never listening, then closed: nothing accepts on this port
  Socket client(AF_INET, SOCK_STREAM);
  EXPECT_EQ(client.connect_ex(closed), std::errc::connection_refused);
  Socket again(AF_INET, SOCK_STREAM);
  try {
    again.connect(closed);
    ADD_FAILURE() << "connect succeeded";
  } catch (const socket_error& e) {
    EXPECT_EQ(e.code(), std::errc::connection_refused);
    EXPECT_NE(std::string(e.what()).find("connect 127.0.0.1:"), std::string::npos);
  }
}

TEST(SocketErrors, ReceiveTimeoutRaisesTimeoutErrorNearTheTimeout) {
  auto [a, b] = Socket::pair();
  b.settimeout(300ms);
  EXPECT_EQ(b.gettimeout(), Timeout(300ms));
  const auto start = Clock::now();
  EXPECT_THROW(b.recv(10), timeout_error);
  const auto took = Clock::now() - start;
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 5s);  // generous: a loaded CI machine may be slow, but never forever
}

TEST(SocketErrors, NonBlockingRecvReportsWouldBlock) {
  auto [a, b] = Socket::pair();
  b.setblocking(false);
  EXPECT_FALSE(b.getblocking());
  EXPECT_THROW(b.recv(10), would_block_error);
  a.sendall("x");
  EXPECT_EQ(b.recv(10), "x");
  b.setblocking(true);
  EXPECT_TRUE(b.getblocking());
  EXPECT_FALSE(b.gettimeout().has_value());
}

TEST(SocketErrors, ErrorCodeOverloadsDoNotThrow) {
  auto [a, b] = Socket::pair();
  b.setblocking(false);
  char buf[4];
  std::error_code ec;
  EXPECT_EQ(b.recv_into(buf, ec), 0u);
  EXPECT_EQ(ec, std::errc::operation_would_block);
  a.close();
  EXPECT_EQ(b.send("x", ec), 0u);
  EXPECT_EQ(ec, std::errc::broken_pipe);  // and no SIGPIPE killed the test
}

TEST(SocketErrors, SendToAClosedPeerIsAnErrorNotASignal) {
  auto [a, b] = Socket::pair();
  b.close();
  try {
    a.sendall("data");
    ADD_FAILURE() << "send succeeded";
  } catch (const socket_error& e) {
    EXPECT_EQ(e.code(), std::errc::broken_pipe);
  }
}

TEST(SocketErrors, NegativeTimeoutIsRejected) {
  Socket s(AF_INET, SOCK_STREAM);
  EXPECT_THROW(s.settimeout(std::chrono::milliseconds(-1)), std::invalid_argument);
}

TEST(SocketData, SendallOf64MiBThroughASocketpairArrivesIntact) {
  auto [a, b] = Socket::pair();
  std::string data(64u << 20, '\0');
  std::mt19937 rng(42);
  for (auto& c : data) c = static_cast<char>(rng());
  std::string received;
  received.reserve(data.size());
  std::thread reader([&b = b, &received] {
    char buf[1 << 16];
    for (;;) {
      const auto n = b.recv_into(buf);
      if (n == 0) break;
      received.append(buf, n);
    }
  });
  a.sendall(data);
  a.shutdown(SHUT_WR);
  reader.join();
  ASSERT_EQ(received.size(), data.size());
  EXPECT_TRUE(received == data);
}

TEST(SocketData, SendallWithTimeoutBoundsTheWholeCall) {
  auto [a, b] = Socket::pair();
  a.settimeout(300ms);
  const auto start = Clock::now();
  EXPECT_THROW(a.sendall(std::string(32u << 20, 'x')), timeout_error);  // nobody reads
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST(SocketOptions, RoundTrip) {
  Socket s(AF_INET, SOCK_STREAM);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  EXPECT_EQ(s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 1);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 0);
  EXPECT_EQ(s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 0);
  s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  EXPECT_EQ(s.getsockopt(IPPROTO_TCP, TCP_NODELAY), 1);
  s.setsockopt(SOL_SOCKET, SO_RCVBUF, 65536);
  EXPECT_GE(s.getsockopt(SOL_SOCKET, SO_RCVBUF), 65536);  // Linux doubles what is asked
  EXPECT_EQ(s.getsockopt(SOL_SOCKET, SO_TYPE), SOCK_STREAM);
  EXPECT_THROW(s.setsockopt(SOL_SOCKET, 0x7fff, 1), socket_error);
}

TEST(SocketOptions, IdentityAndOwnership) {
  Socket s(AF_INET6, SOCK_DGRAM);
  EXPECT_EQ(s.family(), AF_INET6);
  EXPECT_EQ(s.type(), SOCK_DGRAM);
  const int fd = s.fileno();
  EXPECT_GE(fd, 0);
  Socket moved = std::move(s);
  EXPECT_FALSE(s);
  EXPECT_TRUE(moved);
  EXPECT_EQ(moved.fileno(), fd);
  auto adopted = Socket::adopt(moved.detach());
  EXPECT_EQ(adopted.family(), AF_INET6);
  EXPECT_EQ(adopted.type(), SOCK_DGRAM);
  adopted.close();
  EXPECT_FALSE(adopted);
  adopted.close();  // closing twice is harmless
}

TEST(SocketFactories, CreateServerIsDualStackAndReusesAddresses) {
  auto server = create_server(":0");
  EXPECT_EQ(server.getsockopt(SOL_SOCKET, SO_REUSEADDR), 1);
  const auto port = server.getsockname().port();
  if (server.family() != AF_INET6) GTEST_SKIP() << "no dual-stack IPv6 here";
  auto v4 = create_connection(Endpoint::parse("127.0.0.1:" + std::to_string(port)));
  auto v6 = create_connection(Endpoint::parse("[::1]:" + std::to_string(port)));
  auto [c1, p1] = server.accept();
  auto [c2, p2] = server.accept();
  EXPECT_EQ(p1.host(), "::ffff:127.0.0.1");
  EXPECT_EQ(p2.host(), "::1");
}

TEST(SocketFactories, CreateConnectionByNameWithTimeout) {
  auto server = create_server("127.0.0.1:0", ServerOptions{.family = AF_INET});
  ConnectOptions options;
  options.timeout = 2s;
  auto client =
      create_connection("localhost:" + std::to_string(server.getsockname().port()), options);
  EXPECT_EQ(client.gettimeout(), Timeout(2s));
  EXPECT_EQ(client.getpeername().host(), "127.0.0.1");
}

TEST(SocketFactories, ReusePortLetsTwoListenersShareAPort) {
  ServerOptions options;
  options.reuse_port = true;
  options.family = AF_INET;
  auto first = create_server("127.0.0.1:0", options);
  const auto port = first.getsockname().port();
  auto second = create_server("127.0.0.1:" + std::to_string(port), options);
  EXPECT_EQ(second.getsockname().port(), port);
}

TEST(SocketFactories, DatagramServerIsBoundNotListening) {
  auto server = create_server("127.0.0.1:0", ServerOptions{.type = SOCK_DGRAM});
  EXPECT_EQ(server.type(), SOCK_DGRAM);
  EXPECT_NE(server.getsockname().port(), 0);
}

TEST(SocketRaw, IcmpRawSocketOrSkip) {
  try {
    Socket raw(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    EXPECT_EQ(raw.type(), SOCK_RAW);
  } catch (const socket_error& e) {
    GTEST_SKIP() << "raw sockets not permitted here (" << e.what() << ")";
  }
}

TEST(Resolve, LocalhostAndServicesWithoutDns) {
  ResolveOptions v4only;
  v4only.family = AF_INET;
  const auto addresses = resolve("localhost", 80, v4only);
  ASSERT_FALSE(addresses.empty());
  EXPECT_EQ(addresses.front().address.to_string(), "127.0.0.1:80");
  EXPECT_EQ(resolve("::1", 5).front().address.to_string(), "[::1]:5");
  EXPECT_THROW(resolve("bad name!", 1), parse_error);  // refused before any query
  const auto http = service_by_name("http");
  ASSERT_TRUE(http);
  EXPECT_EQ(http->port, 80);
  EXPECT_EQ(service_by_port(443)->name, "https");
  EXPECT_FALSE(service_by_name("no-such-service-xyz"));
  EXPECT_FALSE(gethostname().empty());
  EXPECT_EQ(reverse_lookup(Address::loopback4(0)), "localhost");
}

TEST(Resolve, ErrorCategorySpeaksGai) {
  const std::error_code ec(EAI_NONAME, resolve_category());
  EXPECT_STREQ(ec.category().name(), "resolve");
  EXPECT_FALSE(ec.message().empty());
}

}  // namespace
}  // namespace sockit
