// sockit: one command, many socket tools. Exit codes: 0 success, 1 runtime failure, 2 usage.
#include <csignal>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "command.hpp"
#include "sockit/core/log.hpp"
#include "sockit/core/version.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"sockit: sockets, servers and network tools", "sockit"};
  app.set_version_flag("--version", std::string{sockit::version()});
  app.require_subcommand(1);
  app.fallthrough();  // --log-level may follow the subcommand too
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "server log detail: trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();

  sockit::app::Action action;
  sockit::app::add_ip_command(app, action);
  sockit::app::add_lookup_commands(app, action);
  sockit::app::add_ping_command(app, action);
  sockit::app::add_echo_command(app, action);
  sockit::app::add_talk_command(app, action);
  sockit::app::add_shop_command(app, action);
  sockit::app::add_chat_command(app, action);
  sockit::app::add_nc_command(app, action);
  sockit::app::add_http_command(app, action);
  sockit::app::add_trace_command(app, action);
  sockit::app::add_ss_command(app, action);
  sockit::app::add_demo_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    fmt::print(stderr, "sockit: {} (see --help)\n", e.what());
    return 2;
  } catch (const sockit::app::usage_error& e) {  // thrown by a subcommand's parse callback
    fmt::print(stderr, "sockit: {}\n", e.what());
    return 2;
  }
  try {
    sockit::init_logging(log_level);
    return action ? action() : 0;
  } catch (const sockit::app::usage_error& e) {
    fmt::print(stderr, "sockit: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "sockit: {}\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed peer is an EPIPE error, never a dead process
  return run(argc, argv);
}
