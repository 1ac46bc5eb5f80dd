// Packet: one captured frame decoded down to TCP, UDP or ICMP, the input of `sockit trace`.
// Decoding is pure (bytes in, fields out), so it is tested without capturing anything.
#pragma once

#include <array>
#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sockit {

/// An IPv4 or IPv6 address and a port, as read from a packet. Value type.
struct IpPort {
  int family = 0;                       ///< AF_INET or AF_INET6
  std::array<std::uint8_t, 16> addr{};  ///< IPv4 in the first 4 bytes
  std::uint16_t port = 0;               ///< host byte order; 0 for ICMP
  /// "127.0.0.1:8000", "[::1]:8000"; without ":port" when the port is 0.
  std::string to_string() const;
  auto operator<=>(const IpPort&) const = default;
};

/// TCP header flags, as on the wire.
enum TcpFlag : std::uint8_t {
  tcp_fin = 0x01,
  tcp_syn = 0x02,
  tcp_rst = 0x04,
  tcp_psh = 0x08,
  tcp_ack = 0x10,
  tcp_urg = 0x20
};

/// One decoded frame. Value type.
struct Packet {
  enum class Kind { tcp, udp, icmp, icmp6 };
  std::chrono::system_clock::time_point time;
  Kind kind = Kind::tcp;
  IpPort src, dst;
  std::uint8_t flags = 0;    ///< TCP only
  std::uint32_t seq = 0;     ///< TCP only: absolute
  std::uint32_t ack = 0;     ///< TCP only: absolute
  std::uint16_t window = 0;  ///< TCP only: unscaled, as in the header
  std::uint8_t icmp_type = 0, icmp_code = 0;
  std::size_t length = 0;  ///< payload bytes on the wire (TCP/UDP data, ICMP body)
  std::string payload;     ///< the captured part of the payload (may be shorter)
};

/// Link-layer types the decoder reads (libpcap's DLT_ numbers).
enum class LinkType : int {
  null = 0,
  ethernet = 1,
  raw = 12,
  loop = 108,
  raw_ip = 101,
  linux_sll = 113,
  ipv4 = 228,
  ipv6 = 229,
  linux_sll2 = 276
};

/// Decodes `frame` of link type `link` (a DLT_ number). nullopt for anything that is not
/// IPv4/IPv6 carrying TCP, UDP or ICMP, for fragments after the first, and for truncated
/// headers. Never reads outside `frame`. Pure; thread safe.
std::optional<Packet> decode_packet(int link, std::span<const std::byte> frame,
                                    std::chrono::system_clock::time_point time);

/// "SYN", "ACK"... for the set bits, in the order tcpdump prints them (SYN FIN RST PSH ACK URG).
/// Pure.
std::vector<std::string_view> tcp_flag_list(std::uint8_t flags);
/// The same, joined: "SYN,ACK". Pure.
std::string tcp_flag_names(std::uint8_t flags, std::string_view separator);

}  // namespace sockit
