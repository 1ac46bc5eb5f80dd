// A TLS port costs next to nothing for a connection that never sends a ClientHello: the
// server makes no SSL object and no buffers before the first byte (VmRSS of the server with
// 500 such connections open, against before them).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "sockit/socket/factories.hpp"
#include "support/server_process.hpp"
#include "support/test_pki.hpp"

namespace sockit::test {
namespace {

constexpr int kSilent = 500;

long rss_bytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  const std::string text((std::istreambuf_iterator<char>(status)), {});
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(R"(VmRSS:\s+(\d+) kB)"))) return -1;
  return std::stol(m[1]) * 1024;
}

int sockets_of(pid_t pid) {
  int n = 0;
  for (const auto& fd :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    std::error_code ec;
    n += std::filesystem::read_symlink(fd.path(), ec).string().starts_with("socket:");
  }
  return n;
}

// The server's memory per connection that connects and says nothing.
long bytes_per_silent_connection(ServerProcess& server) {
  const pid_t pid = server.child().pid();
  std::this_thread::sleep_for(300ms);
  const int sockets = sockets_of(pid);
  const long before = rss_bytes(pid);
  std::vector<Socket> silent;
  for (int i = 0; i < kSilent; ++i) {
    silent.push_back(
        create_connection(Endpoint::parse("127.0.0.1:" + std::to_string(server.port()))));
  }
  for (int i = 0; i < 200 && sockets_of(pid) < sockets + kSilent; ++i)
    std::this_thread::sleep_for(50ms);
  EXPECT_GE(sockets_of(pid), sockets + kSilent) << "not all accepted";
  std::this_thread::sleep_for(500ms);  // every session has begun
  return (rss_bytes(pid) - before) / kSilent;
}

TEST(TlsMemory, ASilentConnectionCostsLittleOnEveryTlsPort) {
  TestPki pki;
  const std::vector<std::string> tls{"--tls-cert",           pki.dir / "server.pem", "--tls-key",
                                     pki.dir / "server.key", "--max-clients",        "2000"};
  std::vector<std::string> http{
      "http",      "serve", pki.dir.path().string(), "--listen", "127.0.0.1:0", "--quiet",
      "--threads", "1",     "--header-timeout",      "60"};
  std::vector<std::string> chat{"chat",      "serve", "--tcp",           "127.0.0.1:0",
                                "--http",    "none",  "--data",          "none",
                                "--threads", "1",     "--login-timeout", "60"};
  for (auto args : {http, chat}) {
    args.insert(args.end(), tls.begin(), tls.end());
    ServerProcess server(args);
    // Was ~93 KiB (an SSL object and Asio's record buffers for each, at once); the bound
    // leaves room for sanitizer builds.
    EXPECT_LT(bytes_per_silent_connection(server), 20 * 1024) << args[0];
    EXPECT_EQ(server.stop(), 0);
  }
}

}  // namespace
}  // namespace sockit::test
