// --max-clients is never exceeded, not even for an instant: 1,000 connections at once against
// a limit of 100, with the server's open connections counted many times during the burst.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace sockit::test {
namespace {

struct Burst {
  int max_open = -1;
  int samples = 0;
  int answered = 0;
};

// Runs connection_burst.py: `n` connections to `server` at once, each sending `payload` (and
// closing once answered, with `close`).
Burst burst(ServerProcess& server, int n, const std::string& payload, bool close = false) {
  const auto r = run_python(
      "import runpy, sys\nsys.argv = sys.argv[1:]\n"
      "runpy.run_path(sys.argv[0], run_name='__main__')\n",
      {std::string(SOCKIT_TEST_DIR) + "/e2e/connection_burst.py",
       std::to_string(server.child().pid()), std::to_string(server.port()), std::to_string(n),
       payload, close ? "close" : "stay"},
      {}, std::chrono::seconds(90));
  std::smatch m;
  Burst b;
  if (!std::regex_search(r.out, m, std::regex(R"(max_open=(\d+) samples=(\d+) answered=(\d+))"))) {
    ADD_FAILURE() << r.out << r.err;
    return b;
  }
  b.max_open = std::stoi(m[1]);
  b.samples = std::stoi(m[2]);
  b.answered = std::stoi(m[3]);
  return b;
}

TEST(ConnectionLimit, HttpServeNeverHoldsMoreThanMaxClients) {
  TempDir site("sockit-limit");
  site.write("index.html", "<h1>home</h1>\n");
  ServerProcess server({"http", "serve", site.path().string(), "--listen", "127.0.0.1:0",
                        "--max-clients", "100", "--quiet"});
  // Each asks for a page and then rests on its keep-alive connection: room for the next ones
  // is made by closing those that rest longest. (One accepted before its request arrived is
  // idle too, and may be closed unanswered, as nginx would: most are answered.)
  const auto b = burst(server, 1000, R"(GET / HTTP/1.1\r\nHost: x\r\n\r\n)");
  EXPECT_LE(b.max_open, 100) << b.samples << " samples";
  EXPECT_GE(b.samples, 10);
  EXPECT_GE(b.answered, 500);
  EXPECT_EQ(server.stop(), 0);
}

TEST(ConnectionLimit, ChatServeNeverHoldsMoreThanMaxClientsAndItsServerFullRoom) {
  ServerProcess server({"chat", "serve", "--tcp", "127.0.0.1:0", "--http", "none", "--data", "none",
                        "--max-clients", "100", "--login-timeout", "60"});
  // 100 are admitted and wait for a login; the others are told server_full, on at most 64
  // sockets more at a time.
  const auto b = burst(server, 1000, R"({"type":"ping"})");
  EXPECT_LE(b.max_open, 164) << b.samples << " samples";
  EXPECT_GE(b.samples, 10);
  EXPECT_EQ(b.answered, 1000);
  EXPECT_EQ(server.stop(), 0);
}

TEST(ConnectionLimit, EchoServeThreadingAndForkingNeverHoldMoreThanMaxClients) {
  // The blocking models wait for a free thread or child before they accept, not after. (A
  // forking server cannot close another process's idle connection: these clients leave once
  // answered.)
  for (const std::string model : {"threading", "forking"}) {
    ServerProcess server({"echo", "serve", "127.0.0.1:0", "--model", model, "--max-clients", "50"});
    const auto b = burst(server, 500, R"(hello\n)", model == "forking");
    EXPECT_LE(b.max_open, 50) << model << ", " << b.samples << " samples";
    EXPECT_GE(b.samples, 10) << model;
    EXPECT_GE(b.answered, 250) << model;
    EXPECT_EQ(server.stop(), 0) << model;
  }
}

}  // namespace
}  // namespace sockit::test
