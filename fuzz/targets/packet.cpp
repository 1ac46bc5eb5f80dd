// What sockit trace reads off the wire: frames decoded and followed through the TCP state
// machine, then worded. Input: a link-type byte, then frames each preceded by a one-byte length.
#include <cstddef>
#include <cstdint>
#include <span>

#include "sockit/tools/packet.hpp"
#include "sockit/tools/tcp_tracker.hpp"
#include "sockit/tools/trace_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr int links[] = {0, 1, 12, 101, 108, 113, 228, 229, 276};
  const int link = links[data[0] % std::size(links)];
  const auto bytes = std::as_bytes(std::span(data + 1, size - 1));
  sockit::TcpTracker tracker(4);  // small, so forgetting connections is exercised too
  for (std::size_t at = 0; at < bytes.size();) {
    const std::size_t length = std::to_integer<std::size_t>(bytes[at]);
    const auto frame = bytes.subspan(at + 1, std::min(length, bytes.size() - at - 1));
    at += 1 + frame.size();
    const auto packet = sockit::decode_packet(link, frame, {});
    if (!packet) continue;
    if (packet->kind != sockit::Packet::Kind::tcp) {
      (void)sockit::datagram_line(*packet);
      continue;
    }
    const auto event = tracker.on_segment(*packet);
    (void)sockit::segment_line(*packet, event, sockit::Lang::zh);
    (void)sockit::states_text(event, sockit::Lang::en);
  }
  return 0;
}
