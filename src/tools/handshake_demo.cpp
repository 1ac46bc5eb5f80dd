#include "sockit/tools/handshake_demo.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <system_error>

#include <fmt/core.h>

#include "sockit/socket/address.hpp"
#include "sockit/socket/factories.hpp"
#include "sockit/socket/socket.hpp"
#include "sockit/tools/capture.hpp"
#include "sockit/tools/sockets.hpp"

namespace sockit {
namespace {

using namespace std::chrono_literals;

struct Phrase {
  const char* en;
  const char* zh;
};

class Story {
 public:
  Story(const HandshakeDemoOptions& o, const std::function<void(const std::string&)>& say)
      : o_(o), say_(say) {}

  void line(const Phrase& w, const auto&... args) const {
    say_(fmt::format(fmt::runtime(o_.lang == Lang::zh ? w.zh : w.en), args...));
  }
  void raw(const std::string& text) const { say_(text); }
  Lang lang() const { return o_.lang; }

 private:
  const HandshakeDemoOptions& o_;
  const std::function<void(const std::string&)>& say_;
};

// Prints what the capture saw until it has been quiet for a while: after each step, so the
// story shows the segments that step caused (a delayed ACK comes within 40-200 ms).
void show_segments(Capture& capture, TcpTracker& tracker, const Story& story) {
  const auto give_up = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < give_up) {
    const auto packet = capture.next(450ms);
    if (!packet) return;
    if (packet->kind != Packet::Kind::tcp) continue;
    const auto event = tracker.on_segment(*packet);
    story.raw("  " + segment_line(*packet, event, story.lang()));
    if (const auto states = states_text(event, story.lang()); !states.empty())
      story.raw("      " + states);
  }
}

// 'hello\n' as Python prints bytes.
std::string quoted(const std::string& text) {
  std::string out = "b'";
  for (const char c : text) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  return out + "'";
}

Socket listener_on(std::uint16_t port, bool reuseaddr) {
  ServerOptions options;
  options.reuse_address = reuseaddr;
  return create_server(fmt::format("127.0.0.1:{}", port), options);
}

void show_time_wait(const Story& story, std::uint16_t local_port) {
  for (const auto& s : tcp_sockets()) {
    if (s.state != TcpState::time_wait || s.local.port != local_port) continue;
    story.line({"  ss: {} -> {} {}, gone in {} s", "  ss：{} -> {} {}，{} 秒后消失"},
               s.local.to_string(), s.remote.to_string(), state_text(s.state, story.lang()),
               std::chrono::duration_cast<std::chrono::seconds>(s.timer).count());
    return;
  }
  story.line({"  ss: no TIME_WAIT socket on port {} (already gone)",
              "  ss：端口 {} 上没有 TIME_WAIT（已消失）"},
             local_port);
}

// Tries to listen on `port` again; returns whether it worked.
bool try_rebind(const Story& story, std::uint16_t port, bool reuseaddr) {
  const Phrase with{"with SO_REUSEADDR", "设置 SO_REUSEADDR 后"};
  const Phrase without{"without SO_REUSEADDR", "不设置 SO_REUSEADDR"};
  const Phrase& how = reuseaddr ? with : without;
  try {
    const Socket again = listener_on(port, reuseaddr);
    story.line({"  bind(127.0.0.1:{}) {}: OK, listening again",
                "  bind(127.0.0.1:{}) {}：成功，重新开始监听"},
               port, story.lang() == Lang::zh ? how.zh : how.en);
    return true;
  } catch (const std::system_error& e) {
    if (e.code() != std::errc::address_in_use) throw;
    story.line({"  bind(127.0.0.1:{}) {}: EADDRINUSE (Address already in use)",
                "  bind(127.0.0.1:{}) {}：EADDRINUSE（地址已被占用）"},
               port, story.lang() == Lang::zh ? how.zh : how.en);
    return false;
  }
}

void restart_server(const Story& story, const HandshakeDemoOptions& o, std::uint16_t port,
                    std::uint16_t client_port) {
  story.line({"== 5. restarting the server on port {} ==", "== 5. 在端口 {} 上重启服务器 =="},
             port);
  if (!o.server_closes_first) {
    story.line({"  the TIME_WAIT is on the client's side (port {}): the server's port is free",
                "  TIME_WAIT 在客户端一侧（端口 {}）：服务器的端口是空闲的"},
               client_port);
    try_rebind(story, port, false);
    return;
  }
  if (!o.reuseaddr_at_once && !try_rebind(story, port, false)) {
    story.line(
        {"  the connection in TIME_WAIT still holds the port; a restarted server must set "
         "SO_REUSEADDR",
         "  处于 TIME_WAIT 的连接仍占用着端口；重启的服务器需要设置 SO_REUSEADDR"});
  }
  if (try_rebind(story, port, true)) {
    story.line(
        {"  (it works because the old listener set SO_REUSEADDR too: the TIME_WAIT keeps its "
         "setting)",
         "  （能成功是因为旧的监听套接字也设置了 SO_REUSEADDR：TIME_WAIT 沿用它的设置）"});
  }
}

}  // namespace

void run_handshake_demo(const HandshakeDemoOptions& o,
                        const std::function<void(const std::string&)>& say) {
  const Story story(o, say);
  Socket listener = listener_on(0, true);
  const std::uint16_t port = listener.getsockname().port();
  Capture capture({o.interface, fmt::format("tcp port {}", port), 65535});
  TcpTracker tracker;
  story.line({"sockit demo handshake: a server and a client on 127.0.0.1, traced on {}",
              "sockit demo handshake：服务器和客户端都在 127.0.0.1 上，在 {} 上抓包"},
             o.interface);
  story.line({"server: listen() on 127.0.0.1:{}, state {}",
              "服务器：在 127.0.0.1:{} 上 listen()，状态 {}"},
             port, state_text(TcpState::listen, o.lang));

  story.line({"== 1. connect(): the three-way handshake ==", "== 1. connect()：三次握手 =="});
  Socket client(AF_INET, SOCK_STREAM);
  client.settimeout(5s);
  client.connect(Address::loopback4(port));
  const std::uint16_t client_port = client.getsockname().port();
  auto [server, peer] = listener.accept();
  server.settimeout(5s);
  show_segments(capture, tracker, story);

  story.line({"== 2. one message each way ==", "== 2. 双方各发送一条消息 =="});
  client.sendall("hello\n");
  show_segments(capture, tracker, story);
  story.line({"  server received {}", "  服务器收到 {}"}, quoted(server.recv(64)));
  server.sendall("hi\n");
  show_segments(capture, tracker, story);
  story.line({"  client received {}", "  客户端收到 {}"}, quoted(client.recv(64)));

  const bool by_server = o.server_closes_first;
  Socket& closer = by_server ? server : client;
  Socket& other = by_server ? client : server;
  story.line({"== 3. the {} closes first: the four-way teardown ==", "== 3. {}先关闭：四次挥手 =="},
             side_name(!by_server, o.lang));
  closer.close();
  show_segments(capture, tracker, story);
  story.line({"  the {} reads end of file (recv returns b''), then closes",
              "  {}读到文件结束（recv 返回 b''），然后关闭"},
             side_name(by_server, o.lang));
  if (!other.recv(64).empty()) story.line({"  (unexpected data)", "  （意外的数据）"});
  other.close();
  listener.close();
  show_segments(capture, tracker, story);

  story.line({"== 4. TIME_WAIT on the {} ==", "== 4. {}进入 TIME_WAIT =="},
             side_name(!by_server, o.lang));
  show_time_wait(story, by_server ? port : client_port);
  restart_server(story, o, port, client_port);
}

}  // namespace sockit
