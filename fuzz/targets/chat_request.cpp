// Chat framing and request parsing: bytes from a TCP peer, split at a point the input picks,
// through JsonFramer into parse_request and, for valid requests, back out through an encoder.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sockit/chat/protocol/framing.hpp"
#include "sockit/chat/protocol/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sockit::chat;
  if (size == 0) return 0;
  const std::string_view all(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = data[0] % (all.size() + 1);
  JsonFramer framer(4096);
  Limits limits;
  limits.max_message_bytes = 256;
  for (const std::string_view part : {all.substr(0, split), all.substr(split)}) {
    framer.feed(part);
    for (;;) {
      const auto result = framer.next();
      if (result.status == JsonFramer::Result::Status::need_more) break;
      if (result.status == JsonFramer::Result::Status::too_large) return 0;
      if (result.status != JsonFramer::Result::Status::frame) continue;
      const Parsed parsed = parse_request(result.frame, limits);
      if (parsed.error) (void)encode_error(*parsed.error, parsed.error_message, parsed.req);
      else (void)encode_pong(parsed.req);
    }
  }
  return 0;
}
