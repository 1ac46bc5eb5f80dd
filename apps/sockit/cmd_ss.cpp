// `sockit ss`: the machine's TCP sockets and their states, and with --watch how they change
// (a connection appearing, ESTABLISHED becoming TIME_WAIT, TIME_WAIT expiring).
#include <sys/socket.h>

#include <map>
#include <thread>

#include <fmt/core.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "command.hpp"
#include "json_print.hpp"
#include "signals.hpp"
#include "sockit/tools/sockets.hpp"
#include "sockit/tools/trace_text.hpp"

namespace sockit::app {
namespace {

struct SsOptions {
  bool listening = false;
  std::string state;
  std::optional<std::uint16_t> port;
  bool json = false;
  bool watch = false;
  double interval_s = 0.1;
};

// "127.0.0.1:8000"; a peer that is not set (a listener's) is "*".
std::string endpoint_text(const IpPort& e) {
  if (e.port != 0) return e.to_string();
  return (e.family == AF_INET6 ? "[" + e.to_string() + "]" : e.to_string()) + ":*";
}

std::vector<TcpSocketInfo> selected(const SsOptions& o, std::optional<TcpState> state) {
  auto all = tcp_sockets();
  std::erase_if(all, [&](const TcpSocketInfo& s) {
    if (o.listening && s.state != TcpState::listen) return true;
    if (state && s.state != *state) return true;
    return o.port && s.local.port != *o.port && s.remote.port != *o.port;
  });
  find_owners(all);
  return all;
}

boost::json::object socket_json(const TcpSocketInfo& s) {
  return {{"state", state_name(s.state)},
          {"local", endpoint_text(s.local)},
          {"peer", endpoint_text(s.remote)},
          {"recv_q", s.recv_q},
          {"send_q", s.send_q},
          {"timer_ms", s.timer.count()},
          {"uid", s.uid},
          {"process", s.process}};
}

void print_table(const std::vector<TcpSocketInfo>& sockets) {
  fmt::print("{:<12} {:>6} {:>6}  {:<24} {:<24} {:>6}  {}\n", "State", "Recv-Q", "Send-Q", "Local",
             "Peer", "Timer", "Process");
  for (const auto& s : sockets) {
    const auto timer = s.timer.count() > 0
                           ? fmt::format("{:.0f}s", static_cast<double>(s.timer.count()) / 1000.0)
                           : "";
    fmt::print("{:<12} {:>6} {:>6}  {:<24} {:<24} {:>6}  {}\n", state_name(s.state), s.recv_q,
               s.send_q, endpoint_text(s.local), endpoint_text(s.remote), timer, s.process);
  }
}

using Key = std::pair<IpPort, IpPort>;

void print_change(const SsOptions& o, const Key& key, TcpState before, TcpState after,
                  const std::string& process) {
  const auto now = std::chrono::system_clock::now();
  if (o.json) {
    return print_json(
        boost::json::object{{"time", clock_micros(now)},
                            {"local", endpoint_text(key.first)},
                            {"peer", endpoint_text(key.second)},
                            {"from", before == TcpState::unknown ? "" : state_name(before)},
                            {"to", after == TcpState::unknown ? "" : state_name(after)},
                            {"process", process}});
  }
  const auto change = before == TcpState::unknown ? fmt::format("+ {}", state_name(after))
                      : after == TcpState::unknown
                          ? fmt::format("- {} gone", state_name(before))
                          : fmt::format("{} -> {}", state_name(before), state_name(after));
  fmt::print("{} {} -> {}  {}{}\n", clock_micros(now), endpoint_text(key.first),
             endpoint_text(key.second), change, process.empty() ? "" : "  " + process);
  std::fflush(stdout);
}

int watch(const SsOptions& o, std::optional<TcpState> state) {
  const auto& interrupted = stop_flag_on_interrupt();
  std::map<Key, TcpState> known;
  bool first = true;
  while (!interrupted) {
    std::map<Key, TcpState> now;
    for (const auto& s : selected(o, state)) {
      const Key key{s.local, s.remote};
      now[key] = s.state;
      const auto was = known.find(key);
      const auto before = was == known.end() ? TcpState::unknown : was->second;
      if (before != s.state) print_change(o, key, before, s.state, s.process);
    }
    for (const auto& [key, before] : known) {
      if (!now.contains(key)) print_change(o, key, before, TcpState::unknown, "");
    }
    if (first && !o.json) fmt::print(stderr, "sockit ss: watching; Ctrl-C stops\n");
    first = false;
    known = std::move(now);
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long>(o.interval_s * 1000)));
  }
  return 0;
}

int run_ss(const SsOptions& o) {
  std::optional<TcpState> state;
  if (!o.state.empty() && !(state = parse_state(o.state))) {
    throw usage_error(
        fmt::format("no TCP state named '{}' (LISTEN, ESTABLISHED, TIME_WAIT...)", o.state));
  }
  if (o.watch) return watch(o, state);
  const auto sockets = selected(o, state);
  if (!o.json) {
    print_table(sockets);
    return 0;
  }
  for (const auto& s : sockets) print_json(socket_json(s));
  return 0;
}

}  // namespace

void add_ss_command(CLI::App& root, Action& action) {
  auto o = std::make_shared<SsOptions>();
  CLI::App* ss =
      root.add_subcommand("ss", "TCP sockets and their states (LISTEN, ESTABLISHED, TIME_WAIT...)");
  ss->add_flag("-l,--listening", o->listening, "only listening sockets");
  ss->add_option("--state", o->state, "only sockets in this state (e.g. TIME_WAIT)");
  ss->add_option("--port,-p", o->port, "only sockets with this local or peer port");
  ss->add_flag("--json", o->json, "one JSON object a socket (or, with --watch, a change)");
  ss->add_flag("--watch,-w", o->watch, "print changes as they happen until Ctrl-C");
  ss->add_option("--interval", o->interval_s, "seconds between looks with --watch")
      ->check(CLI::Range(0.01, 60.0))
      ->capture_default_str();
  ss->footer(
      "Process names of other users' sockets need root. --watch looks every --interval: a state\n"
      "that lasts less (FIN_WAIT_2 on loopback) may not show; `sockit trace` sees every segment.\n"
      "Examples:\n"
      "  sockit ss -l\n"
      "  sockit ss --port 8000 --watch          # connect, quit, and see TIME_WAIT come and go");
  ss->callback([o, &action] { action = [o] { return run_ss(*o); }; });
}

}  // namespace sockit::app
