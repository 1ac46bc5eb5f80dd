// sockit-bench: the load generator for sockit's benchmarks (like redis-benchmark): drives a
// server with many connections and prints throughput and latency percentiles, as a table or
// JSON. Scenarios so far: echo.
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "scenarios.hpp"

namespace {

using sockit::bench::Result;

void print(const std::string& name, const Result& r, bool json) {
  const auto us = [&](double q) { return static_cast<double>(r.latency.percentile(q)) / 1000.0; };
  if (json) {
    fmt::print(R"({{"scenario":"{}","requests":{},"seconds":{:.3f},"rate":{:.1f},"errors":{},)"
               R"("p50_us":{:.1f},"p90_us":{:.1f},"p99_us":{:.1f},"p999_us":{:.1f},"max_us":{:.1f}}})"
               "\n",
               name, r.latency.count(), r.seconds, r.rate(), r.errors, us(0.5), us(0.9), us(0.99),
               us(0.999), static_cast<double>(r.latency.max()) / 1000.0);
    return;
  }
  fmt::print("{:<10} {:>12} {:>12} {:>8} {:>10} {:>10} {:>10} {:>10}\n", "scenario", "requests",
             "req/s", "errors", "p50 us", "p90 us", "p99 us", "p99.9 us");
  fmt::print("{:<10} {:>12} {:>12.0f} {:>8} {:>10.1f} {:>10.1f} {:>10.1f} {:>10.1f}\n", name,
             r.latency.count(), r.rate(), r.errors, us(0.5), us(0.9), us(0.99), us(0.999));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sockit-bench: load generator for sockit's benchmarks", "sockit-bench"};
  app.require_subcommand(1);
  bool json = false;
  app.add_flag("--json", json, "one JSON object per scenario");
  sockit::bench::EchoConfig echo;
  double seconds = 5;
  auto* e = app.add_subcommand("echo", "ping-pong against an echo server");
  e->add_option("--host", echo.host)->capture_default_str();
  e->add_option("--port", echo.port)->capture_default_str();
  e->add_option("-c,--connections", echo.connections)->check(CLI::Range(1, 100000))->capture_default_str();
  e->add_option("-s,--size", echo.size, "message bytes")->check(CLI::Range(1, 16 << 20))->capture_default_str();
  e->add_option("-d,--duration", seconds, "seconds")->check(CLI::PositiveNumber)->capture_default_str();
  e->add_option("-t,--threads", echo.threads, "client threads")->check(CLI::Range(1, 256))->capture_default_str();
  e->add_flag("--redis-ping", echo.redis_ping, "send RESP PING and expect +PONG (against redis-server)");
  sockit::bench::FanoutConfig chat;
  double chat_seconds = 5;
  auto* f = app.add_subcommand("chat", "fan-out in one room: sockit chat v1 or Redis pub/sub");
  f->add_option("--host", chat.host)->capture_default_str();
  f->add_option("--port", chat.port)->capture_default_str();
  f->add_option("--subscribers", chat.subscribers)->check(CLI::Range(1, 100000))->capture_default_str();
  f->add_option("--publishers", chat.publishers)->check(CLI::Range(1, 1000))->capture_default_str();
  f->add_option("--rate", chat.rate, "messages/s, all publishers")->check(CLI::PositiveNumber)->capture_default_str();
  f->add_option("-s,--size", chat.size, "message bytes")->check(CLI::Range(16, 65536))->capture_default_str();
  f->add_option("-d,--duration", chat_seconds, "seconds")->check(CLI::PositiveNumber)->capture_default_str();
  f->add_flag("--redis", chat.redis, "speak Redis pub/sub (against redis-server)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& err) {
    return app.exit(err) == 0 ? 0 : 2;
  }
  try {
    if (f->parsed()) {
      chat.duration = std::chrono::milliseconds(static_cast<long long>(chat_seconds * 1000));
      const Result r = sockit::bench::run_fanout(chat);
      print("chat", r, json);
      return r.errors == 0 && r.latency.count() > 0 ? 0 : 1;
    }
    echo.duration = std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
    const Result r = sockit::bench::run_echo(echo);
    print("echo", r, json);
    return r.errors == 0 && r.latency.count() > 0 ? 0 : 1;
  } catch (const std::exception& ex) {
    fmt::print(stderr, "sockit-bench: {}\n", ex.what());
    return 1;
  }
}
