#include "sockit/tools/sockets.hpp"

#include "sockit/core/error.hpp"
#include "sockit/socket/socket.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>
#include <unordered_map>

namespace sockit {
namespace {

// The kernel's TCP state numbers (include/net/tcp_states.h) in our names.
TcpState from_kernel(int state) {
  switch (state) {
    case 1:
      return TcpState::established;
    case 2:
      return TcpState::syn_sent;
    case 3:
    case 12:
      return TcpState::syn_recv;  // 12: a request socket (NEW_SYN_RECV)
    case 4:
      return TcpState::fin_wait_1;
    case 5:
      return TcpState::fin_wait_2;
    case 6:
      return TcpState::time_wait;
    case 7:
      return TcpState::closed;
    case 8:
      return TcpState::close_wait;
    case 9:
      return TcpState::last_ack;
    case 10:
      return TcpState::listen;
    case 11:
      return TcpState::closing;
    default:
      return TcpState::unknown;
  }
}

IpPort endpoint(int family, const std::uint32_t* addr, std::uint16_t port_be) {
  IpPort out;
  out.family = family;
  std::memcpy(out.addr.data(), addr, family == AF_INET ? 4 : 16);
  out.port = ntohs(port_be);
  return out;
}

void send_dump_request(int fd, int family) {
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.request.sdiag_family = static_cast<std::uint8_t>(family);
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = ~0u;  // every state, TIME_WAIT and listeners included
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    throw_errno("sock_diag request");
  }
}

// Reads the dump's answers until NLMSG_DONE.
void read_dump(int fd, std::vector<TcpSocketInfo>& out) {
  alignas(nlmsghdr) char buffer[32768];
  while (true) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN)
        throw_error(ETIMEDOUT, "sock_diag: no answer from the kernel within 2 s");
      throw_errno("sock_diag");
    }
    constexpr std::size_t header = NLMSG_ALIGN(sizeof(nlmsghdr));
    for (std::size_t at = 0; at + header <= static_cast<std::size_t>(n);) {
      const auto* h = reinterpret_cast<const nlmsghdr*>(buffer + at);
      if (h->nlmsg_len < header || at + h->nlmsg_len > static_cast<std::size_t>(n)) break;
      const char* body = buffer + at + header;
      at += NLMSG_ALIGN(h->nlmsg_len);
      if (h->nlmsg_type == NLMSG_DONE) return;
      if (h->nlmsg_type == NLMSG_ERROR) {
        throw_error(-reinterpret_cast<const nlmsgerr*>(body)->error, "sock_diag");
      }
      if (h->nlmsg_len < header + sizeof(inet_diag_msg)) continue;
      const auto* m = reinterpret_cast<const inet_diag_msg*>(body);
      TcpSocketInfo s;
      s.state = from_kernel(m->idiag_state);
      s.local = endpoint(m->idiag_family, m->id.idiag_src, m->id.idiag_sport);
      s.remote = endpoint(m->idiag_family, m->id.idiag_dst, m->id.idiag_dport);
      s.recv_q = m->idiag_rqueue, s.send_q = m->idiag_wqueue;
      s.timer = std::chrono::milliseconds(m->idiag_timer != 0 ? m->idiag_expires : 0);
      s.uid = m->idiag_uid, s.inode = m->idiag_inode;
      out.push_back(std::move(s));
    }
  }
}

std::string read_comm(const std::filesystem::path& proc) {
  std::ifstream in(proc / "comm");
  std::string name;
  std::getline(in, name);
  return name;
}

}  // namespace

std::vector<TcpSocketInfo> tcp_sockets() {
  Socket netlink(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
  const timeval limit{2, 0};
  netlink.setsockopt(SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  std::vector<TcpSocketInfo> out;
  for (const int family : {AF_INET, AF_INET6}) {
    send_dump_request(netlink.fileno(), family);
    read_dump(netlink.fileno(), out);
  }
  return out;
}

namespace {

// The sockets process `pid` holds open, through its /proc/PID/fd links. A process that ends
// meanwhile, or is not readable, holds none as far as we can tell.
void owned_inodes(const std::filesystem::path& proc, std::vector<std::uint64_t>& out) {
  std::error_code ec;
  std::filesystem::directory_iterator it(proc / "fd", ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code link_ec;
    const auto target = std::filesystem::read_symlink(it->path(), link_ec).string();
    if (!link_ec && target.starts_with("socket:["))
      out.push_back(std::strtoull(target.c_str() + 8, nullptr, 10));
  }
}

}  // namespace

void find_owners(std::vector<TcpSocketInfo>& sockets) {
  std::unordered_map<std::uint64_t, TcpSocketInfo*> by_inode;
  for (auto& s : sockets) {
    if (s.inode != 0) by_inode.emplace(s.inode, &s);
  }
  if (by_inode.empty()) return;
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc", ec), end;
  std::vector<std::uint64_t> inodes;
  for (; !ec && it != end; it.increment(ec)) {
    const auto pid = it->path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    inodes.clear();
    owned_inodes(it->path(), inodes);
    for (const auto inode : inodes) {
      const auto found = by_inode.find(inode);
      if (found == by_inode.end() || !found->second->process.empty()) continue;
      found->second->process = read_comm(it->path()) + "(" + pid + ")";
    }
  }
}

}  // namespace sockit
