// Pinger: ICMP echo to one host, through a raw socket or, where raw sockets are not
// permitted, the kernel's unprivileged ICMP datagram socket (net.ipv4.ping_group_range).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sockit/socket/address.hpp"
#include "sockit/socket/socket.hpp"

namespace sockit {

/// One answered echo request.
struct PingReply {
  std::uint16_t seq = 0;
  std::size_t bytes = 0;  ///< ICMP bytes received
  int ttl = -1;           ///< -1 where the socket does not show it
  std::chrono::microseconds rtt{0};
  Address from;
};

/// Sends echo requests to one address and waits for the matching replies. Not thread safe.
class Pinger {
 public:
  /// Opens the socket: raw first, datagram when raw is refused (EPERM/EACCES). Throws
  /// socket_error when neither is permitted, naming both failures.
  Pinger(const Address& target, std::size_t payload_size = 56);

  /// "raw" or "datagram".
  const char* method() const noexcept { return raw_ ? "raw" : "datagram"; }
  std::size_t payload_size() const noexcept { return payload_.size(); }

  /// Sends request `seq` and waits at most `timeout` for its reply; nullopt when none came.
  /// Throws socket_error when sending fails (e.g. network unreachable).
  std::optional<PingReply> ping(std::uint16_t seq, std::chrono::milliseconds timeout);

 private:
  std::optional<PingReply> match(const std::string& packet, const Address& from,
                                 std::uint16_t seq) const;

  Address target_;
  bool v6_;
  bool raw_ = true;
  std::uint16_t id_;
  std::string payload_;
  Socket socket_;
};

/// ping's closing statistics over the replies of `sent` requests.
struct PingStats {
  int sent = 0;
  int received = 0;
  double loss_percent = 0;
  double min_ms = 0, avg_ms = 0, max_ms = 0, mdev_ms = 0;
};

/// Pure; thread safe.
PingStats ping_stats(int sent, const std::vector<std::chrono::microseconds>& rtts);

}  // namespace sockit
