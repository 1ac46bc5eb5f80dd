// sockit-bench's scenarios and what each reports.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "histogram.hpp"

namespace sockit::bench {

/// What a run measured. Value type.
struct Result {
  Histogram latency;         ///< per round trip, nanoseconds
  std::uint64_t errors = 0;  ///< failed connections or wrong answers
  std::uint64_t bytes = 0;   ///< payload bytes echoed
  double seconds = 0;
  double server_cpu = -1;    ///< seconds the server process used meanwhile; -1: not measured
  double rate() const { return seconds > 0 ? static_cast<double>(latency.count()) / seconds : 0; }
  /// Server CPU microseconds per counted operation; -1 when not measured.
  double server_cpu_us_per_op() const {
    return server_cpu >= 0 && latency.count() ? server_cpu * 1e6 / static_cast<double>(latency.count()) : -1;
  }
};

struct EchoConfig {
  std::string host = "127.0.0.1";
  std::string port = "9999";
  std::size_t connections = 100;
  std::size_t size = 64;
  std::chrono::milliseconds duration{5000};
  std::size_t threads = 2;
  bool redis_ping = false;  ///< speak RESP: send PING, expect +PONG (the Redis reference)
  std::vector<int> server_pids;  ///< whose CPU time to measure over the run
};

/// Ping-pong: each connection keeps one message in flight. Blocks for the duration.
Result run_echo(const EchoConfig& config);

/// The wire protocol a fan-out run speaks (bench-only adapters).
enum class PubSub { sockit, redis, nats };

struct FanoutConfig {
  std::string host = "127.0.0.1";
  std::vector<std::string> ports{"8000"};  ///< several: clients spread round robin (a cluster)
  std::size_t rooms = 1;
  std::size_t subscribers = 1000;  ///< all rooms together, spread round robin
  std::size_t publishers = 1;      ///< all rooms together, spread round robin
  double rate = 100;          ///< messages per second, all publishers; 0: as fast as acks allow
  std::size_t size = 64;      ///< message bytes
  std::chrono::milliseconds duration{5000};
  std::chrono::milliseconds warmup{2000};  ///< connect and log in before publishing starts
  PubSub protocol = PubSub::sockit;
  std::vector<int> server_pids;  ///< whose CPU time to measure over the publishing window
};

/// R rooms, S subscribers, P publishers at a fixed rate (or each waiting for the server's
/// acknowledgement of its last message); latency is publish-to-delivery and rate() is
/// deliveries per second. Blocks for the duration.
Result run_fanout(const FanoutConfig& config);

/// Bulk echo: N connections each stream S-byte writes while reading the echo back;
/// bytes is what came back, latency is empty.
Result run_bulk(const EchoConfig& config);

struct ConnsConfig {
  std::string host = "127.0.0.1";
  std::string port = "8000";
  std::size_t connections = 10000;
  bool redis = false;   ///< idle Redis clients (one PING each) instead of logged-in chat users
  int server_pid = 0;   ///< whose resident memory to read (/proc/PID/status)
  std::chrono::milliseconds settle{1000};
};

/// What holding idle connections costs the server. Value type.
struct ConnsResult {
  std::size_t opened = 0;
  std::uint64_t errors = 0;
  std::int64_t rss_before = 0;  ///< bytes
  std::int64_t rss_after = 0;   ///< bytes
  double seconds = 0;
};

/// Opens N idle connections (logged in, for chat) from 127.0.0.x source addresses, so the
/// ephemeral port range is no limit, then reads the server's RSS. Blocks until done.
ConnsResult run_conns(const ConnsConfig& config);

}  // namespace sockit::bench
