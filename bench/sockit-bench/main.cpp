// sockit-bench: the load generator for sockit's benchmarks (like redis-benchmark): drives a
// server with many connections and prints throughput and latency percentiles, as a table or
// JSON. Scenarios: echo (ping-pong or --bulk), chat (fan-out over sockit chat v1, Redis
// pub/sub or NATS) and conns (idle connections and the server's memory for them).
#include <functional>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "scenarios.hpp"

namespace {

using namespace sockit::bench;
using Run = std::function<int(bool json)>;

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

int print_latency(const std::string& name, const Result& r, bool json) {
  const auto us = [&](double q) { return static_cast<double>(r.latency.percentile(q)) / 1000.0; };
  if (json) {
    fmt::print(R"({{"scenario":"{}","requests":{},"seconds":{:.3f},"rate":{:.1f},"errors":{},)"
               R"("p50_us":{:.1f},"p90_us":{:.1f},"p99_us":{:.1f},"p999_us":{:.1f},"max_us":{:.1f},)"
               R"("server_cpu_us":{:.3f}}})"
               "\n",
               name, r.latency.count(), r.seconds, r.rate(), r.errors, us(0.5), us(0.9), us(0.99),
               us(0.999), static_cast<double>(r.latency.max()) / 1000.0, r.server_cpu_us_per_op());
  } else {
    fmt::print("{:<10} {:>12} {:>12} {:>8} {:>10} {:>10} {:>10} {:>10}\n", "scenario", "requests",
               "req/s", "errors", "p50 us", "p90 us", "p99 us", "p99.9 us");
    fmt::print("{:<10} {:>12} {:>12.0f} {:>8} {:>10.1f} {:>10.1f} {:>10.1f} {:>10.1f}\n", name,
               r.latency.count(), r.rate(), r.errors, us(0.5), us(0.9), us(0.99), us(0.999));
    if (r.server_cpu >= 0) {
      fmt::print("server CPU {:.3f} s: {:.3f} us per operation\n", r.server_cpu, r.server_cpu_us_per_op());
    }
  }
  return r.errors == 0 && r.latency.count() > 0 ? 0 : 1;
}

int print_bulk(const Result& r, bool json) {
  const double mib_s = static_cast<double>(r.bytes) / r.seconds / (1 << 20);
  if (json) {
    const double cpu_per_mib = r.server_cpu >= 0 && r.bytes ? r.server_cpu * 1e6 / (static_cast<double>(r.bytes) / (1 << 20)) : -1;
    fmt::print(R"({{"scenario":"bulk","bytes":{},"seconds":{:.3f},"mib_per_s":{:.1f},"errors":{},"server_cpu_us_per_mib":{:.1f}}})" "\n",
               r.bytes, r.seconds, mib_s, r.errors, cpu_per_mib);
  } else {
    fmt::print("bulk: {:.1f} MiB/s echoed ({} bytes in {:.1f} s), {} errors\n", mib_s, r.bytes,
               r.seconds, r.errors);
  }
  return r.errors == 0 && r.bytes > 0 ? 0 : 1;
}

int print_conns(const ConnsResult& r, bool json) {
  const double per = r.opened ? static_cast<double>(r.rss_after - r.rss_before) / static_cast<double>(r.opened) : 0;
  if (json) {
    fmt::print(R"({{"scenario":"conns","connections":{},"errors":{},"seconds":{:.3f},)"
               R"("rss_before":{},"rss_after":{},"bytes_per_connection":{:.0f}}})" "\n",
               r.opened, r.errors, r.seconds, r.rss_before, r.rss_after, per);
  } else {
    fmt::print("conns: {} open ({} errors) in {:.1f} s; server RSS {:.1f} → {:.1f} MiB, {:.0f} bytes "
               "per connection\n", r.opened, r.errors, r.seconds, static_cast<double>(r.rss_before) / 1048576.0,
               static_cast<double>(r.rss_after) / 1048576.0, per);
  }
  return r.errors == 0 && r.opened > 0 ? 0 : 1;
}

// A ramp's answer: the last run that held within the bound, with what was raised (`knob`) at
// `value`; `text` says the same for a terminal.
void print_held(const std::string& scenario, double bound_ms, int steps, const std::string& knob, double value,
                const Result& held, bool json, const std::string& text) {
  const auto us = [&](double q) { return static_cast<double>(held.latency.percentile(q)) / 1000.0; };
  if (!json) return fmt::print("held within p99 {:g} ms: {}\n", bound_ms, text);
  fmt::print(R"({{"scenario":"{}","bound_ms":{:.1f},"steps":{},"{}":{:g},"rate":{:.1f},)"
             R"("requests":{},"p50_us":{:.1f},"p99_us":{:.1f},"server_cpu_us":{:.3f},"errors":0}})" "\n",
             scenario, bound_ms, steps, knob, value, held.rate(), held.latency.count(), us(0.5), us(0.99),
             held.server_cpu_us_per_op());
}

// The most requests/s whose round-trip p99 stays within `bound_ms`: ping-pong from
// config.connections, 1.5× the connections a run of config.duration, until p99 passes the bound
// or a connection fails (more connections in flight is more load for a closed loop).
int ramp_echo(EchoConfig config, double bound_ms, bool json) {
  Result held;
  std::size_t held_connections = 0;
  int steps = 0;
  for (;; config.connections = config.connections * 3 / 2 + 1) {
    ++steps;
    const auto r = run_echo(config);
    const double p99_ms = static_cast<double>(r.latency.percentile(0.99)) / 1e6;
    const bool kept = r.errors == 0 && r.latency.count() > 0 && p99_ms <= bound_ms;
    if (!json) fmt::print("{:>6} connections: {:>10.0f} requests/s, p99 {:.2f} ms{}\n", config.connections, r.rate(),
                          p99_ms, kept ? "" : " (past the bound)");
    if (kept && r.rate() > held.rate()) {
      held = r;
      held_connections = config.connections;
    }
    if (!kept || config.connections >= 20000) break;
  }
  print_held("echo-bound", bound_ms, steps, "connections", static_cast<double>(held_connections), held, json,
             fmt::format("{:.0f} requests/s with {} connections", held.rate(), held_connections));
  return held_connections > 0 ? 0 : 1;
}

void add_echo(CLI::App& app, Run& run) {
  auto c = std::make_shared<EchoConfig>();
  auto seconds = std::make_shared<double>(5);
  auto bulk = std::make_shared<bool>(false);
  auto* e = app.add_subcommand("echo", "ping-pong (or --bulk streaming) against an echo server");
  e->add_option("--host", c->host)->capture_default_str();
  e->add_option("--port", c->port)->capture_default_str();
  e->add_option("-c,--connections", c->connections)->check(CLI::Range(1, 100000))->capture_default_str();
  e->add_option("-s,--size", c->size, "message (or --bulk write) bytes")->check(CLI::Range(1, 16 << 20))->capture_default_str();
  e->add_option("-d,--duration", *seconds, "seconds")->check(CLI::PositiveNumber)->capture_default_str();
  e->add_option("-t,--threads", c->threads, "client threads")->check(CLI::Range(1, 256))->capture_default_str();
  e->add_flag("--redis-ping", c->redis_ping, "send RESP PING and expect +PONG (against redis-server)");
  e->add_option("--pid", c->server_pids,
                "the server's process id: report its CPU time per operation (repeatable: summed)");
  e->add_flag("--bulk", *bulk, "stream writes and read the echo at once; report bytes/s")->excludes("--redis-ping");
  auto bound = std::make_shared<double>(0);
  e->add_option("--bound-ms", *bound,
                "ramp the connections (from -c, 1.5× a run of -d seconds) and report the most requests/s "
                "whose round-trip p99 stays within this many ms")
      ->check(CLI::PositiveNumber)
      ->excludes("--bulk");
  e->callback([c, seconds, bulk, bound, &run] {
    c->duration = ms(*seconds);
    run = [c, bulk, bound](bool json) {
      if (*bound > 0) return ramp_echo(*c, *bound, json);
      return *bulk ? print_bulk(run_bulk(*c), json) : print_latency("echo", run_echo(*c), json);
    };
  });
}

// The highest publish rate at which publish-to-delivery p99 stays within `bound_ms`: from
// config.rate (messages/s), a run of config.duration at each step, 1.2× the last, until p99
// passes the bound, the server delivers less than 97% of what was offered, or a client fails.
int ramp_chat(FanoutConfig config, double bound_ms, bool json) {
  const double per_message = static_cast<double>(config.subscribers) / static_cast<double>(config.rooms);
  Result held;
  double held_rate = 0;
  int steps = 0;
  for (;; config.rate *= 1.2) {
    ++steps;
    const auto r = run_fanout(config);
    const double p99_ms = static_cast<double>(r.latency.percentile(0.99)) / 1e6;
    const bool kept = r.errors == 0 && p99_ms <= bound_ms && r.rate() >= 0.97 * config.rate * per_message;
    if (!json) fmt::print("{:>10.0f} msg/s: {:>10.0f} deliveries/s, p99 {:.1f} ms{}\n", config.rate, r.rate(), p99_ms,
                          kept ? "" : " (past the bound)");
    if (!kept) break;
    held = r;
    held_rate = config.rate;
  }
  print_held("chat-bound", bound_ms, steps, "messages_per_s", held_rate, held, json,
             fmt::format("{:.0f} messages/s, {:.0f} deliveries/s", held_rate, held.rate()));
  return held_rate > 0 ? 0 : 1;
}

void add_chat(CLI::App& app, Run& run) {
  auto c = std::make_shared<FanoutConfig>();
  auto seconds = std::make_shared<double>(5);
  auto redis = std::make_shared<bool>(false);
  auto nats = std::make_shared<bool>(false);
  auto bound = std::make_shared<double>(0);
  auto* f = app.add_subcommand("chat", "fan-out: sockit chat v1, Redis pub/sub or NATS");
  f->add_option("--host", c->host)->capture_default_str();
  f->add_option("--port", c->ports, "default 8000; repeatable: clients spread round robin over the servers");
  f->add_option("--rooms", c->rooms, "rooms (channels, subjects); clients spread round robin")->check(CLI::Range(1, 100000))->capture_default_str();
  f->add_option("--subscribers", c->subscribers, "all rooms together")->check(CLI::Range(1, 100000))->capture_default_str();
  f->add_option("--publishers", c->publishers, "all rooms together")->check(CLI::Range(1, 1000))->capture_default_str();
  f->add_option("--rate", c->rate, "messages/s, all publishers; 0: each as soon as its last is acknowledged")->check(CLI::NonNegativeNumber)->capture_default_str();
  f->add_option("-s,--size", c->size, "message bytes")->check(CLI::Range(16, 65536))->capture_default_str();
  f->add_option("-d,--duration", *seconds, "seconds")->check(CLI::PositiveNumber)->capture_default_str();
  f->add_option("--pid", c->server_pids,
                "the server's process id: report its CPU time per delivery (repeatable: summed)");
  f->add_flag("--redis", *redis, "speak Redis pub/sub (against redis-server)");
  f->add_flag("--nats", *nats, "speak NATS SUB/PUB (against nats-server)")->excludes("--redis");
  f->add_option("--bound-ms", *bound,
                "ramp the rate (from --rate, 1.2× a step of -d seconds) and report the highest whose "
                "publish-to-delivery p99 stays within this many ms")
      ->check(CLI::PositiveNumber);
  f->callback([c, seconds, redis, nats, bound, &run] {
    c->duration = ms(*seconds);
    if (*redis) c->protocol = PubSub::redis;
    if (*nats) c->protocol = PubSub::nats;
    if (*bound > 0 && c->rate <= 0) throw CLI::ValidationError("--bound-ms", "needs a starting --rate above 0");
    run = [c, bound](bool json) {
      if (*bound > 0) return ramp_chat(*c, *bound, json);
      return print_latency("chat", run_fanout(*c), json);
    };
  });
}

void add_conns(CLI::App& app, Run& run) {
  auto c = std::make_shared<ConnsConfig>();
  auto* k = app.add_subcommand("conns", "idle connections and the server's memory for them");
  k->add_option("--host", c->host)->capture_default_str();
  k->add_option("--port", c->port)->capture_default_str();
  k->add_option("-c,--connections", c->connections)->check(CLI::Range(1, 1000000))->capture_default_str();
  k->add_option("--pid", c->server_pid, "the server's process id (for its RSS)")->required();
  k->add_flag("--redis", c->redis, "idle Redis clients (against redis-server)");
  k->callback([c, &run] { run = [c](bool json) { return print_conns(run_conns(*c), json); }; });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sockit-bench: load generator for sockit's benchmarks", "sockit-bench"};
  app.require_subcommand(1);
  bool json = false;
  app.add_flag("--json", json, "one JSON object per scenario");
  Run run;
  add_echo(app, run);
  add_chat(app, run);
  add_conns(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& err) {
    return app.exit(err) == 0 ? 0 : 2;
  }
  try {
    return run(json);
  } catch (const std::exception& ex) {
    fmt::print(stderr, "sockit-bench: {}\n", ex.what());
    return 1;
  }
}
