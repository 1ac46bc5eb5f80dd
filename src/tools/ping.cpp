#include "sockit/tools/ping.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <numeric>

#include <netinet/in.h>
#include <unistd.h>

#include "sockit/core/error.hpp"
#include "sockit/tools/icmp.hpp"

namespace sockit {
namespace {

using Clock = std::chrono::steady_clock;

Socket open_icmp(bool v6, bool& raw) {
  const int family = v6 ? AF_INET6 : AF_INET;
  const int proto = v6 ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
  try {
    raw = true;
    return Socket(family, SOCK_RAW, proto);
  } catch (const socket_error& raw_error) {
    const int e = raw_error.code().value();
    if (e != EPERM && e != EACCES) throw;
    try {
      raw = false;
      return Socket(family, SOCK_DGRAM, proto);
    } catch (const socket_error& dgram_error) {
      throw socket_error(dgram_error.code(),
                         "ping needs a raw socket (" + std::string(raw_error.what()) +
                             ") or an ICMP datagram socket (see sysctl "
                             "net.ipv4.ping_group_range)");
    }
  }
}

std::string make_payload(std::size_t size) {
  std::string payload(size, '\0');
  for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<char>(0x10 + i % 0x30);
  return payload;
}

}  // namespace

Pinger::Pinger(const Address& target, std::size_t payload_size)
    : target_(target),
      v6_(target.family() == AF_INET6),
      id_(static_cast<std::uint16_t>(::getpid() & 0xffff)),
      payload_(make_payload(payload_size)),
      socket_(open_icmp(v6_, raw_)) {}

std::optional<PingReply> Pinger::match(const std::string& packet, const Address& from,
                                       std::uint16_t seq) const {
  // Raw IPv4 sockets see the IP header; ICMPv6 and datagram sockets do not.
  const auto reply = icmp::parse_echo_reply(packet, v6_, raw_ && !v6_);
  if (!reply || reply->seq != seq) return std::nullopt;
  // A raw socket sees every ICMP packet on the host; a datagram socket only its own (the
  // kernel rewrites the id), so only raw replies are matched by id.
  if (raw_ && reply->id != id_) return std::nullopt;
  if (from.host() != target_.host()) return std::nullopt;
  PingReply out;
  out.seq = reply->seq;
  out.bytes = reply->icmp_bytes;
  out.ttl = reply->ttl;
  out.from = from;
  return out;
}

std::optional<PingReply> Pinger::ping(std::uint16_t seq, std::chrono::milliseconds timeout) {
  const auto request = icmp::echo_request(v6_, id_, seq, payload_);
  const auto start = Clock::now();
  socket_.sendto(request, target_);
  const auto deadline = start + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    socket_.settimeout(left);
    try {
      auto [packet, from] = socket_.recvfrom(65536);
      if (auto reply = match(packet, from, seq)) {
        reply->rtt = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
        return reply;
      }
    } catch (const timeout_error&) {
      return std::nullopt;
    }
  }
}

PingStats ping_stats(int sent, const std::vector<std::chrono::microseconds>& rtts) {
  PingStats s;
  s.sent = sent;
  s.received = static_cast<int>(rtts.size());
  s.loss_percent = sent > 0 ? 100.0 * (sent - s.received) / sent : 0.0;
  if (rtts.empty()) return s;
  std::vector<double> ms;
  for (const auto rtt : rtts) ms.push_back(static_cast<double>(rtt.count()) / 1000.0);
  const auto [lo, hi] = std::minmax_element(ms.begin(), ms.end());
  s.min_ms = *lo;
  s.max_ms = *hi;
  s.avg_ms = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
  double sq = 0;
  for (const double v : ms) sq += v * v;
  s.mdev_ms = std::sqrt(std::max(0.0, sq / static_cast<double>(ms.size()) - s.avg_ms * s.avg_ms));
  return s;
}

}  // namespace sockit
