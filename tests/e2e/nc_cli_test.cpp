// `sockit nc` against real tools no one here wrote (ncat, socat), and its own modes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <netinet/in.h>
#include <unistd.h>

#include "sockit/socket/factories.hpp"
#include "support/bytes.hpp"
#include "support/ports.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace sockit::test {
namespace {


std::string temp_path(const std::string& name) {
  const auto p = std::filesystem::temp_directory_path() /
                 ("sockit-nc-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove(p);
  return p.string();
}

bool wait_path(const std::string& path) {
  for (int i = 0; i < 100 && !std::filesystem::exists(path); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::filesystem::exists(path);
}

TEST(Nc, TalksToNcatBothWays) {
  ASSERT_TRUE(has_tool("ncat")) << "make test installs ncat";
  {  // sockit listens, ncat connects
    const auto port = free_port();
    Child listener(sockit_argv({"nc", "-v", "-l", "127.0.0.1", port}));
    ASSERT_TRUE(wait_listening(listener));
    Child ncat({"ncat", "127.0.0.1", port});
    ncat.write("from ncat\n");
    EXPECT_EQ(listener.read_line(), "from ncat");
    listener.write("from sockit\n");
    EXPECT_EQ(ncat.read_line(), "from sockit");
  }
  {  // ncat listens, sockit connects
    const auto port = free_port();
    Child ncat({"ncat", "-v", "-l", "127.0.0.1", port});
    ASSERT_TRUE(wait_listening(ncat));
    Child client(sockit_argv({"nc", "127.0.0.1", port}));
    client.write("你好 ncat\n");
    EXPECT_EQ(ncat.read_line(), "你好 ncat");
    ncat.write("hi sockit\n");
    EXPECT_EQ(client.read_line(), "hi sockit");
  }
}

TEST(Nc, UdpWithNcatAndUnixWithSocat) {
  ASSERT_TRUE(has_tool("ncat") && has_tool("socat"));
  {
    const auto port = free_port(SOCK_DGRAM);
    Child listener(sockit_argv({"nc", "-v", "-u", "-l", "127.0.0.1", port}));
    ASSERT_TRUE(wait_listening(listener));
    Child ncat({"ncat", "-u", "127.0.0.1", port});
    ncat.write("datagram one\n");
    EXPECT_EQ(listener.read_line(), "datagram one");
    listener.write("answer\n");
    EXPECT_EQ(ncat.read_line(), "answer");
  }
  {
    const auto path = temp_path("unix");
    Child listener(sockit_argv({"nc", "-v", "-l", "-U", path}));
    ASSERT_TRUE(wait_listening(listener));
    const auto r = run({"socat", "-", "UNIX-CONNECT:" + path}, "over unix via socat\n", std::chrono::seconds(10));
    EXPECT_EQ(listener.read_line(), "over unix via socat");
    std::filesystem::remove(path);
  }
  {
    const auto path = temp_path("socat-listen");
    Child socat({"socat", "UNIX-LISTEN:" + path, "-"});
    ASSERT_TRUE(wait_path(path));
    Child client(sockit_argv({"nc", "-U", path}));
    client.write("to socat\n");
    EXPECT_EQ(socat.read_line(), "to socat");
    std::filesystem::remove(path);
  }
}

TEST(Nc, TenMebibytesOfRandomBytesEachWayTcpAndUnix) {
  const std::string data = random_bytes(10u << 20);
  const std::string expected = sha256_of(data);
  for (const bool unix_socket : {false, true}) {
    SCOPED_TRACE(unix_socket ? "unix" : "tcp");
    const auto port = free_port();
    const auto path = temp_path("bulk");
    std::vector<std::string> listen_args = unix_socket ? std::vector<std::string>{"nc", "-v", "-l", "-U", path}
                                                       : std::vector<std::string>{"nc", "-v", "-l", "127.0.0.1", port};
    std::vector<std::string> connect_args = unix_socket ? std::vector<std::string>{"nc", "-U", path}
                                                        : std::vector<std::string>{"nc", "127.0.0.1", port};
    // Upload: the client sends, half-closes at EOF; the listener prints everything and exits
    // (its own input is empty: it half-closes first, and the client still sends it all).
    Child listener(sockit_argv(listen_args));
    ASSERT_TRUE(wait_listening(listener));
    listener.close_stdin();
    const auto sent = run(sockit_argv(connect_args), data, std::chrono::seconds(60));
    EXPECT_EQ(sent.exit_code, 0) << sent.err;
    ASSERT_EQ(listener.wait(std::chrono::seconds(30)), 0);
    EXPECT_EQ(sha256_of(listener.drain_out()), expected);
    std::filesystem::remove(path);
    // Download: the listener sends its stdin to the client, which prints it. The client has
    // nothing to send: it half-closes at once, and the listener still sends it all.
    Child sender(sockit_argv(listen_args));
    ASSERT_TRUE(wait_listening(sender));
    Child receiver(sockit_argv(connect_args));
    receiver.close_stdin();
    std::thread feed([&] {
      sender.write(data);
      sender.close_stdin();
    });
    const auto received = receiver.wait(std::chrono::seconds(60));
    feed.join();
    ASSERT_EQ(received, 0);
    EXPECT_EQ(sha256_of(receiver.drain_out()), expected);
    std::filesystem::remove(path);
  }
}

TEST(Nc, BrokerRelaysBetweenThreeClients) {
  const auto port = free_port();
  Child broker(sockit_argv({"nc", "-v", "-l", "127.0.0.1", port, "--broker"}));
  ASSERT_TRUE(wait_listening(broker));
  Child a(sockit_argv({"nc", "127.0.0.1", port}));
  Child b(sockit_argv({"nc", "127.0.0.1", port}));
  Child c(sockit_argv({"nc", "127.0.0.1", port}));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(broker.read_err_line_containing("connection from"));
  a.write("from a\n");
  EXPECT_EQ(b.read_line(), "from a");
  EXPECT_EQ(c.read_line(), "from a");
  c.write("from c\n");
  EXPECT_EQ(a.read_line(), "from c");
  EXPECT_EQ(b.read_line(), "from c");
}

TEST(Nc, ChatModeWithTheListenerTakingPart) {
  const auto port = free_port();
  Child host(sockit_argv({"nc", "-v", "-l", "127.0.0.1", port, "--chat"}));
  ASSERT_TRUE(wait_listening(host));
  Child a(sockit_argv({"nc", "127.0.0.1", port}));
  EXPECT_TRUE(host.read_until("<announce> user1 has connected"));
  Child b(sockit_argv({"nc", "127.0.0.1", port}));
  EXPECT_TRUE(a.read_until("<announce> user2 has connected"));
  a.write("hello all\n");
  EXPECT_TRUE(b.read_until("<user1> hello all"));
  EXPECT_TRUE(host.read_until("<user1> hello all"));
  host.write("the host speaks\n");  // ncat's own terminal cannot do this (nmap issue 1794)
  EXPECT_TRUE(a.read_until("<user0> the host speaks"));
  EXPECT_TRUE(b.read_until("<user0> the host speaks"));
  a.signal(SIGTERM);
  EXPECT_TRUE(b.read_until("<announce> user1 has disconnected"));
}

TEST(Nc, KeepOpenServesClientsComingAndGoing) {
  const auto port = free_port();
  Child listener(sockit_argv({"nc", "-v", "-l", "-k", "127.0.0.1", port, "--recv-only"}));
  ASSERT_TRUE(wait_listening(listener));
  for (int i = 0; i < 3; ++i) {
    const auto r = run_sockit({"nc", "127.0.0.1", port}, "client " + std::to_string(i) + "\n");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(listener.read_line(), "client " + std::to_string(i));
  }
}

TEST(Nc, SendOnlyKeepOpenSurvivesAClientLeaving) {
  // nmap issue 2827: ncat -l -k --send-only quits when a client leaves; we do not.
  const auto port = free_port();
  Child listener(sockit_argv({"nc", "-v", "-l", "-k", "--send-only", "127.0.0.1", port}));
  ASSERT_TRUE(wait_listening(listener));
  {
    Child first(sockit_argv({"nc", "127.0.0.1", port}));
    ASSERT_TRUE(listener.read_err_line_containing("connection from"));
  }  // killed: it leaves without a word
  ASSERT_TRUE(listener.read_err_line_containing("left"));
  EXPECT_FALSE(listener.wait(std::chrono::milliseconds(100)));  // still running
  Child second(sockit_argv({"nc", "127.0.0.1", port}));
  ASSERT_TRUE(listener.read_err_line_containing("connection from"));
  listener.write("to whoever is here\n");
  EXPECT_EQ(second.read_line(), "to whoever is here");
}

TEST(Nc, UdpKeepOpenWithThreePeers) {
  const auto port = free_port(SOCK_DGRAM);
  Child listener(sockit_argv({"nc", "-v", "-u", "-l", "-k", "127.0.0.1", port}));
  ASSERT_TRUE(wait_listening(listener));
  Child py({"python3", "-c", R"(
import socket, sys
port = int(sys.argv[1])
peers = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(3)]
for i, p in enumerate(peers):
    p.settimeout(10)
    p.sendto(b'peer %d\n' % i, ('127.0.0.1', port))
print([p.recvfrom(100)[0].decode().strip() for p in peers], flush=True)
)",
            port});
  EXPECT_TRUE(listener.read_until("peer 0\n"));
  EXPECT_TRUE(listener.read_until("peer 1\n"));
  EXPECT_TRUE(listener.read_until("peer 2\n"));
  listener.write("to all\n");  // goes to every peer that has written
  EXPECT_EQ(py.read_line(), "['to all', 'to all', 'to all']");
}

TEST(Nc, AllowAndDeny) {
  const auto port = free_port();
  Child listener(sockit_argv({"nc", "-l", "-k", "127.0.0.1", port, "--deny", "127.0.0.0/8", "-v"}));
  ASSERT_TRUE(wait_listening(listener));
  const auto r = run_sockit({"nc", "127.0.0.1", port}, "let me in\n");
  EXPECT_TRUE(listener.read_err_line_containing("refused 127.0.0.1"));
  const auto port2 = free_port();
  Child allowed(sockit_argv({"nc", "-v", "-l", "127.0.0.1", port2, "--allow", "127.0.0.1"}));
  ASSERT_TRUE(wait_listening(allowed));
  run_sockit({"nc", "127.0.0.1", port2}, "welcome\n");
  EXPECT_EQ(allowed.read_line(), "welcome");
  EXPECT_EQ(run_sockit({"nc", "-l", "1234", "--allow", "300.1.1.1"}).exit_code, 2);
}

TEST(Nc, HexDumpAndHexSend) {
  const auto port = free_port();
  const auto dump = temp_path("dump");
  Child listener(sockit_argv({"nc", "-v", "-l", "127.0.0.1", port, "-x", "-o", dump}));
  ASSERT_TRUE(wait_listening(listener));
  listener.close_stdin();  // nothing to send: it ends when the client does
  const auto r = run_sockit({"nc", "127.0.0.1", port, "--hex-send"}, "48 65 6c 6c 6f 0a\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(listener.read_line(), "Hello");
  listener.wait(std::chrono::seconds(10));
  std::ifstream in(dump);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "< 00000000  48 65 6c 6c 6f 0a                                 |Hello.|\n");
  std::filesystem::remove(dump);
  // Bad hex: a clear error, and nothing is sent.
  const auto port2 = free_port();
  Child quiet(sockit_argv({"nc", "-v", "-l", "127.0.0.1", port2}));
  ASSERT_TRUE(wait_listening(quiet));
  quiet.close_stdin();
  const auto bad = run_sockit({"nc", "127.0.0.1", port2, "--hex-send"}, "48 zz\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("bad hex character 'z' at position 4"), std::string::npos) << bad.err;
  EXPECT_EQ(quiet.wait(std::chrono::seconds(10)), 0);
  EXPECT_EQ(quiet.drain_out(), "");
}

TEST(Nc, ErrorsAndUsage) {
  EXPECT_EQ(run_sockit({"nc"}).exit_code, 2);
  EXPECT_EQ(run_sockit({"nc", "127.0.0.1"}).exit_code, 2);
  EXPECT_EQ(run_sockit({"nc", "127.0.0.1", "99999"}).exit_code, 2);
  const auto refused = run_sockit({"nc", "127.0.0.1", free_port()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("Connection refused"), std::string::npos) << refused.err;
  const auto port = free_port();
  Child idle(sockit_argv({"nc", "-v", "-l", "127.0.0.1", port, "-i", "0.3"}));
  ASSERT_TRUE(wait_listening(idle));
  Child client(sockit_argv({"nc", "127.0.0.1", port}));
  EXPECT_EQ(idle.wait(std::chrono::seconds(10)), 1);
}

}  // namespace
}  // namespace sockit::test

namespace sockit::test {
namespace {


TEST(NcSsl, WithNcatBothWays) {
  ASSERT_TRUE(has_tool("ncat"));
  {  // sockit listens with a temporary certificate; ncat --ssl connects
    const auto port = free_port();
    Child listener(sockit_argv({"nc", "-v", "--ssl", "-l", "127.0.0.1", port}));
    ASSERT_TRUE(wait_listening(listener));
    Child ncat({"ncat", "--ssl", "127.0.0.1", port});
    ncat.write("secret from ncat\n");
    EXPECT_EQ(listener.read_line(), "secret from ncat");
    listener.write("secret back\n");
    EXPECT_EQ(ncat.read_line(), "secret back");
  }
  {  // ncat --ssl listens; sockit connects
    const auto port = free_port();
    Child ncat({"ncat", "-v", "--ssl", "-l", "127.0.0.1", port});
    ASSERT_TRUE(wait_listening(ncat));
    Child client(sockit_argv({"nc", "--ssl", "127.0.0.1", port}));
    client.write("to ncat over tls\n");
    EXPECT_EQ(ncat.read_line(), "to ncat over tls");
  }
}

TEST(NcSsl, VerifiesAgainstATrustFileAndTheHostName) {
  TestPki pki;
  const auto port = free_port();
  const std::vector<std::string> server{"openssl", "s_server", "-quiet", "-accept", "127.0.0.1:" + port,
                                        "-cert", pki.dir / "server.pem", "-key", pki.dir / "server.key"};
  {
    Child s_server(server);
    ASSERT_TRUE(wait_port(port));  // s_server drops the probe and keeps accepting
    Child client(sockit_argv({"nc", "--ssl", "--ssl-verify", "--ssl-trustfile", pki.dir / "ca.pem",
                              "localhost", port, "-4"}));
    client.write("verified hello\n");
    EXPECT_EQ(s_server.read_line(), "verified hello");
  }
  {  // the certificate names localhost, not 127.0.0.1: refused with one clear line
    Child s_server(server);
    ASSERT_TRUE(wait_port(port));  // s_server drops the probe and keeps accepting
    const auto r = run_sockit({"nc", "--ssl", "--ssl-verify", "--ssl-trustfile", pki.dir / "ca.pem",
                               "127.0.0.1", port},
                              "must not arrive\n");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("certificate check failed"), std::string::npos) << r.err;
  }
  {  // no trust file: the test CA is not in the system store
    Child s_server(server);
    ASSERT_TRUE(wait_port(port));  // s_server drops the probe and keeps accepting
    const auto r = run_sockit({"nc", "--ssl", "--ssl-verify", "localhost", port, "-4"}, "x\n");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("certificate check failed"), std::string::npos) << r.err;
  }
  EXPECT_EQ(run_sockit({"nc", "--ssl", "-u", "127.0.0.1", port}).exit_code, 2);  // no DTLS
}

}  // namespace
}  // namespace sockit::test

namespace sockit::test {
namespace {

// Two network namespaces of our own joined by a veth pair on 192.0.2.0/24 (TEST-NET-1):
// test hosts that exist only inside this test.
class TwoHosts {
 public:
  TwoHosts() {
    const auto id = std::to_string(::getpid());
    a_ = "sockit-a-" + id;
    b_ = "sockit-b-" + id;
    ok_ = ip({"netns", "add", a_}) && ip({"netns", "add", b_}) &&
          ip({"link", "add", "sk" + id + "a", "type", "veth", "peer", "name", "sk" + id + "b"}) &&
          ip({"link", "set", "sk" + id + "a", "netns", a_}) &&
          ip({"link", "set", "sk" + id + "b", "netns", b_}) &&
          ip({"-n", a_, "addr", "add", "192.0.2.1/24", "broadcast", "192.0.2.255", "dev", "sk" + id + "a"}) &&
          ip({"-n", b_, "addr", "add", "192.0.2.2/24", "broadcast", "192.0.2.255", "dev", "sk" + id + "b"}) &&
          ip({"-n", a_, "link", "set", "sk" + id + "a", "up"}) &&
          ip({"-n", b_, "link", "set", "sk" + id + "b", "up"});
  }
  ~TwoHosts() {
    ip({"netns", "del", a_});
    ip({"netns", "del", b_});
  }
  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }
  std::vector<std::string> in_a(const std::vector<std::string>& argv) const { return in(a_, argv); }
  std::vector<std::string> in_b(const std::vector<std::string>& argv) const { return in(b_, argv); }

 private:
  bool ip(std::vector<std::string> args) {
    args.insert(args.begin(), "ip");
    const auto r = run(args);
    if (r.exit_code != 0 && why_.empty()) why_ = "ip " + args[1] + ": " + r.err;
    return r.exit_code == 0;
  }
  static std::vector<std::string> in(const std::string& ns, const std::vector<std::string>& argv) {
    std::vector<std::string> out{"ip", "netns", "exec", ns};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
  }
  std::string a_, b_, why_;
  bool ok_ = false;
};

TEST(NcBroadcast, ReachesAnotherHostOnTheSegment) {
  TwoHosts hosts;
  if (!hosts.ok()) {  // e.g. in a chroot whose / is not a mount point, as tools/fresh-machine makes
    GTEST_SKIP() << "cannot make network namespaces here (`ip netns` needs root and a / that is a "
                    "mount point): "
                 << hosts.why();
  }
  Child listener(hosts.in_b(sockit_argv({"nc", "-v", "-u", "-l", "0.0.0.0", "40000"})));
  ASSERT_TRUE(wait_listening(listener));
  const auto r = run(hosts.in_a(sockit_argv({"nc", "-u", "--broadcast", "192.0.2.255", "40000"})),
                     "to everyone on the segment\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(listener.read_line(), "to everyone on the segment");
  // Without --broadcast the kernel refuses, and nc says so.
  const auto refused = run(hosts.in_a(sockit_argv({"nc", "-u", "192.0.2.255", "40000"})), "x\n");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("Permission denied"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace sockit::test

namespace sockit::test {
namespace {

TEST(Nc, HalfCloseGetsTheWholeHttpResponse) {
  TempDir root("sockit-www");
  const std::string body(200000, 'b');
  root.write("big.txt", body);
  ServerProcess http({"http", "serve", root.path().string(), "--listen", "127.0.0.1:0", "--quiet"});
  // stdin ends at once; nc shuts down its write side and still reads the whole answer.
  const auto r = run_sockit({"nc", "127.0.0.1", std::to_string(http.port())},
                            "GET /big.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r.out.substr(0, 80);
  ASSERT_GE(r.out.size(), body.size());
  EXPECT_EQ(r.out.substr(r.out.size() - body.size()), body);
}

}  // namespace
}  // namespace sockit::test

namespace sockit::test {
namespace {

TEST(Nc, CrlfMaxConnsAndSourcePort) {
  const auto port = free_port();
  Child listener(sockit_argv({"nc", "-v", "-l", "-k", "-m", "1", "127.0.0.1", port}));
  ASSERT_TRUE(wait_listening(listener));
  const auto source = free_port();
  Child first(sockit_argv({"nc", "-C", "-p", source, "127.0.0.1", port}));
  const auto from = listener.read_err_line_containing("connection from");
  ASSERT_TRUE(from);
  EXPECT_NE(from->find("127.0.0.1:" + source), std::string::npos) << *from;  // -p chose it
  first.write("line\n");
  EXPECT_TRUE(listener.read_until("line\r\n"));  // -C: CRLF on the wire
  // -m 1: a second client waits in the backlog until the first leaves.
  Child second(sockit_argv({"nc", "127.0.0.1", port}));
  second.write("second\n");
  EXPECT_FALSE(listener.read_until("second\n", std::chrono::milliseconds(500)));
  first.signal(SIGTERM);
  EXPECT_TRUE(listener.read_until("second\n"));
}

TEST(Nc, ConnectTimeout) {
  // A listener that never accepts, with its accept queue already full: Linux then drops new
  // SYNs silently, so a connect just waits — until -w ends it.
  Child full({"python3", "-c", R"(
import socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)
port = s.getsockname()[1]
fillers = []
for _ in range(3):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(('127.0.0.1', port))
    except BlockingIOError: pass
    fillers.append(c)
time.sleep(0.3)
print(port, flush=True)
time.sleep(30)
)"});
  const auto port = full.read_line();
  ASSERT_TRUE(port);
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_sockit({"nc", "-w", "0.5", "127.0.0.1", *port});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("timed out"), std::string::npos) << r.err;
  EXPECT_LT(took, std::chrono::seconds(5));
}

}  // namespace
}  // namespace sockit::test
