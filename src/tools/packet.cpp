#include "sockit/tools/packet.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <utility>

#include <fmt/core.h>

namespace sockit {
namespace {

constexpr std::uint16_t ether_ipv4 = 0x0800;
constexpr std::uint16_t ether_ipv6 = 0x86dd;
constexpr std::uint16_t ether_vlan = 0x8100;

// Bounds-checked big-endian reads over the frame.
class Reader {
 public:
  explicit Reader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  bool has(std::size_t offset, std::size_t n) const {
    return offset <= bytes_.size() && n <= bytes_.size() - offset;
  }
  std::uint8_t u8(std::size_t at) const { return static_cast<std::uint8_t>(bytes_[at]); }
  std::uint16_t u16(std::size_t at) const {
    return static_cast<std::uint16_t>(u8(at) << 8 | u8(at + 1));
  }
  std::uint32_t u32(std::size_t at) const { return std::uint32_t{u16(at)} << 16 | u16(at + 2); }
  std::span<const std::byte> from(std::size_t at) const {
    return bytes_.subspan(std::min(at, bytes_.size()));
  }
  std::size_t size() const { return bytes_.size(); }

 private:
  std::span<const std::byte> bytes_;
};

// The offset of the IP header and its version (4 or 6), or nullopt for other link payloads.
std::optional<std::size_t> network_offset(int link, const Reader& r) {
  std::size_t ether_type_at = 0, ip_at = 0;
  switch (static_cast<LinkType>(link)) {
    case LinkType::raw:
    case LinkType::raw_ip:
    case LinkType::ipv4:
    case LinkType::ipv6:
      return 0;
    case LinkType::null:
    case LinkType::loop:
      return r.has(0, 4) ? std::optional<std::size_t>(4) : std::nullopt;  // family word, then IP
    case LinkType::ethernet:
      ether_type_at = 12, ip_at = 14;
      if (r.has(12, 2) && r.u16(12) == ether_vlan) ether_type_at = 16, ip_at = 18;
      break;
    case LinkType::linux_sll:
      ether_type_at = 14, ip_at = 16;
      break;
    case LinkType::linux_sll2:
      ether_type_at = 0, ip_at = 20;
      break;
    default:
      return std::nullopt;
  }
  if (!r.has(ether_type_at, 2)) return std::nullopt;
  const auto type = r.u16(ether_type_at);
  if (type != ether_ipv4 && type != ether_ipv6) return std::nullopt;
  return ip_at;
}

void copy_address(IpPort& to, int family, const Reader& r, std::size_t at) {
  to.family = family;
  const std::size_t n = family == AF_INET ? 4 : 16;
  for (std::size_t i = 0; i < n; ++i) to.addr[i] = r.u8(at + i);
}

// Fills the transport fields from the header at `at`; `end` is where the IP payload ends.
bool decode_transport(Packet& p, int protocol, const Reader& r, std::size_t at, std::size_t end) {
  switch (protocol) {
    case IPPROTO_TCP: {
      if (!r.has(at, 20)) return false;
      const std::size_t header = std::size_t{r.u8(at + 12)} >> 4 << 2;
      if (header < 20) return false;
      p.kind = Packet::Kind::tcp;
      p.src.port = r.u16(at), p.dst.port = r.u16(at + 2);
      p.seq = r.u32(at + 4), p.ack = r.u32(at + 8);
      p.flags = r.u8(at + 13) & 0x3f;
      p.window = r.u16(at + 14);
      at += header;
      break;
    }
    case IPPROTO_UDP:
      if (!r.has(at, 8)) return false;
      p.kind = Packet::Kind::udp;
      p.src.port = r.u16(at), p.dst.port = r.u16(at + 2);
      at += 8;
      break;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
      if (!r.has(at, 4)) return false;
      p.kind = protocol == IPPROTO_ICMP ? Packet::Kind::icmp : Packet::Kind::icmp6;
      p.icmp_type = r.u8(at), p.icmp_code = r.u8(at + 1);
      at += 4;
      break;
    default:
      return false;
  }
  p.length = end > at ? end - at : 0;
  const auto captured = r.from(at);
  const std::size_t n = std::min(p.length, captured.size());
  p.payload.assign(reinterpret_cast<const char*>(captured.data()), n);
  return true;
}

}  // namespace

std::string IpPort::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (::inet_ntop(family, addr.data(), text, sizeof text) == nullptr) return "?";
  if (port == 0) return text;
  return family == AF_INET6 ? fmt::format("[{}]:{}", text, port) : fmt::format("{}:{}", text, port);
}

std::optional<Packet> decode_packet(int link, std::span<const std::byte> frame,
                                    std::chrono::system_clock::time_point time) {
  const Reader r(frame);
  const auto ip = network_offset(link, r);
  if (!ip || !r.has(*ip, 1)) return std::nullopt;
  Packet p;
  p.time = time;
  const int version = r.u8(*ip) >> 4;
  std::size_t at = *ip, end = 0;
  int protocol = 0;
  if (version == 4) {
    if (!r.has(at, 20)) return std::nullopt;
    const std::size_t header = static_cast<std::size_t>(r.u8(at) & 0x0f) << 2;
    const std::size_t total = r.u16(at + 2);
    if (header < 20 || total < header) return std::nullopt;
    if ((r.u16(at + 6) & 0x1fff) != 0)
      return std::nullopt;  // a later fragment: no transport header
    protocol = r.u8(at + 9);
    copy_address(p.src, AF_INET, r, at + 12);
    copy_address(p.dst, AF_INET, r, at + 16);
    end = at + total;
    at += header;
  } else if (version == 6) {
    if (!r.has(at, 40)) return std::nullopt;
    protocol =
        r.u8(at + 6);  // extension headers are not followed: trace reads plain TCP/UDP/ICMPv6
    copy_address(p.src, AF_INET6, r, at + 8);
    copy_address(p.dst, AF_INET6, r, at + 24);
    end = at + 40 + r.u16(at + 4);
    at += 40;
  } else {
    return std::nullopt;
  }
  if (!decode_transport(p, protocol, r, at, end)) return std::nullopt;
  return p;
}

std::vector<std::string_view> tcp_flag_list(std::uint8_t flags) {
  static constexpr std::pair<std::uint8_t, std::string_view> names[] = {
      {tcp_syn, "SYN"}, {tcp_fin, "FIN"}, {tcp_rst, "RST"},
      {tcp_psh, "PSH"}, {tcp_ack, "ACK"}, {tcp_urg, "URG"}};
  std::vector<std::string_view> out;
  for (const auto& [bit, name] : names) {
    if ((flags & bit) != 0) out.push_back(name);
  }
  return out;
}

std::string tcp_flag_names(std::uint8_t flags, std::string_view separator) {
  std::string out;
  for (const auto name : tcp_flag_list(flags)) {
    if (!out.empty()) out += separator;
    out += name;
  }
  return out;
}

}  // namespace sockit
