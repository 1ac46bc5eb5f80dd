// `sockit trace`, `sockit ss` and `sockit demo handshake` watching connections this test makes
// on loopback. Capturing needs CAP_NET_RAW: without it those tests skip, saying so.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <thread>

#include "sockit/socket/socket.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace sockit::test {
namespace {

bool can_capture() {
  const int fd = ::socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

#define SKIP_WITHOUT_CAPTURE() \
  if (!can_capture()) GTEST_SKIP() << "capturing needs CAP_NET_RAW (run the tests as root)"

// A listener on 127.0.0.1 with a port of its own.
struct Listener {
  Socket socket{AF_INET, SOCK_STREAM};
  std::uint16_t port = 0;
  Listener() {
    socket.bind(Address::loopback4(0));
    socket.listen();
    port = socket.getsockname().port();
  }
};

// The non-null "step" of each JSON line, in order.
std::vector<std::string> steps_of(const std::string& json_lines) {
  static const std::regex step(R"re("step":"([a-z_0-9]+)")re");
  std::vector<std::string> out;
  for (std::sregex_iterator it(json_lines.begin(), json_lines.end(), step), end; it != end; ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

std::string line_with(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  if (at == std::string::npos) return {};
  const auto begin = text.rfind('\n', at) + 1;
  return text.substr(begin, text.find('\n', at) - begin);
}

std::string port_text(std::uint16_t port) {
  return std::to_string(port);
}

Child start_trace(std::uint16_t port, std::vector<std::string> more = {}) {
  std::vector<std::string> args{"trace", "-i", "lo", "--port", port_text(port), "--json"};
  args.insert(args.end(), more.begin(), more.end());
  return Child(sockit_argv(args));
}

TEST(Trace, AConnectionsWholeLifeWithItsStepsAndStates) {
  SKIP_WITHOUT_CAPTURE();
  Listener listener;
  Child trace = start_trace(listener.port);
  ASSERT_TRUE(trace.read_err_line_containing("capturing on lo")) << trace.drain_err();
  {
    Socket client(AF_INET, SOCK_STREAM);
    client.settimeout(std::chrono::seconds(5));
    client.connect(Address::loopback4(listener.port));
    auto [server, peer] = listener.socket.accept();
    server.settimeout(std::chrono::seconds(5));
    client.sendall("hello\n");
    EXPECT_EQ(server.recv(64), "hello\n");
    std::this_thread::sleep_for(500ms);  // the server's ACK goes out on its own
    client.close();                      // the client closes first
    std::this_thread::sleep_for(500ms);  // the ACK of its FIN, not delayed into the server's FIN
    EXPECT_EQ(server.recv(64), "");
    server.close();
    std::this_thread::sleep_for(300ms);
  }
  trace.signal(SIGINT);
  ASSERT_EQ(trace.wait(), 0);
  const auto out = trace.drain_out();
  EXPECT_EQ(steps_of(out),
            (std::vector<std::string>{"handshake_1", "handshake_2", "handshake_3", "data", "wave_1",
                                      "wave_2", "wave_3", "wave_4"}))
      << out;
  const auto syn = line_with(out, R"("step":"handshake_1")");
  EXPECT_NE(syn.find(R"("flags":["SYN"])"), std::string::npos) << syn;
  EXPECT_NE(syn.find(R"("client_state":"SYN_SENT","server_state":"SYN_RECV")"), std::string::npos)
      << syn;
  EXPECT_NE(syn.find(R"("dst":"127.0.0.1:)" + port_text(listener.port) + "\""), std::string::npos)
      << syn;
  const auto data = line_with(out, R"("step":"data")");
  EXPECT_NE(data.find(R"("len":6)"), std::string::npos) << data;
  EXPECT_NE(data.find(R"("seq":1,"ack":1)"), std::string::npos) << data;
  const auto last = line_with(out, R"("step":"wave_4")");
  EXPECT_NE(last.find(R"("client_state":"TIME_WAIT","server_state":"CLOSED")"), std::string::npos)
      << last;
  EXPECT_NE(trace.drain_err().find("1 handshakes, 1 teardowns completed"), std::string::npos);
}

TEST(Trace, ARstExplainsThatNothingListens) {
  SKIP_WITHOUT_CAPTURE();
  std::uint16_t closed_port = 0;
  {
    Listener gone;
    closed_port = gone.port;
  }
  const auto trace = [&] {
    Child child(sockit_argv({"trace", "-i", "lo", "--port", port_text(closed_port), "-c", "2"}));
    EXPECT_TRUE(child.read_err_line_containing("capturing on lo"));
    Socket client(AF_INET, SOCK_STREAM);
    EXPECT_EQ(client.connect_ex(Address::loopback4(closed_port)), std::errc::connection_refused);
    EXPECT_EQ(child.wait(), 0);
    return child.drain_out();
  }();
  EXPECT_NE(trace.find("[SYN] seq=0"), std::string::npos) << trace;
  EXPECT_NE(trace.find("1st handshake: the client asks to connect (SYN)"), std::string::npos)
      << trace;
  EXPECT_NE(trace.find("[RST,ACK] seq=0 ack=1"), std::string::npos) << trace;
  EXPECT_NE(
      trace.find("RST from the server: nothing listens on that port, the connection is refused"),
      std::string::npos)
      << trace;
  EXPECT_NE(trace.find("client CLOSED, server CLOSED"), std::string::npos) << trace;
  EXPECT_NE(trace.find("2 packets; TCP: 1 connections"), std::string::npos) << trace;
}

TEST(Trace, EachPacketComesThroughAPipeAsItIsSeen) {
  // stdout is a pipe here: a line must arrive while trace runs, not in a block at exit.
  SKIP_WITHOUT_CAPTURE();
  std::uint16_t closed_port = 0;
  {
    Listener gone;
    closed_port = gone.port;
  }
  for (const bool json : {false, true}) {
    std::vector<std::string> args{"trace", "-i", "lo", "--port", port_text(closed_port)};
    if (json) args.push_back("--json");
    Child child(sockit_argv(args));
    ASSERT_TRUE(child.read_err_line_containing("capturing on lo"));
    Socket client(AF_INET, SOCK_STREAM);
    EXPECT_EQ(client.connect_ex(Address::loopback4(closed_port)), std::errc::connection_refused);
    const auto line = child.read_line(5s);  // still running: no exit flushes it
    ASSERT_TRUE(line) << (json ? "--json" : "text") << ": nothing before exit";
    EXPECT_NE(line->find(json ? R"("step":"handshake_1")" : "[SYN]"), std::string::npos) << *line;
    child.signal(SIGINT);
    EXPECT_EQ(child.wait(), 0);
  }
}

TEST(Trace, Ipv6LoopbackAndUdpToo) {
  SKIP_WITHOUT_CAPTURE();
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no ::1 here";
  Socket udp(AF_INET6, SOCK_DGRAM);
  udp.bind(Address::loopback6(0));
  const auto port = udp.getsockname().port();
  Child trace(
      sockit_argv({"trace", "-i", "lo", "--host", "::1", "--port", port_text(port), "-c", "3"}));
  ASSERT_TRUE(trace.read_err_line_containing("capturing on lo"));
  Socket client(AF_INET6, SOCK_STREAM);
  EXPECT_EQ(client.connect_ex(Address::loopback6(port)),
            std::errc::connection_refused);  // no TCP listener
  Socket sender(AF_INET6, SOCK_DGRAM);
  sender.sendto("ping", Address::loopback6(port));
  ASSERT_EQ(trace.wait(), 0);
  const auto out = trace.drain_out();
  EXPECT_NE(out.find("> [::1]:" + port_text(port) + " [SYN]"), std::string::npos) << out;
  EXPECT_NE(out.find("nothing listens on that port"), std::string::npos) << out;
  EXPECT_NE(out.find("> [::1]:" + port_text(port) + " UDP len=4"), std::string::npos) << out;
}

TEST(Trace, WithoutTheCapabilityTheErrorNamesIt) {
  std::vector<std::string> argv = sockit_argv({"trace", "-i", "lo", "-c", "1"});
  TempDir dir("sockit-nocap");  // as another user: a copy of the binary that user can run
  if (::geteuid() == 0) {
    if (!has_tool("setpriv")) GTEST_SKIP() << "no setpriv to drop root's capabilities";
    namespace fs = std::filesystem;
    fs::permissions(dir.path(),
                    fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    argv[0] = (dir.path() / "sockit").string();
    fs::copy_file(sockit_binary(), argv[0]);
    argv.insert(argv.begin(),
                {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"});
  }
  const auto r = run(argv, {}, 10s);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("CAP_NET_RAW"), std::string::npos) << r.err;
}

TEST(Trace, BadFiltersAndLanguagesAreClearErrors) {
  SKIP_WITHOUT_CAPTURE();
  const auto filter = run_sockit({"trace", "-i", "lo", "--filter", "port port", "-c", "1"});
  EXPECT_EQ(filter.exit_code, 1);
  EXPECT_NE(filter.err.find("bad filter 'port port'"), std::string::npos) << filter.err;
  EXPECT_EQ(run_sockit({"trace", "--lang", "fr", "-c", "1"}).exit_code, 2);
  const auto iface = run_sockit({"trace", "-i", "nosuch0", "-c", "1"});
  EXPECT_EQ(iface.exit_code, 1);
  EXPECT_NE(iface.err.find("nosuch0"), std::string::npos) << iface.err;
}

TEST(Ss, ListsAListenerWithItsProcessAndATimeWaitAfterAClose) {
  Listener listener;
  const auto listening =
      run_sockit({"ss", "--listening", "--port", port_text(listener.port), "--json"});
  ASSERT_EQ(listening.exit_code, 0) << listening.err;
  EXPECT_NE(
      listening.out.find(R"("state":"LISTEN","local":"127.0.0.1:)" + port_text(listener.port)),
      std::string::npos)
      << listening.out;
  EXPECT_NE(listening.out.find(R"("process":"sockit_cli_test)"), std::string::npos)
      << listening.out;
  std::uint16_t client_port = 0;
  {
    Socket client(AF_INET, SOCK_STREAM);
    client.connect(Address::loopback4(listener.port));
    client_port = client.getsockname().port();
    auto [server, peer] = listener.socket.accept();
    client.close();  // the client closes first: TIME_WAIT is on its side
    server.settimeout(std::chrono::seconds(5));
    EXPECT_EQ(server.recv(16), "");
  }
  std::this_thread::sleep_for(200ms);
  const auto table = run_sockit({"ss", "--state", "time-wait", "--port", port_text(listener.port)});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  const auto row = line_with(table.out, "127.0.0.1:" + port_text(client_port));
  EXPECT_EQ(row.rfind("TIME_WAIT", 0), 0u) << table.out;
  EXPECT_NE(row.find("127.0.0.1:" + port_text(listener.port)), std::string::npos) << row;
  EXPECT_TRUE(std::regex_search(row, std::regex(R"( (5\d|60)s )")))
      << row;  // the 60 s timer running
  EXPECT_EQ(run_sockit({"ss", "--state", "OPEN"}).exit_code, 2);
}

TEST(Ss, WatchShowsAConnectionComeAndTurnIntoTimeWait) {
  Listener listener;
  Child watch(
      sockit_argv({"ss", "--port", port_text(listener.port), "--watch", "--interval", "0.05"}));
  ASSERT_TRUE(watch.read_err_line_containing("watching"));
  ASSERT_TRUE(watch.read_until("+ LISTEN"));
  {
    Socket client(AF_INET, SOCK_STREAM);
    client.connect(Address::loopback4(listener.port));
    auto [server, peer] = listener.socket.accept();
    std::this_thread::sleep_for(300ms);
    client.close();
    std::this_thread::sleep_for(300ms);
  }
  const auto seen = watch.read_until("-> TIME_WAIT");
  ASSERT_TRUE(seen) << watch.drain_out();
  EXPECT_NE(seen->find("+ ESTABLISHED"), std::string::npos) << *seen;
  watch.signal(SIGTERM);
  EXPECT_EQ(watch.wait(), 0);
}

// The lines of `text` that contain the needles, in order; the first one missing if any.
std::string first_missing_in_order(const std::string& text,
                                   const std::vector<std::string>& needles) {
  std::size_t at = 0;
  for (const auto& needle : needles) {
    const auto found = text.find(needle, at);
    if (found == std::string::npos) return needle;
    at = found + needle.size();
  }
  return {};
}

TEST(DemoHandshake, TellsTheWholeLifeInOrder) {
  SKIP_WITHOUT_CAPTURE();
  const auto r = run_sockit({"demo", "handshake"}, {}, 30s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(first_missing_in_order(
                r.out, {"LISTEN (waiting for connections)", "three-way handshake", "1st handshake",
                        "2nd handshake", "3rd handshake", "server received b'hello\\n'",
                        "client received b'hi\\n'", "the client closes first",
                        "1st wave: the client", "2nd wave: the server", "3rd wave: the server",
                        "4th wave: the client", "TIME_WAIT on the client",
                        "TIME_WAIT (closed, waiting 2MSL", "without SO_REUSEADDR: OK"}),
            "")
      << r.out;
}

TEST(DemoHandshake, TheServerClosingFirstCannotRebindWithoutReuseaddrInChinese) {
  SKIP_WITHOUT_CAPTURE();
  const auto r =
      run_sockit({"demo", "handshake", "--close-first", "server", "--lang", "zh"}, {}, 30s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(first_missing_in_order(
                r.out, {"第一次握手", "第二次握手", "第三次握手", "服务器先关闭：四次挥手",
                        "第一次挥手：服务器", "第二次挥手：客户端", "第三次挥手：客户端",
                        "第四次挥手：服务器", "服务器进入 TIME_WAIT",
                        "不设置 SO_REUSEADDR：EADDRINUSE", "设置 SO_REUSEADDR 后：成功"}),
            "")
      << r.out;
}

}  // namespace
}  // namespace sockit::test
