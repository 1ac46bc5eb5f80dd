// `sockit http get` against `sockit http serve`, against nginx (a server no one here wrote,
// started by the test with its own configuration), and against a TLS server with a test CA.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "sockit/socket/factories.hpp"
#include "support/ports.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace sockit::test {
namespace {



std::string random_text(std::size_t n) {
  std::string s(n, '\0');
  std::mt19937 rng(3);
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TEST(HttpGet, AgainstSockitHttpServe) {
  TempDir site("sockit-get");
  const auto big = random_text(3u << 20);
  site.write("big.bin", big);
  site.write("hello.txt", "hello\n");
  std::filesystem::create_directories(site.path() / "dir");
  ServerProcess server({"http", "serve", site.path().string(), "--listen", "127.0.0.1:0", "--quiet"});
  const auto base = "http://" + server.address();
  const auto r = run_sockit({"http", "get", base + "/hello.txt"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello\n");
  TempDir out("sockit-dl");
  const auto saved = run_sockit({"http", "get", base + "/big.bin", "-o", out / "big.bin"});
  EXPECT_EQ(saved.exit_code, 0) << saved.err;
  EXPECT_TRUE(slurp(out.path() / "big.bin") == big);
  const auto missing = run_sockit({"http", "get", base + "/nope", "-o", out / "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("sockit: HTTP 404 Not Found"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(out.path() / "nope"));  // no file for a failure
  const auto head = run_sockit({"http", "get", "-I", base + "/hello.txt"});
  EXPECT_EQ(head.exit_code, 0);
  EXPECT_EQ(head.out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head.out;
  EXPECT_NE(head.out.find("Content-Length: 6\r\n"), std::string::npos) << head.out;
  const auto redirect = run_sockit({"http", "get", base + "/dir"});
  EXPECT_EQ(redirect.exit_code, 1);  // a 301 without -L
  const auto followed = run_sockit({"http", "get", "-L", base + "/dir"});
  EXPECT_EQ(followed.exit_code, 0) << followed.err;
  EXPECT_NE(followed.out.find("Index of /dir/"), std::string::npos);
}

TEST(HttpGet, Ipv6LiteralUrl) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no ::1 on this machine";
  TempDir site("sockit-get6");
  site.write("hello.txt", "hello over IPv6\n");
  ServerProcess server({"http", "serve", site.path().string(), "--listen", "[::1]:0", "--quiet"});
  ASSERT_EQ(server.address().rfind("[::1]:", 0), 0u) << server.address();
  const auto r = run_sockit({"http", "get", "http://" + server.address() + "/hello.txt"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello over IPv6\n");
}

class Nginx {
 public:
  Nginx() : port_(free_port()) {
    root_.write("www/file.txt", "from nginx\n");
    root_.write("www/part.txt", "middle");
    root_.write("www/page.html", "<p>start</p><!--# include file=\"/part.txt\" --><p>end</p>\n");
    root_.write("nginx.conf", config());
    child_ = std::make_unique<Child>(std::vector<std::string>{
        "nginx", "-p", root_.path().string(), "-c", root_ / "nginx.conf"});
  }
  bool ready() const { return wait_port(port_); }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + port_ + path; }

 private:
  std::string config() const {
    const auto dir = root_.path().string();
    return "daemon off; master_process off; user root; pid " + dir + "/nginx.pid;\n"
           "error_log " + dir + "/error.log;\n"
           "events { worker_connections 64; }\n"
           "http {\n access_log off;\n"
           " client_body_temp_path " + dir + "/t1; proxy_temp_path " + dir + "/t2;\n"
           " fastcgi_temp_path " + dir + "/t3; uwsgi_temp_path " + dir + "/t4; scgi_temp_path " + dir + "/t5;\n"
           " server {\n  listen 127.0.0.1:" + port_ + ";\n  root " + dir + "/www;\n"
           "  ssi on; chunked_transfer_encoding on;\n"
           "  location = /moved { return 302 /file.txt; }\n"
           "  location = /away { return 301 http://127.0.0.1:" + port_ + "/file.txt; }\n"
           " }\n}\n";
  }
  std::string port_;
  TempDir root_{"sockit-nginx"};
  std::unique_ptr<Child> child_;
};

TEST(HttpGet, AgainstNginx) {
  if (!has_tool("nginx")) FAIL() << "make test installs nginx";
  Nginx nginx;
  ASSERT_TRUE(nginx.ready());
  const auto plain = run_sockit({"http", "get", nginx.url("/file.txt")});
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out, "from nginx\n");
  // Server-side includes make nginx answer with chunked transfer encoding.
  EXPECT_EQ(run_sockit({"http", "get", nginx.url("/page.html")}).out,
            "<p>start</p>middle<p>end</p>\n");
  const auto chunked_head = run({"python3", "-c", R"(
import http.client, sys
c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1])); c.request('GET', '/page.html')
print(c.getresponse().getheader('Transfer-Encoding'))
)", nginx.url("").substr(17)});
  EXPECT_EQ(chunked_head.out, "chunked\n");
  EXPECT_EQ(run_sockit({"http", "get", "-L", nginx.url("/moved")}).out, "from nginx\n");
  EXPECT_EQ(run_sockit({"http", "get", "-L", nginx.url("/away")}).out, "from nginx\n");
  const auto missing = run_sockit({"http", "get", nginx.url("/missing")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("HTTP 404"), std::string::npos);
}

TEST(HttpGet, CloseDelimitedBody) {
  const auto port = free_port();
  // An HTTP/1.0 server that sends no length: the body ends when the connection does.
  Child server({"python3", "-c", R"(
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(1)
print('ready', flush=True)
c, _ = s.accept(); c.recv(65536)
c.sendall(b'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n' + b'y' * 100000); c.close()
)", port});
  ASSERT_EQ(server.read_line(), "ready");  // it serves one connection: no probing
  const auto r = run_sockit({"http", "get", "http://127.0.0.1:" + port + "/"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.size(), 100000u);
  EXPECT_TRUE(r.out == std::string(100000, 'y'));
}

TEST(HttpGet, HttpsWithATestCaAndAWrongName) {
  TestPki pki;
  pki.dir.write("secure.txt", "over https\n");
  const auto port = free_port();
  Child s_server({"sh", "-c", "cd '" + pki.dir.path().string() + "' && exec openssl s_server -quiet -WWW -accept 127.0.0.1:" +
                                  port + " -cert server.pem -key server.key"});
  ASSERT_TRUE(wait_port(port));
  const auto ok = run_sockit({"http", "get", "--cacert", pki.dir / "ca.pem",
                              "https://localhost:" + port + "/secure.txt"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "over https\n");
  const auto wrong_name = run_sockit({"http", "get", "--cacert", pki.dir / "ca.pem",
                                      "https://127.0.0.1:" + port + "/secure.txt"});
  EXPECT_EQ(wrong_name.exit_code, 1);
  EXPECT_NE(wrong_name.err.find("TLS handshake with 127.0.0.1 failed"), std::string::npos)
      << wrong_name.err;
  const auto untrusted = run_sockit({"http", "get", "https://localhost:" + port + "/secure.txt"});
  EXPECT_EQ(untrusted.exit_code, 1);
  const auto insecure = run_sockit({"http", "get", "-k", "https://127.0.0.1:" + port + "/secure.txt"});
  EXPECT_EQ(insecure.exit_code, 0) << insecure.err;
  EXPECT_NE(insecure.err.find("NOT checked"), std::string::npos);
}

TEST(HttpServeTls, ServesSockitAndPythonClientsWithATestCa) {
  TestPki pki;
  TempDir site("sockit-https");
  const auto big = random_text(3u << 20);  // larger than the cache's files: streamed over TLS
  site.write("big.bin", big);
  site.write("hello.txt", "hello over https\n");
  ServerProcess server({"http", "serve", site.path().string(), "--listen", "127.0.0.1:0", "--quiet",
                        "--tls-cert", pki.dir / "server.pem", "--tls-key",
                        pki.dir / "server.key"});
  const auto base = "https://localhost:" + std::to_string(server.port());
  const auto hello = run_sockit({"http", "get", "--cacert", pki.dir / "ca.pem", base + "/hello.txt"});
  EXPECT_EQ(hello.exit_code, 0) << hello.err;
  EXPECT_EQ(hello.out, "hello over https\n");
  const auto out = site.path() / "copy.bin";
  const auto copy = run_sockit({"http", "get", "--cacert", pki.dir / "ca.pem", "-o", out.string(), base + "/big.bin"});
  EXPECT_EQ(copy.exit_code, 0) << copy.err;
  EXPECT_TRUE(slurp(out) == big);
  // Python's standard library, keep-alive over one TLS connection, with a Range.
  const auto py = run_python(R"(
import http.client, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
c = http.client.HTTPSConnection("localhost", int(sys.argv[2]), context=ctx, timeout=10)
for _ in range(3):
    c.request("GET", "/hello.txt")
    r = c.getresponse()
    assert r.status == 200 and r.read() == b"hello over https\n", r.status
c.request("GET", "/big.bin", headers={"Range": "bytes=10-19"})
r = c.getresponse()
assert r.status == 206 and len(r.read()) == 10, r.status
print("ok")
)", {pki.dir / "ca.pem", std::to_string(server.port())});
  EXPECT_EQ(py.out, "ok\n") << py.err;
  // Plain HTTP to the HTTPS port gets no page.
  const auto plain = run_sockit({"http", "get", "http://127.0.0.1:" + std::to_string(server.port()) + "/hello.txt"});
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

TEST(HttpServeTls, NeedsAKeyThatMatchesItsCertificate) {
  TestPki pki;
  const auto no_key = run_sockit({"http", "serve", ".", "--tls-cert", pki.dir / "server.pem"});
  EXPECT_EQ(no_key.exit_code, 2) << no_key.err;
  const auto wrong = run_sockit({"http", "serve", ".", "--listen", "127.0.0.1:0", "--tls-cert",
                                 pki.dir / "ca.pem", "--tls-key", pki.dir / "server.key"});
  EXPECT_EQ(wrong.exit_code, 2) << wrong.err;
  EXPECT_NE(wrong.err.find("--tls-key"), std::string::npos) << wrong.err;  // which file, and why
}

TEST(HttpGet, ErrorsAreOneClearLine) {
  const auto refused = run_sockit({"http", "get", "http://127.0.0.1:" + free_port() + "/"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("Connection refused"), std::string::npos) << refused.err;
  EXPECT_EQ(run_sockit({"http", "get", "not a url"}).exit_code, 2);
  EXPECT_EQ(run_sockit({"http", "get", "ftp://127.0.0.1/"}).exit_code, 1);
  // A server that accepts and says nothing: the timeout ends it.
  const auto port = free_port();
  Child silent({"python3", "-c", R"(
import socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(1)
print('ready', flush=True)
c, _ = s.accept(); time.sleep(30)
)", port});
  ASSERT_EQ(silent.read_line(), "ready");
  const auto slow = run_sockit({"http", "get", "--timeout", "0.5", "http://127.0.0.1:" + port + "/"});
  EXPECT_EQ(slow.exit_code, 1);
  EXPECT_NE(slow.err.find("timed out"), std::string::npos) << slow.err;
}

}  // namespace
}  // namespace sockit::test
