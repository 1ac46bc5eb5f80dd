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

}  // namespace sockit::bench
