// The socketserver framework over loopback: every model serves many clients, stops promptly
// and cleanly, reports handler errors and keeps serving, refuses what verify_request refuses,
// and reaps every child.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include "sockit/core/error.hpp"
#include "sockit/server/async_server.hpp"
#include "sockit/server/base_server.hpp"
#include "sockit/socket/factories.hpp"

namespace sockit::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Echoes each line until the client closes.
class LineEcho : public StreamRequestHandler {
 public:
  using StreamRequestHandler::StreamRequestHandler;
  void handle() override {
    for (;;) {
      const auto line = rfile->readline();
      if (line.empty()) return;
      if (line == "boom\n") throw std::runtime_error("handler exploded");
      wfile->write(line);
      wfile->flush();
    }
  }
};

class PacketEcho : public DatagramRequestHandler {
 public:
  using DatagramRequestHandler::DatagramRequestHandler;
  void handle() override { reply("echo:" + packet); }
};

boost::asio::awaitable<void> async_line_echo(AsyncStream& socket, const Address&) {
  std::string buffer(4096, '\0');
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(
        boost::asio::buffer(buffer), boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec) co_return;
    co_await boost::asio::async_write(socket, boost::asio::buffer(buffer.data(), n),
                                      boost::asio::use_awaitable);
  }
}

// Runs serve_forever on a thread; shuts down and joins on destruction.
template <class Server>
class Running {
 public:
  template <class... Args>
  explicit Running(Args&&... args) : server(std::forward<Args>(args)...) {
    thread = std::thread([this] { serve(); });
  }
  ~Running() {
    server.shutdown();
    thread.join();
  }
  Address address() const { return server.server_address(); }
  Server server;
  std::thread thread;

 private:
  void serve() {
    if constexpr (std::is_base_of_v<BaseServer, Server>) {
      server.serve_forever(50ms);
    } else {
      server.serve_forever();
    }
  }
};

Socket connect_to(const Address& address) {
  Socket s(address.family(), SOCK_STREAM);
  s.settimeout(20s);
  s.connect(address);
  return s;
}

// 200 clients connect at once, each sends its line, then each reads its echo and leaves.
void two_hundred_clients(const Address& address) {
  std::vector<Socket> clients;
  for (int i = 0; i < 200; ++i) clients.push_back(connect_to(address));
  for (int i = 0; i < 200; ++i) clients[static_cast<std::size_t>(i)].sendall("client " + std::to_string(i) + "\n");
  for (int i = 0; i < 200; ++i) {
    auto file = clients[static_cast<std::size_t>(i)].makefile();
    ASSERT_EQ(file.readline(), "client " + std::to_string(i) + "\n");
    clients[static_cast<std::size_t>(i)].close();
  }
}

ServerConfig with_model(Model model) {
  ServerConfig config;
  config.model = model;
  config.max_threads = 64;
  config.max_children = 16;
  return config;
}

Endpoint loopback() { return Endpoint::parse("127.0.0.1:0"); }

TEST(Server, SequentialServesTwoHundredClients) {
  Running<TCPServer> s(loopback(), handler_of<LineEcho>(), with_model(Model::sequential));
  two_hundred_clients(s.address());
}

TEST(Server, ThreadingServesTwoHundredClients) {
  Running<TCPServer> s(loopback(), handler_of<LineEcho>(), with_model(Model::threading));
  two_hundred_clients(s.address());
}

TEST(Server, AsyncServesTwoHundredClients) {
  ServerConfig config = with_model(Model::async);
  config.threads = 2;
  Running<AsyncServer> s(loopback(), StreamCoroutine(async_line_echo), config);
  two_hundred_clients(s.address());
}

int zombie_children_of(pid_t parent) {
  int zombies = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream stat(entry.path() / "stat");
    std::string pid, comm, state;
    int ppid = 0;
    if (!(stat >> pid >> comm >> state >> ppid)) continue;
    if (ppid == parent && state == "Z") ++zombies;
  }
  return zombies;
}

// A forking server in a process of its own, forked before any client socket exists: its
// children must not inherit the test's client ends (they would hold those connections open).
class ForkedServer {
 public:
  explicit ForkedServer(ServerConfig config)
      : server_(loopback(), handler_of<LineEcho>(), config) {
    pid_ = ::fork();
    if (pid_ == 0) {
      StopOnSignals signals(server_);
      server_.serve_forever(20ms);
      ::_exit(0);
    }
  }
  ~ForkedServer() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  Address address() const { return server_.server_address(); }
  pid_t pid() const { return pid_; }

 private:
  TCPServer server_;
  pid_t pid_ = -1;
};

TEST(Server, ForkingServesTwoHundredClients) {
  ForkedServer s(with_model(Model::forking));
  two_hundred_clients(s.address());
}

TEST(Server, ForkingLeavesNoZombiesAndStopsOnSigterm) {
  ForkedServer s(with_model(Model::forking));
  for (int i = 0; i < 20; ++i) {
    auto c = connect_to(s.address());
    c.sendall("x\n");
    EXPECT_EQ(c.makefile().readline(), "x\n");
  }
  // Every child has exited; the serving loop reaps within a poll interval or two.
  const auto deadline = Clock::now() + 5s;
  while (zombie_children_of(s.pid()) > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(zombie_children_of(s.pid()), 0);
  ::kill(s.pid(), SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(s.pid(), &status, 0), s.pid());
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);  // a clean stop, not death by signal
}

TEST(Server, UdpForkingDatagramHandler) {
  UDPServer server(loopback(), handler_of<PacketEcho>(), with_model(Model::forking));
  const pid_t pid = ::fork();
  if (pid == 0) {
    StopOnSignals signals(server);
    server.serve_forever(20ms);
    ::_exit(0);
  }
  Socket c(AF_INET, SOCK_DGRAM);
  c.settimeout(10s);
  c.sendto("ping", server.server_address());
  EXPECT_EQ(c.recvfrom(100).first, "echo:ping");
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
}

TEST(Server, ShutdownReturnsWithinThePollInterval) {
  TCPServer server(loopback(), handler_of<LineEcho>(), with_model(Model::threading));
  std::thread t([&] { server.serve_forever(100ms); });
  std::this_thread::sleep_for(150ms);
  const auto start = Clock::now();
  server.shutdown();
  EXPECT_LT(Clock::now() - start, 2s);
  t.join();
}

class CountingServer : public TCPServer {
 public:
  using TCPServer::TCPServer;
  std::atomic<int> errors{0};

 protected:
  void handle_error(const Address& client, std::exception_ptr error) override {
    ++errors;
    TCPServer::handle_error(client, error);
  }
};

TEST(Server, AThrowingHandlerIsReportedAndTheNextRequestIsServed) {
  for (Model model : {Model::sequential, Model::threading}) {
    SCOPED_TRACE(std::string(to_string(model)));
    Running<CountingServer> s(loopback(), handler_of<LineEcho>(), with_model(model));
    {
      auto bad = connect_to(s.address());
      bad.sendall("boom\n");
      EXPECT_EQ(bad.recv(10), "");  // the server closed the failed request
    }
    auto good = connect_to(s.address());
    good.sendall("fine\n");
    EXPECT_EQ(good.makefile().readline(), "fine\n");
    EXPECT_EQ(s.server.errors.load(), 1);
  }
}

class RefusingServer : public TCPServer {
 public:
  using TCPServer::TCPServer;

 protected:
  bool verify_request(const Address&) override { return false; }
};

TEST(Server, VerifyRequestRefusalClosesTheConnection) {
  Running<RefusingServer> s(loopback(), handler_of<LineEcho>(), with_model(Model::threading));
  auto c = connect_to(s.address());
  c.sendall("hello\n");
  try {
    EXPECT_EQ(c.recv(10), "");
  } catch (const socket_error& e) {
    EXPECT_EQ(e.code(), std::errc::connection_reset);  // closed with unread data: RST
  }
}

TEST(Server, HandleRequestTimesOut) {
  class TimeoutServer : public TCPServer {
   public:
    using TCPServer::TCPServer;
    int timeouts = 0;

   protected:
    void handle_timeout() override { ++timeouts; }
  };
  ServerConfig config = with_model(Model::sequential);
  config.timeout = 100ms;
  TimeoutServer server(loopback(), handler_of<LineEcho>(), config);
  EXPECT_FALSE(server.handle_request());
  EXPECT_EQ(server.timeouts, 1);
  auto c = connect_to(server.server_address());
  c.sendall("one\n");
  c.shutdown(SHUT_WR);
  EXPECT_TRUE(server.handle_request());
  EXPECT_EQ(c.makefile().readline(), "one\n");
}

TEST(Server, StopCutsOffAStuckRequestAfterTheGrace) {
  ServerConfig config = with_model(Model::threading);
  config.grace = 200ms;
  TCPServer server(loopback(), handler_of<LineEcho>(), config);
  std::thread t([&] { server.serve_forever(50ms); });
  auto idle = connect_to(server.server_address());  // connects and never sends
  idle.sendall("hi\n");
  EXPECT_EQ(idle.makefile().readline(), "hi\n");
  const auto start = Clock::now();
  server.shutdown();
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_EQ(server.active_requests(), 0u);
  t.join();
}

TEST(Server, UdpDatagramHandler) {
  for (Model model : {Model::sequential, Model::threading}) {
    SCOPED_TRACE(std::string(to_string(model)));
    Running<UDPServer> s(loopback(), handler_of<PacketEcho>(), with_model(model));
    Socket c(AF_INET, SOCK_DGRAM);
    c.settimeout(10s);
    c.sendto("ping", s.address());
    EXPECT_EQ(c.recvfrom(100).first, "echo:ping");
  }
}

TEST(Server, UnixStreamAndDatagramHandlers) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto stream_path = (dir / ("sockit-srv-" + std::to_string(::getpid()) + ".sock")).string();
  const auto dgram_path = (dir / ("sockit-srvd-" + std::to_string(::getpid()) + ".sock")).string();
  const auto client_path = (dir / ("sockit-cli-" + std::to_string(::getpid()) + ".sock")).string();
  {
    Running<UnixStreamServer> s(Endpoint::parse("unix:" + stream_path), handler_of<LineEcho>(),
                                with_model(Model::threading));
    auto c = connect_to(s.address());
    c.sendall("over unix\n");
    EXPECT_EQ(c.makefile().readline(), "over unix\n");
  }
  EXPECT_FALSE(std::filesystem::exists(stream_path));  // server_close removed its file
  {
    Running<UnixDatagramServer> s(Endpoint::parse("unix:" + dgram_path), handler_of<PacketEcho>(),
                                  with_model(Model::sequential));
    std::filesystem::remove(client_path);
    Socket c(AF_UNIX, SOCK_DGRAM);
    c.bind(Address::unix_path(client_path));  // a datagram reply needs a named sender
    c.settimeout(10s);
    c.sendto("hi", s.address());
    EXPECT_EQ(c.recv(100), "echo:hi");
    std::filesystem::remove(client_path);
  }
}

TEST(Server, WrongEndpointKindIsRefused) {
  EXPECT_THROW(TCPServer(Endpoint::parse("unix:/tmp/x"), handler_of<LineEcho>()),
               std::invalid_argument);
  EXPECT_THROW(UnixStreamServer(loopback(), handler_of<LineEcho>()), std::invalid_argument);
  ServerConfig async = with_model(Model::async);
  EXPECT_THROW(TCPServer(loopback(), handler_of<LineEcho>(), async), std::invalid_argument);
  EXPECT_THROW(parse_model("fibers"), parse_error);
}

TEST(Server, AsyncStopClosesOpenSessionsAfterTheGrace) {
  ServerConfig config = with_model(Model::async);
  config.threads = 2;
  config.grace = 200ms;
  AsyncServer server(loopback(), StreamCoroutine(async_line_echo), config);
  std::thread t([&] { server.serve_forever(); });
  auto c = connect_to(server.server_address());
  c.sendall("x\n");
  EXPECT_EQ(c.recv(10), "x\n");
  EXPECT_EQ(server.active_sessions(), 1u);
  const auto start = Clock::now();
  server.shutdown();
  EXPECT_LT(Clock::now() - start, 5s);
  t.join();
  EXPECT_EQ(c.recv(10), "");  // the server closed the session
}

boost::asio::awaitable<void> async_greeting(AsyncStream& socket, const Address&) {
  co_await boost::asio::async_write(socket, boost::asio::buffer(std::string_view("hello\n")),
                                    boost::asio::use_awaitable);
}

TEST(Server, AsyncServesSeveralPortsOnOnePoolAndStopsThemTogether) {
  ServerConfig config = with_model(Model::async);
  config.threads = 2;
  AsyncServer server(loopback(), StreamCoroutine(async_line_echo), config);
  const Address second = server.listen(loopback(), StreamCoroutine(async_greeting));
  const Address unix_path = server.listen(
      Endpoint::parse("unix:" + (std::filesystem::temp_directory_path() / "sockit-two-ports.sock").string()),
      StreamCoroutine(async_greeting));
  EXPECT_NE(second.port(), server.server_address().port());
  std::thread t([&] { server.serve_forever(); });
  auto echo = connect_to(server.server_address());
  echo.sendall("x\n");
  EXPECT_EQ(echo.recv(10), "x\n");
  EXPECT_EQ(connect_to(second).recv(10), "hello\n");
  EXPECT_EQ(connect_to(unix_path).recv(10), "hello\n");
  server.shutdown();
  t.join();
  EXPECT_EQ(echo.recv(10), "");
  EXPECT_THROW(connect_to(second), std::exception) << "every port closes with the stop";
}

TEST(Server, AsyncConnectionLimit) {
  ServerConfig config = with_model(Model::async);
  config.threads = 1;
  config.max_connections = 2;
  Running<AsyncServer> s(loopback(), StreamCoroutine(async_line_echo), config);
  auto a = connect_to(s.address());
  auto b = connect_to(s.address());
  a.sendall("a\n");
  b.sendall("b\n");
  EXPECT_EQ(a.recv(10), "a\n");
  EXPECT_EQ(b.recv(10), "b\n");
  auto third = connect_to(s.address());  // waits in the listen queue, not accepted
  third.sendall("c\n");
  third.settimeout(std::chrono::milliseconds(300));
  EXPECT_THROW(third.recv(10), timeout_error);
  a.close();  // its slot comes back once the server has closed its end
  third.settimeout(std::chrono::seconds(5));
  EXPECT_EQ(third.recv(10), "c\n");
}

}  // namespace
}  // namespace sockit::server
