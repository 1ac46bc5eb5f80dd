// The machine's TCP sockets and their states, read from the kernel through NETLINK_SOCK_DIAG
// (what `ss -t` reads), with the owning process found through /proc: `sockit ss`.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "sockit/tools/packet.hpp"
#include "sockit/tools/tcp_tracker.hpp"

namespace sockit {

/// One TCP socket as the kernel reports it. Value type.
struct TcpSocketInfo {
  TcpState state = TcpState::unknown;
  IpPort local, remote;
  std::uint32_t recv_q = 0, send_q = 0;  ///< LISTEN: accept queue length and its limit
  std::chrono::milliseconds timer{
      0};  ///< time left on the running timer (TIME_WAIT: until it expires)
  std::uint32_t uid = 0;
  std::uint64_t inode = 0;  ///< 0 for TIME_WAIT and embryonic sockets: no file owns them
  std::string process;      ///< "sockit(1234)"; empty when not known or not readable
};

/// Every TCP socket (IPv4 and IPv6) of this network namespace, owners not yet filled.
/// Needs no privilege. Throws std::system_error when the kernel does not answer within 2 s or
/// refuses. Thread safe.
std::vector<TcpSocketInfo> tcp_sockets();

/// Fills `process` for the sockets whose inode a readable /proc/PID/fd links to (all of
/// them as root, one's own otherwise). Thread safe.
void find_owners(std::vector<TcpSocketInfo>& sockets);

}  // namespace sockit
