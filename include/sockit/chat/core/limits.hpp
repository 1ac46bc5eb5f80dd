// The chat server's limits (docs/protocol.md), each a `sockit chat serve` flag.
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
  // A slow consumer is one that does not drain, not one that received a legal burst: a
  // reader is cut when its unsent output passes the hard limit, or stays above the soft
  // limit for soft_queue_time, or when all sessions together hold more than
  // max_queue_total and it holds more than an equal share and a quarter of the soft limit
  // without draining for a second.
  std::size_t max_queue_bytes = 16 << 20;  ///< hard limit of one reader's unsent output
  std::size_t soft_queue_bytes = 4 << 20;  ///< ... and the soft one, held for soft_queue_time
  std::chrono::milliseconds soft_queue_time{10000};
  std::size_t max_queue_total = 256 << 20;  ///< memory of all unsent output together
  std::chrono::milliseconds grace{2000};  ///< on stop, time for goodbyes to be written
  // Exactly-once sends: a user's sends with an "id" are remembered this long, and at most
  // this many a user; a resend of one of them is answered with the first ack, not delivered.
  std::size_t send_ids = 10000;
  std::chrono::seconds send_id_age{600};
};

}  // namespace sockit::chat
