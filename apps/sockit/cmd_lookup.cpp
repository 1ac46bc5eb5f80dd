// `sockit resolve`, `sockit hostname`, `sockit port`: the seeds' gethostbyname, gethostname and
// /etc/services look-ups.
#include <string>

#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <fmt/core.h>

#include "command.hpp"
#include "json_print.hpp"
#include "sockit/core/error.hpp"
#include "sockit/socket/endpoint.hpp"
#include "sockit/socket/resolve.hpp"

namespace sockit::app {
namespace {

const char* family_name(int family) { return family == AF_INET6 ? "ipv6" : "ipv4"; }

std::vector<Address> addresses_of(const std::string& name, int family) {
  ResolveOptions options;
  options.family = family;
  options.type = SOCK_STREAM;
  std::vector<Address> out;
  try {
    for (const auto& r : resolve(name, 0, options)) out.push_back(r.address);
  } catch (const parse_error& e) {
    throw usage_error(e.what());
  }
  return out;
}

int run_resolve(const std::string& name, int family, bool json) {
  if (Address::is_literal(name)) {
    const auto host = reverse_lookup(Address::inet(name, 0));
    if (json) {
      print_json(boost::json::object{{"address", name}, {"name", host}});
    } else {
      fmt::print("{}\n", host);
    }
    return 0;
  }
  const auto addresses = addresses_of(name, family);
  if (json) {
    boost::json::array list;
    for (const auto& a : addresses) {
      list.push_back(boost::json::object{{"family", family_name(a.family())}, {"address", a.host()}});
    }
    print_json(boost::json::object{{"name", name}, {"addresses", std::move(list)}});
    return 0;
  }
  for (const auto& a : addresses) fmt::print("{}\n", a.host());
  return 0;
}

std::uint16_t port_number(const std::string& text) {
  try {
    return parse_port(text);
  } catch (const parse_error& e) {
    throw usage_error(e.what());
  }
}

int run_port(const std::string& query, bool udp, bool json) {
  const std::string proto = udp ? "udp" : "tcp";
  const bool numeric = !query.empty() && query.find_first_not_of("0123456789") == std::string::npos;
  const auto service =
      numeric ? service_by_port(port_number(query), proto) : service_by_name(query, proto);
  if (!service) {
    throw std::runtime_error(fmt::format("no {} service '{}' in /etc/services", proto, query));
  }
  if (json) {
    boost::json::array aliases;
    for (const auto& a : service->aliases) aliases.push_back(boost::json::string(a));
    print_json(boost::json::object{{"name", service->name},
                                   {"port", service->port},
                                   {"protocol", service->protocol},
                                   {"aliases", std::move(aliases)}});
    return 0;
  }
  std::string aliases;
  for (const auto& a : service->aliases) aliases += " " + a;
  fmt::print("{} {}/{}{}\n", service->name, service->port, service->protocol,
             aliases.empty() ? "" : " (aliases:" + aliases + ")");
  return 0;
}

struct ResolveArgs {
  std::string name;
  bool v4 = false;
  bool v6 = false;
  bool json = false;
};

void add_resolve(CLI::App& root, Action& action) {
  auto* cmd = root.add_subcommand(
      "resolve", "Look up the addresses of a host name (or the name of an address)");
  auto args = std::make_shared<ResolveArgs>();
  cmd->add_option("NAME", args->name, "host name, or an IP address for a reverse look-up")
      ->required();
  auto* only4 = cmd->add_flag("-4", args->v4, "IPv4 addresses only");
  cmd->add_flag("-6", args->v6, "IPv6 addresses only")->excludes(only4);
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->callback([args, &action] {
    const int family = args->v4 ? AF_INET : (args->v6 ? AF_INET6 : AF_UNSPEC);
    action = [args, family] { return run_resolve(args->name, family, args->json); };
  });
}

void add_hostname(CLI::App& root, Action& action) {
  auto* cmd = root.add_subcommand("hostname", "Print this machine's host name");
  cmd->callback([&action] {
    action = [] {
      fmt::print("{}\n", gethostname());
      return 0;
    };
  });
}

struct PortArgs {
  std::string query;
  bool udp = false;
  bool json = false;
};

void add_port(CLI::App& root, Action& action) {
  auto* cmd = root.add_subcommand("port", "Look up a service by name or port in /etc/services");
  auto args = std::make_shared<PortArgs>();
  cmd->add_option("NAME|NUMBER", args->query, "service name (http) or port number (80)")
      ->required();
  cmd->add_flag("--udp", args->udp, "look up the UDP service instead of TCP");
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->callback([args, &action] {
    action = [args] { return run_port(args->query, args->udp, args->json); };
  });
}

}  // namespace

void add_lookup_commands(CLI::App& root, Action& action) {
  add_resolve(root, action);
  add_hostname(root, action);
  add_port(root, action);
}

}  // namespace sockit::app
