// `sockit ip ADDR[/PREFIX|/MASK] [OTHER] [--json]`: the facts of an address and its network
// (ipcalc style), or, given OTHER, whether both hosts are on one network. Thin: parse the
// arguments, ask sockit::ip, print.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/core.h>
#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include "command.hpp"
#include "json_print.hpp"
#include "sockit/core/error.hpp"
#include "sockit/core/ip.hpp"

namespace sockit::app {
namespace {

struct IpOptions {
  std::string network;
  std::string other;
  bool json = false;
};

// Bad text is the user's mistake: exit 2 with the parser's message.
ip::Network parse_network(const std::string& text) {
  try {
    return ip::Network::parse(text);
  } catch (const parse_error& e) {
    throw usage_error(e.what());
  }
}

// --- JSON: one object, members in a fixed order ---

boost::json::value string_or_null(const std::optional<std::string>& text) {
  if (text) return boost::json::string(*text);
  return nullptr;
}

std::optional<ip::Address> mapped_v4(const ip::Network& net) {
  if (net.family() == ip::Family::v4) return std::nullopt;
  if (const auto v4 = net.address().v6().mapped_v4()) return ip::Address(*v4);
  return std::nullopt;
}

std::optional<std::string> text_of(const std::optional<ip::Address>& address) {
  if (address) return address->to_string();
  return std::nullopt;
}

std::optional<std::string> class_of(const ip::Network& net) {
  if (net.family() != ip::Family::v4) return std::nullopt;
  return std::string(1, ip::address_class(net.address().v4()));
}

boost::json::object facts_json(const ip::Network& net) {
  const auto kind = ip::classify(net.address());
  return {
      {"address", net.address().to_string()},
      {"family", ip::family_name(net.family())},
      {"prefix", net.prefix()},
      {"netmask", net.netmask().to_string()},
      {"wildcard", net.wildcard().to_string()},
      {"network", net.cidr()},
      {"broadcast", string_or_null(text_of(net.broadcast()))},
      {"host_min", net.first_host().to_string()},
      {"host_max", net.last_host().to_string()},
      {"hosts", ip::to_decimal(net.host_count())},  // a string: IPv6 counts pass 2^64
      {"class", string_or_null(class_of(net))},
      {"kind", kind.name},
      {"rfc", kind.rfc},
      {"range", string_or_null(kind.range.empty() ? std::nullopt : std::optional(kind.range))},
      {"ipv4_mapped", string_or_null(text_of(mapped_v4(net)))},
  };
}

boost::json::object comparison_json(const ip::Comparison& result) {
  return {
      {"same_network", result.same},
      {"reason", result.reason},
      {"first", facts_json(result.first)},
      {"second", facts_json(result.second)},
  };
}

// --- Text, aligned like ipcalc ---

void line(std::string_view label, std::string_view value) {
  fmt::print("{:<11}{}\n", fmt::format("{}:", label), value);
}

std::string broadcast_text(const ip::Network& net) {
  if (const auto broadcast = net.broadcast()) return broadcast->to_string();
  if (net.prefix() == 31) return "none (point-to-point /31, RFC 3021)";
  return "none (single host)";
}

void print_facts(const ip::Network& net) {
  const bool v4 = net.family() == ip::Family::v4;
  const auto kind = ip::classify(net.address());
  line("Address", net.address().to_string());
  line("Netmask", fmt::format("{} = {}", net.netmask().to_string(), net.prefix()));
  line("Wildcard", net.wildcard().to_string());
  line("Network", net.cidr());
  if (v4) line("Broadcast", broadcast_text(net));
  line("HostMin", net.first_host().to_string());
  line("HostMax", net.last_host().to_string());
  line("Hosts", ip::to_decimal(net.host_count()));
  if (!v4) line("Addresses", fmt::format("2^{}", 128 - net.prefix()));
  if (v4) line("Class", std::string(1, ip::address_class(net.address().v4())));
  if (const auto mapped = mapped_v4(net)) line("Mapped", mapped->to_string());
  line("Kind", fmt::format("{} ({})", kind.name, kind.rfc));
}

void print_comparison(const ip::Comparison& result) {
  line("First", fmt::format("{} in {}", result.first.to_string(), result.first.cidr()));
  line("Second", fmt::format("{} in {}", result.second.to_string(), result.second.cidr()));
  line("Result", result.reason);
}

int run_ip(const IpOptions& options) {
  const ip::Network first = parse_network(options.network);
  if (options.other.empty()) {
    if (options.json) {
      print_json(facts_json(first));
    } else {
      print_facts(first);
    }
    return 0;
  }
  const auto result = ip::same_network(first, parse_network(options.other));
  if (options.json) {
    print_json(comparison_json(result));
  } else {
    print_comparison(result);
  }
  return 0;
}

}  // namespace

void add_ip_command(CLI::App& root, Action& action) {
  auto options = std::make_shared<IpOptions>();
  CLI::App* ip = root.add_subcommand(
      "ip", "Address and network facts; with OTHER, whether both are on one network");
  ip->add_option("network", options->network, "an address, ADDR/PREFIX or ADDR/DOTTED.MASK")
      ->type_name("ADDR[/PREFIX|/MASK]")
      ->required();
  ip->add_option("other", options->other,
                 "a second host or network; without a prefix it takes the first's")
      ->type_name("ADDR[/PREFIX|/MASK]");
  ip->add_flag("--json", options->json, "print one JSON object");
  ip->footer(
      "Examples:\n"
      "  sockit ip 172.25.254.18/24\n"
      "  sockit ip 192.168.1.7/255.255.255.0\n"
      "  sockit ip 2001:db8::1/64\n"
      "  sockit ip 172.25.254.18/16 172.25.0.10");
  ip->callback([options, &action] { action = [options] { return run_ip(*options); }; });
}

}  // namespace sockit::app
