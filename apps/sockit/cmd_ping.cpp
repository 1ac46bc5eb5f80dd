// `sockit ping HOST`: ICMP echo with ping's per-reply lines and closing statistics.
#include <atomic>
#include <csignal>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "command.hpp"
#include "signals.hpp"
#include "sockit/core/error.hpp"
#include "sockit/socket/resolve.hpp"
#include "sockit/tools/ping.hpp"

namespace sockit::app {
namespace {

struct PingArgs {
  std::string host;
  int count = 4;
  double wait_s = 1.0;
  double interval_s = 1.0;
  std::size_t size = 56;
  bool v4 = false;
  bool v6 = false;
};

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

Address target_of(const PingArgs& args) {
  ResolveOptions options;
  options.family = args.v4 ? AF_INET : (args.v6 ? AF_INET6 : AF_UNSPEC);
  options.type = SOCK_DGRAM;  // any type with ports will do: only the address is used
  try {
    return resolve(args.host, 0, options).at(0).address;
  } catch (const parse_error& e) {
    throw usage_error(e.what());
  }
}

// Sleeps up to `d`, waking early on Ctrl-C.
void pause(std::chrono::milliseconds d, const std::atomic<bool>& interrupted) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!interrupted && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void print_reply(const PingReply& r) {
  const double ms = static_cast<double>(r.rtt.count()) / 1000.0;
  if (r.ttl >= 0) {
    fmt::print("{} bytes from {}: icmp_seq={} ttl={} time={:.3f} ms\n", r.bytes, r.from.host(),
               r.seq, r.ttl, ms);
  } else {
    fmt::print("{} bytes from {}: icmp_seq={} time={:.3f} ms\n", r.bytes, r.from.host(), r.seq, ms);
  }
  std::fflush(stdout);
}

int run_ping(const PingArgs& args) {
  const Address target = target_of(args);
  Pinger pinger(target, args.size);
  fmt::print("PING {} ({}): {} data bytes, {} socket\n", args.host, target.host(), args.size,
             pinger.method());
  const auto& interrupted = stop_flag_on_interrupt();
  std::vector<std::chrono::microseconds> rtts;
  int sent = 0;
  for (int seq = 1; !interrupted && (args.count == 0 || seq <= args.count); ++seq) {
    if (seq > 1) pause(to_ms(args.interval_s), interrupted);
    if (interrupted) break;
    ++sent;
    if (const auto reply = pinger.ping(static_cast<std::uint16_t>(seq), to_ms(args.wait_s))) {
      print_reply(*reply);
      rtts.push_back(reply->rtt);
    }
  }
  const PingStats s = ping_stats(sent, rtts);
  fmt::print("--- {} ping statistics ---\n", args.host);
  fmt::print("{} packets transmitted, {} received, {:.0f}% packet loss\n", s.sent, s.received,
             s.loss_percent);
  if (s.received > 0) {
    fmt::print("rtt min/avg/max/mdev = {:.3f}/{:.3f}/{:.3f}/{:.3f} ms\n", s.min_ms, s.avg_ms,
               s.max_ms, s.mdev_ms);
  }
  return s.received > 0 ? 0 : 1;
}

}  // namespace

void add_ping_command(CLI::App& root, Action& action) {
  auto* cmd = root.add_subcommand("ping", "Send ICMP echo requests to a host");
  auto args = std::make_shared<PingArgs>();
  cmd->add_option("HOST", args->host, "host name or address")->required();
  cmd->add_option("-c,--count", args->count, "stop after N replies' worth of requests (0: until Ctrl-C)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("-W,--wait", args->wait_s, "seconds to wait for each reply")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
  cmd->add_option("-i,--interval", args->interval_s, "seconds between requests")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  cmd->add_option("-s,--size", args->size, "payload bytes")
      ->check(CLI::Range(0, 65000))
      ->capture_default_str();
  auto* only4 = cmd->add_flag("-4", args->v4, "IPv4 only");
  cmd->add_flag("-6", args->v6, "IPv6 only")->excludes(only4);
  cmd->callback([args, &action] { action = [args] { return run_ping(*args); }; });
}

}  // namespace sockit::app
