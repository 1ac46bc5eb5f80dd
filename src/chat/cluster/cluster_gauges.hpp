// Internal: what /metrics shows of a chat cluster's link to Redis. Value type.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sockit::chat::cluster {

struct Gauges {
  std::size_t instances = 0;
  std::size_t connected = 0;            ///< instances reachable now
  std::uint64_t reconnects = 0;         ///< links re-established after a loss
  std::uint64_t publishes = 0;          ///< room messages numbered through Redis
  double publish_seconds_sum = 0;       ///< their round trips, summed
  std::uint64_t caught_up = 0;          ///< messages read from streams to fill gaps
  double catch_up_lag_seconds = 0;      ///< the last catch-up: from reconnect to caught up
  std::uint64_t reaped_nodes = 0;       ///< dead nodes whose users this node removed
  std::uint64_t heartbeat_failures = 0; ///< heartbeats Redis did not take (down, out of memory)
  std::uint64_t expiry_checks = 0;      ///< looks for silent nodes to remove
  std::uint64_t subscription_bytes = 0; ///< received on the subscription links (RESP)
};

}  // namespace sockit::chat::cluster
