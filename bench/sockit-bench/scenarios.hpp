// sockit-bench's scenarios and what each reports.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "histogram.hpp"

namespace sockit::bench {

/// What a run measured. Value type.
struct Result {
  Histogram latency;         ///< per round trip, nanoseconds
  std::uint64_t errors = 0;  ///< failed connections or wrong answers
  std::uint64_t bytes = 0;   ///< payload bytes echoed
  double seconds = 0;
  double rate() const { return seconds > 0 ? static_cast<double>(latency.count()) / seconds : 0; }
};

struct EchoConfig {
  std::string host = "127.0.0.1";
  std::string port = "9999";
  std::size_t connections = 100;
  std::size_t size = 64;
  std::chrono::milliseconds duration{5000};
  std::size_t threads = 2;
  bool redis_ping = false;  ///< speak RESP: send PING, expect +PONG (the Redis reference)
};

/// Ping-pong: each connection keeps one message in flight. Blocks for the duration.
Result run_echo(const EchoConfig& config);

struct FanoutConfig {
  std::string host = "127.0.0.1";
  std::string port = "8000";
  std::size_t subscribers = 1000;
  std::size_t publishers = 1;
  double rate = 100;          ///< messages per second, all publishers together
  std::size_t size = 64;      ///< message bytes
  std::chrono::milliseconds duration{5000};
  std::chrono::milliseconds warmup{2000};  ///< connect and log in before publishing starts
  bool redis = false;         ///< Redis pub/sub (SUBSCRIBE/PUBLISH) instead of sockit chat v1
};

/// One room, S subscribers, P publishers at a fixed rate; latency is publish-to-delivery
/// and rate() is deliveries per second. Blocks for the duration.
Result run_fanout(const FanoutConfig& config);

}  // namespace sockit::bench
