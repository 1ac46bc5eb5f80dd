// The chat server's limits (SPEC §6), each a `sockit chat serve` flag.
#pragma once

#include <chrono>
#include <cstddef>

namespace sockit::chat {

/// Value type.
struct ChatLimits {
  std::size_t max_clients = 10000;        ///< logged-in or not; more get server_full
  std::size_t max_frame_bytes = 65536;    ///< one JSON object; more: frame_too_large, closed
  std::size_t max_message_bytes = 4096;   ///< a message's text; more: message_too_long
  double rate = 20;                       ///< requests per second, sustained (token bucket)
  double burst = 40;                      ///< requests at once before rate_limited
  std::chrono::milliseconds login_timeout{10000};  ///< no login by then: login_timeout, closed
  std::size_t max_queue_bytes = 1 << 20;  ///< unsent output past this: slow_consumer, closed
  std::chrono::milliseconds grace{2000};  ///< on stop, time for goodbyes to be written
};

}  // namespace sockit::chat
