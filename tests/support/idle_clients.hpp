// Test support: a crowd of clients that connect and then never send a byte — what locks a
// server out when every connection it may hold is taken by one of them.
#pragma once

#include <vector>

#include "sockit/socket/socket.hpp"

namespace sockit::test {

/// `count` connections to 127.0.0.1:`port`, open until the vector goes. Connecting needs no
/// accept (the kernel queues them), so this returns at once even when the server is full.
inline std::vector<Socket> idle_clients(int port, int count) {
  std::vector<Socket> crowd;
  for (int i = 0; i < count; ++i) {
    Socket s(AF_INET, SOCK_STREAM);
    s.connect(Address::loopback4(static_cast<std::uint16_t>(port)));
    crowd.push_back(std::move(s));
  }
  return crowd;
}

}  // namespace sockit::test
