#include "sockit/tools/icmp.hpp"

namespace sockit::icmp {
namespace {

std::uint16_t be16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(b[at]) << 8) |
                                    static_cast<unsigned char>(b[at + 1]));
}

void put_be16(std::string& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<char>(v >> 8);
  b[at + 1] = static_cast<char>(v & 0xff);
}

}  // namespace

std::uint16_t checksum(std::string_view bytes) noexcept {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum += be16(bytes, i);
  if (i < bytes.size()) sum += static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]) << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::string echo_request(bool v6, std::uint16_t id, std::uint16_t seq, std::string_view payload) {
  std::string packet(header_size, '\0');
  packet[0] = static_cast<char>(v6 ? echo_request_v6 : echo_request_v4);
  put_be16(packet, 4, id);
  put_be16(packet, 6, seq);
  packet.append(payload);
  if (!v6) put_be16(packet, 2, checksum(packet));
  return packet;
}

std::optional<EchoReply> parse_echo_reply(std::string_view packet, bool v6, bool ip_header) {
  EchoReply reply;
  if (ip_header) {
    if (packet.size() < 20) return std::nullopt;
    const auto first = static_cast<unsigned char>(packet[0]);
    const std::size_t ihl = (first & 0x0fu) * 4u;
    if ((first >> 4) != 4 || ihl < 20 || packet.size() < ihl) return std::nullopt;
    reply.ttl = static_cast<unsigned char>(packet[8]);
    packet.remove_prefix(ihl);
  }
  if (packet.size() < header_size) return std::nullopt;
  const auto type = static_cast<unsigned char>(packet[0]);
  if (type != (v6 ? echo_reply_v6 : echo_reply_v4) || packet[1] != 0) return std::nullopt;
  if (!v6 && checksum(packet) != 0) return std::nullopt;
  reply.id = be16(packet, 4);
  reply.seq = be16(packet, 6);
  reply.icmp_bytes = packet.size();
  return reply;
}

}  // namespace sockit::icmp
