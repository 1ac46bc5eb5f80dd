// Every TLS port (chat serve, http serve, nc --ssl -l) offers Mozilla's intermediate profile by
// default and the modern one with --tls-profile modern, as openssl s_client sees them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/ports.hpp"
#include "support/server_process.hpp"
#include "support/test_pki.hpp"

namespace sockit::test {
namespace {

// Whether openssl s_client completes a handshake with 127.0.0.1:PORT offering only `offer`.
bool handshake(const std::string& port, const std::vector<std::string>& offer) {
  std::vector<std::string> argv{"openssl",           "s_client",    "-connect",
                                "127.0.0.1:" + port, "-servername", "localhost"};
  argv.insert(argv.end(), offer.begin(), offer.end());
  const auto r = run(argv, "", 15s);
  return !r.timed_out && r.exit_code == 0 && r.out.find("Cipher is (NONE)") == std::string::npos;
}

void expect_intermediate(const std::string& port) {
  EXPECT_FALSE(handshake(port, {"-tls1_2", "-cipher", "AES128-SHA"})) << "CBC, RSA key exchange";
  EXPECT_FALSE(handshake(port, {"-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA"})) << "CBC";
  EXPECT_FALSE(handshake(port, {"-tls1_2", "-cipher", "AES128-GCM-SHA256"})) << "RSA key exchange";
  EXPECT_FALSE(handshake(port, {"-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256"})) << "DHE";
  EXPECT_TRUE(handshake(port, {"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"}));
  EXPECT_TRUE(handshake(port, {"-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"}));
  EXPECT_TRUE(handshake(port, {"-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"}));
  EXPECT_TRUE(handshake(port, {"-tls1_3"}));
}

void expect_modern(const std::string& port) {
  EXPECT_FALSE(handshake(port, {"-tls1_2"}));
  EXPECT_FALSE(handshake(port, {"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"}));
  EXPECT_TRUE(handshake(port, {"-tls1_3"}));
  EXPECT_TRUE(handshake(port, {"-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"}));
}

std::vector<std::string> http_serve(const TestPki& pki, std::vector<std::string> more = {}) {
  std::vector<std::string> args{
      "http",    "serve",      pki.dir.path().string(), "--listen",  "127.0.0.1:0",
      "--quiet", "--tls-cert", pki.dir / "server.pem",  "--tls-key", pki.dir / "server.key"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::vector<std::string> chat_serve(const TestPki& pki, std::vector<std::string> more = {}) {
  std::vector<std::string> args{
      "chat",   "serve", "--tcp",      "127.0.0.1:0",          "--http",    "none",
      "--data", "none",  "--tls-cert", pki.dir / "server.pem", "--tls-key", pki.dir / "server.key"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(TlsProfile, HttpServeIsIntermediateByDefault) {
  TestPki pki(PkiKey::rsa);
  ServerProcess server(http_serve(pki));
  expect_intermediate(std::to_string(server.port()));
  EXPECT_EQ(server.stop(), 0);
}

TEST(TlsProfile, HttpServeModern) {
  TestPki pki(PkiKey::rsa);
  ServerProcess server(http_serve(pki, {"--tls-profile", "modern"}));
  expect_modern(std::to_string(server.port()));
  EXPECT_EQ(server.stop(), 0);
}

TEST(TlsProfile, ChatServeIsIntermediateByDefaultAndModernOnRequest) {
  TestPki pki(PkiKey::rsa);
  {
    ServerProcess server(chat_serve(pki));
    expect_intermediate(std::to_string(server.port()));
    EXPECT_EQ(server.stop(), 0);
  }
  ServerProcess server(chat_serve(pki, {"--tls-profile", "modern"}));
  expect_modern(std::to_string(server.port()));
  EXPECT_EQ(server.stop(), 0);
}

TEST(TlsProfile, NcListenerIsIntermediateByDefaultAndModernOnRequest) {
  TestPki pki(PkiKey::rsa);
  const std::vector<std::string> keys{"--ssl-cert", pki.dir / "server.pem", "--ssl-key",
                                      pki.dir / "server.key"};
  for (const bool modern : {false, true}) {
    const auto port = free_port();
    std::vector<std::string> args{"nc", "-v", "-k", "-l", "--ssl", "127.0.0.1", port};
    args.insert(args.end(), keys.begin(), keys.end());
    if (modern) args.insert(args.end(), {"--tls-profile", "modern"});
    Child listener(sockit_argv(args));
    ASSERT_TRUE(wait_listening(listener));
    modern ? expect_modern(port) : expect_intermediate(port);
  }
}

TEST(TlsProfile, IsAUsageErrorWhenUnknownOrWithoutACertificate) {
  TestPki pki;
  EXPECT_EQ(run_sockit(http_serve(pki, {"--tls-profile", "old"})).exit_code, 2);
  EXPECT_EQ(run_sockit({"http", "serve", ".", "--tls-profile", "modern"}).exit_code, 2);
}

}  // namespace
}  // namespace sockit::test
