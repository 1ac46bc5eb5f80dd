// `sockit trace`: live TCP segments with the handshake/teardown step and both endpoints'
// states; UDP and ICMP as plain lines. libpcap captures and compiles the filter.
#include <cstdio>
#include <stdexcept>

#include <fmt/core.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "command.hpp"
#include "json_print.hpp"
#include "signals.hpp"
#include "sockit/nc/hex.hpp"
#include "sockit/tools/capture.hpp"
#include "sockit/tools/trace_text.hpp"

namespace sockit::app {
namespace {

struct TraceOptions {
  std::optional<std::uint16_t> port;
  std::string host;
  std::string interface = "any";
  long count = 0;
  std::string filter;
  bool json = false;
  bool hex = false;
  std::string lang = "en";
};

// tcpdump's expression for what the options ask: "port 8000 and host ::1 and (EXPR)".
std::string filter_of(const TraceOptions& o) {
  std::vector<std::string> parts;
  if (o.port) parts.push_back(fmt::format("port {}", *o.port));
  if (!o.host.empty()) parts.push_back("host " + o.host);
  if (!o.filter.empty()) parts.push_back(parts.empty() ? o.filter : "(" + o.filter + ")");
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : " and ") + part;
  return out;
}

boost::json::object packet_json(const Packet& p, bool hex) {
  static constexpr const char* kinds[] = {"tcp", "udp", "icmp", "icmp6"};
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(p.time.time_since_epoch()).count();
  boost::json::object o{{"time", clock_micros(p.time)},
                        {"ts", static_cast<double>(micros) / 1e6},
                        {"proto", kinds[static_cast<int>(p.kind)]},
                        {"src", p.src.to_string()},
                        {"dst", p.dst.to_string()},
                        {"len", p.length}};
  if (hex) o["payload_hex"] = nc::hex_dump(p.payload, ' ', 0);
  return o;
}

void add_tcp_fields(boost::json::object& o, const Packet& p, const TcpEvent& e, Lang lang) {
  boost::json::array flags;
  for (const auto name : tcp_flag_list(p.flags)) flags.emplace_back(name);
  o["flags"] = std::move(flags);
  o["seq"] = e.rel_seq;
  o["ack"] = e.rel_ack;
  o["win"] = p.window;
  o["step"] =
      e.step == TcpStep::none ? boost::json::value(nullptr) : boost::json::value(step_key(e.step));
  o["text"] = step_text(e.step, e.from_client, lang);
  o["retransmission"] = e.retransmission;
  o["from"] = e.from_client ? "client" : "server";
  o["src_state"] = state_name(e.src_state);
  o["dst_state"] = state_name(e.dst_state);
  o["client_state"] = state_name(e.from_client ? e.src_state : e.dst_state);
  o["server_state"] = state_name(e.from_client ? e.dst_state : e.src_state);
}

void print_packet(const Packet& p, TcpTracker& tracker, const TraceOptions& o, Lang lang) {
  std::optional<TcpEvent> event;
  if (p.kind == Packet::Kind::tcp) event = tracker.on_segment(p);
  if (o.json) {
    auto object = packet_json(p, o.hex);
    if (event) add_tcp_fields(object, p, *event, lang);
    print_json(object);
  } else {
    fmt::print("{}\n", event ? segment_line(p, *event, lang) : datagram_line(p));
    if (event) {
      if (const auto states = states_text(*event, lang); !states.empty())
        fmt::print("    {}\n", states);
    }
    if (o.hex && !p.payload.empty()) fmt::print("{}", nc::hex_dump(p.payload, ' ', 0));
  }
  std::fflush(stdout);  // a packet is out before the next one is waited for
}

void print_summary(std::size_t packets, const TcpTotals& t, unsigned dropped, Lang lang,
                   bool to_stderr) {
  const auto text = lang == Lang::zh
                        ? fmt::format(
                              "共 {} 个包；TCP：{} 个连接，{} 次三次握手，{} 次四次挥手完成，{} "
                              "次重置，{} 次拒绝，{} 次重传；内核丢弃 {} 个",
                              packets, t.connections, t.handshakes, t.closes, t.resets, t.refused,
                              t.retransmissions, dropped)
                        : fmt::format(
                              "{} packets; TCP: {} connections, {} handshakes, {} teardowns "
                              "completed, {} resets, "
                              "{} refused, {} retransmissions; {} dropped by the kernel",
                              packets, t.connections, t.handshakes, t.closes, t.resets, t.refused,
                              t.retransmissions, dropped);
  fmt::print(to_stderr ? stderr : stdout, "{}\n", text);
}

int run_trace(const TraceOptions& o) {
  const auto lang = parse_lang(o.lang);
  if (!lang) throw usage_error("--lang takes en or zh");
  const auto filter = filter_of(o);
  Capture capture({o.interface, filter, 65535});
  const auto& interrupted = stop_flag_on_interrupt();
  // A line at a time into a pipe or file too (tcpdump -l), not a block of 4 KiB at a time:
  // `sockit trace --json | jq` shows each packet as it is seen.
  if (std::setvbuf(stdout, nullptr, _IOLBF, 0) != 0) throw std::runtime_error("setvbuf(stdout)");
  fmt::print(stderr, "sockit trace: capturing on {}{}; Ctrl-C stops\n", o.interface,
             filter.empty() ? "" : " (" + filter + ")");
  std::fflush(stderr);
  TcpTracker tracker;
  std::size_t packets = 0;
  while (!interrupted && (o.count == 0 || packets < static_cast<std::size_t>(o.count))) {
    const auto packet = capture.next(std::chrono::milliseconds(250));
    if (!packet) continue;
    ++packets;
    print_packet(*packet, tracker, o, *lang);
  }
  print_summary(packets, tracker.totals(), capture.dropped(), *lang, o.json);
  return 0;
}

}  // namespace

void add_trace_command(CLI::App& root, Action& action) {
  auto o = std::make_shared<TraceOptions>();
  CLI::App* trace = root.add_subcommand(
      "trace",
      "Watch TCP at work: each segment with its handshake/teardown step and both ends' states");
  trace->add_option("--port,-p", o->port, "only packets to or from this port");
  trace->add_option("--host", o->host, "only packets to or from this address");
  trace
      ->add_option("-i,--interface", o->interface,
                   "interface to capture on ('any' is all, 'lo' loopback)")
      ->capture_default_str();
  trace->add_option("-c,--count", o->count, "stop after N packets (0: until Ctrl-C)")
      ->check(CLI::NonNegativeNumber);
  trace->add_option("--filter", o->filter,
                    "a tcpdump filter expression, e.g. 'tcp[tcpflags] & tcp-syn != 0'");
  trace->add_flag("--json", o->json, "one JSON object a packet (the summary goes to stderr)");
  trace->add_flag("-x,--hex", o->hex, "show each payload as hex and text");
  trace->add_option("--lang", o->lang, "words for steps and states: en or zh")
      ->capture_default_str();
  trace->footer(
      "Needs CAP_NET_RAW and CAP_NET_ADMIN (root).\n"
      "Examples:\n"
      "  sockit trace --port 8000              # while using the chat room\n"
      "  sockit trace -i lo --port 9 -c 3      # a connection to a closed port: SYN, RST\n"
      "  sockit trace --port 8000 --lang zh --json");
  trace->callback([o, &action] { action = [o] { return run_trace(*o); }; });
}

}  // namespace sockit::app
