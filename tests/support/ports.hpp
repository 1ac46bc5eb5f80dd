// Test support: loopback ports for peers (ncat, nginx, openssl) that need a number up front.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include "sockit/core/error.hpp"
#include "sockit/socket/socket.hpp"

namespace sockit::test {

/// A loopback port that was free a moment ago.
inline std::string free_port(int type = SOCK_STREAM) {
  Socket s(AF_INET, type);
  s.bind(Address::loopback4(0));
  return std::to_string(s.getsockname().port());
}

/// Waits (at most 10 s) until 127.0.0.1:port accepts a connection. The probe uses up one
/// connection: only for servers that keep accepting.
inline bool wait_port(const std::string& port) {
  for (int i = 0; i < 200; ++i) {
    Socket s(AF_INET, SOCK_STREAM);
    if (!s.connect_ex(Address::loopback4(static_cast<std::uint16_t>(std::stoi(port))))) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

/// Whether this machine has ::1 (a container may have no IPv6): tests on it skip otherwise.
inline bool ipv6_loopback_available() {
  try {
    Socket s(AF_INET6, SOCK_STREAM);
    s.bind(Address::loopback6(0));
    return true;
  } catch (const socket_error&) {
    return false;
  }
}

}  // namespace sockit::test
