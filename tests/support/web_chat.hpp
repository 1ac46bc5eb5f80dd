// Test support: `sockit chat serve` with its TCP and web ports on loopback, and Python
// scripts that talk to both (tests/e2e/chat_client.py, ws_client.py, prometheus.py).
#pragma once

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/server_process.hpp"

namespace sockit::test {

using namespace std::chrono_literals;

// A chat server with both ports on loopback; web_port() is the HTTP/WebSocket one.
class WebChat {
 public:
  explicit WebChat(std::vector<std::string> extra = {}) : server_(args(std::move(extra))) {
    const auto line = server_.child().read_until("\n", 20s);
    const std::string marker = "http://127.0.0.1:";
    const auto at = line ? line->find(marker) : std::string::npos;
    if (at == std::string::npos) throw std::runtime_error("no web line: " + line.value_or(""));
    web_port_ = std::stoi(line->substr(at + marker.size()));
  }
  ServerProcess& server() { return server_; }
  int web_port() const { return web_port_; }

  // Python that imports Client, WsClient and the prometheus helpers and sets `port` (TCP)
  // and `web` (HTTP) from argv.
  static std::string prelude() {
    return "import sys, json, socket, time\nsys.path.insert(0, '" + std::string(SOCKIT_TEST_DIR) +
           "/e2e')\nfrom chat_client import Client\nfrom ws_client import WsClient, "
           "HandshakeRefused\nimport prometheus\nport = int(sys.argv[1])\nweb = int(sys.argv[2])\n";
  }
  RunResult python(const std::string& script,
                   std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    return python(script, {}, timeout);
  }
  /// The same with more arguments after the two ports (sys.argv[3]...).
  RunResult python(const std::string& script, const std::vector<std::string>& more,
                   std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    std::vector<std::string> args{std::to_string(server_.port()), std::to_string(web_port_)};
    args.insert(args.end(), more.begin(), more.end());
    return run_python(prelude() + script, args, {}, timeout);
  }

 private:
  static std::vector<std::string> args(std::vector<std::string> extra) {
    std::vector<std::string> a{"chat", "serve", "--tcp", "127.0.0.1:0", "--http", "127.0.0.1:0"};
    if (std::find(extra.begin(), extra.end(), "--data") == extra.end()) extra.push_back("--data=none");
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  ServerProcess server_;
  int web_port_ = 0;
};

}  // namespace sockit::test
