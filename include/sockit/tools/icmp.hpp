// ICMP echo packets for ping: build a request, recognise a reply. Pure functions over bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sockit::icmp {

inline constexpr std::uint8_t echo_request_v4 = 8;
inline constexpr std::uint8_t echo_reply_v4 = 0;
inline constexpr std::uint8_t echo_request_v6 = 128;
inline constexpr std::uint8_t echo_reply_v6 = 129;
inline constexpr std::size_t header_size = 8;

/// The Internet checksum (RFC 1071) of `bytes`. Pure; thread safe.
std::uint16_t checksum(std::string_view bytes) noexcept;

/// An echo request: type, code 0, checksum (IPv4 only; the kernel fills ICMPv6's), id, seq,
/// then `payload`. Pure; thread safe.
std::string echo_request(bool v6, std::uint16_t id, std::uint16_t seq, std::string_view payload);

/// What a received echo reply says.
struct EchoReply {
  std::uint16_t id = 0;
  std::uint16_t seq = 0;
  std::size_t icmp_bytes = 0;  ///< ICMP header + payload, what ping calls "bytes"
  int ttl = -1;                ///< from the IPv4 header when present, else -1
};

/// Recognises an echo reply in `packet`. `ip_header` says the packet starts with an IPv4
/// header (raw IPv4 sockets). Anything else (requests, errors, truncated or bad packets)
/// gives nullopt. Pure; thread safe.
std::optional<EchoReply> parse_echo_reply(std::string_view packet, bool v6, bool ip_header);

}  // namespace sockit::icmp
