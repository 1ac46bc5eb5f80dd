// `sockit demo handshake`: the life of one TCP connection on loopback, traced and told.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "command.hpp"
#include "sockit/tools/handshake_demo.hpp"

namespace sockit::app {
namespace {

struct DemoOptions {
  std::string close_first = "client";
  bool reuseaddr = false;
  std::string lang = "en";
};

int run_demo(const DemoOptions& o) {
  HandshakeDemoOptions options;
  const auto lang = parse_lang(o.lang);
  if (!lang) throw usage_error("--lang takes en or zh");
  options.lang = *lang;
  options.server_closes_first = o.close_first == "server";
  options.reuseaddr_at_once = o.reuseaddr;
  run_handshake_demo(options, [](const std::string& line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
  });
  return 0;
}

}  // namespace

void add_demo_command(CLI::App& root, Action& action) {
  auto o = std::make_shared<DemoOptions>();
  CLI::App* demo = root.add_subcommand("demo", "Demonstrations of TCP at work");
  demo->require_subcommand(1);
  CLI::App* handshake = demo->add_subcommand(
      "handshake",
      "A connection's whole life on loopback: handshake, data, teardown, TIME_WAIT, SO_REUSEADDR");
  handshake
      ->add_option("--close-first", o->close_first, "which side closes first and ends in TIME_WAIT")
      ->check(CLI::IsMember({"client", "server"}))
      ->capture_default_str();
  handshake->add_flag("--reuseaddr", o->reuseaddr,
                      "restart the server with SO_REUSEADDR at once (skip the attempt without it)");
  handshake->add_option("--lang", o->lang, "en or zh")
      ->check(CLI::IsMember({"en", "zh"}))
      ->capture_default_str();
  handshake->footer(
      "Needs CAP_NET_RAW and CAP_NET_ADMIN (root) to capture on lo.\n"
      "Examples:\n"
      "  sockit demo handshake\n"
      "  sockit demo handshake --close-first server --lang zh");
  handshake->callback([o, &action] { action = [o] { return run_demo(*o); }; });
}

}  // namespace sockit::app
