// How a subcommand plugs into `sockit`: each file adds its CLI11 subcommand and, when chosen,
// sets the action main() runs. Usage errors found after parsing throw usage_error (exit 2);
// any other exception is a runtime failure (exit 1).
#pragma once

#include <functional>
#include <stdexcept>

namespace CLI {
class App;
}

namespace sockit::app {

/// What main() runs after parsing: returns the exit code.
using Action = std::function<int()>;

/// Bad command-line input found after parsing (an address that does not parse...): exit 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void add_ip_command(CLI::App& root, Action& action);
void add_lookup_commands(CLI::App& root, Action& action);  // resolve, hostname, port
void add_ping_command(CLI::App& root, Action& action);
void add_echo_command(CLI::App& root, Action& action);
void add_talk_command(CLI::App& root, Action& action);
void add_shop_command(CLI::App& root, Action& action);
void add_chat_command(CLI::App& root, Action& action);
void add_nc_command(CLI::App& root, Action& action);
void add_http_command(CLI::App& root, Action& action);
void add_trace_command(CLI::App& root, Action& action);
void add_ss_command(CLI::App& root, Action& action);
void add_demo_command(CLI::App& root, Action& action);  // demo handshake

}  // namespace sockit::app
