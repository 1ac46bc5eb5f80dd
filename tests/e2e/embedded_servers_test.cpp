// The servers as a program embeds them (server/service.hpp), in this process: bound when
// constructed, serving from start(), stopped cleanly by stop() — no binary, no signals.
#include <gtest/gtest.h>

#include <fstream>

#include "sockit/chat/server.hpp"
#include "sockit/echo/echo.hpp"
#include "sockit/http/static_server.hpp"
#include "sockit/socket/factories.hpp"
#include "sockit/socket/socket_file.hpp"
#include "support/temp_dir.hpp"

namespace sockit::test {
namespace {

using namespace std::chrono_literals;

const Endpoint kAnyLoopbackPort = Endpoint::parse("127.0.0.1:0");

SocketFile connect_to(const Address& where, Socket& socket) {
  socket = create_connection(Endpoint::parse(where.to_string()), {.timeout = 10s});
  return socket.makefile();
}

TEST(EmbeddedServers, AChatServerStartsAndStopsInsideAProgramSayingGoodbye) {
  chat::ChatOptions options;
  options.http = kAnyLoopbackPort;
  chat::ChatServer chat(kAnyLoopbackPort, options);
  ASSERT_NE(chat.tcp_address().port(), 0);
  ASSERT_TRUE(chat.web_address());
  chat.start();

  Socket socket;
  SocketFile in = connect_to(chat.tcp_address(), socket);
  socket.sendall(R"({"type":"login","nickname":"zhangsan"})" "\n");
  EXPECT_NE(in.readline().find(R"("status":"ok")"), std::string::npos);
  Socket web = create_connection(Endpoint::parse(chat.web_address()->to_string()), {.timeout = 10s});
  web.sendall("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(web.makefile().readline().find("200"), std::string::npos) << "the web port serves too";

  chat.stop();
  std::string rest;
  for (std::string line; !(line = in.readline()).empty();) rest += line;
  EXPECT_NE(rest.find(R"("code":"shutting_down")"), std::string::npos) << rest;
  chat.stop();  // idempotent
}

TEST(EmbeddedServers, AStaticServerServesItsRootUntilStopped) {
  TempDir dir("sockit-embedded-http");
  std::ofstream(dir.path() / "hello.txt") << "hello, 你好\n";
  http::StaticOptions options;
  options.root = dir.path();
  options.access_log = false;
  http::StaticServer server(kAnyLoopbackPort, options);
  server.start();
  Socket socket;
  SocketFile in = connect_to(server.local_address(), socket);
  socket.sendall("GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string response;
  for (std::string line; !(line = in.readline()).empty();) response += line;
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK", 0), 0u) << response;
  EXPECT_NE(response.find("\r\n\r\nhello, 你好\n"), std::string::npos) << response;
  server.stop();
  EXPECT_THROW(create_connection(Endpoint::parse(server.local_address().to_string()), {.timeout = 2s}),
               std::exception)
      << "nothing listens after stop()";
}

TEST(EmbeddedServers, EchoServersOfEveryModelStartAndStop) {
  for (const auto model : {server::Model::sequential, server::Model::threading, server::Model::async}) {
    server::ServerConfig config;
    config.model = model;
    echo::EchoServer echo(kAnyLoopbackPort, false, config, {});
    echo.start();
    Socket socket;
    SocketFile in = connect_to(echo.local_address(), socket);
    socket.sendall("ping\n");
    EXPECT_EQ(in.readline(), "ping\n") << server::to_string(model);
    socket.close();
    echo.stop();
  }
}

TEST(EmbeddedServers, ABadRootIsRefusedWhenConstructed) {
  http::StaticOptions options;
  options.root = "/nonexistent/sockit";
  EXPECT_THROW(http::StaticServer(kAnyLoopbackPort, options), std::invalid_argument);
}

}  // namespace
}  // namespace sockit::test
