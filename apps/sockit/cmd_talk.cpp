// `sockit talk listen` and `sockit talk connect`: one-to-one full-duplex chat.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "command.hpp"
#include "options.hpp"
#include "sockit/talk/talk.hpp"

namespace sockit::app {
namespace {

struct TalkArgs {
  std::string address;
  bool udp = false;
};

void notify(const std::string& event) {
  fmt::print(stderr, "sockit talk: {}\n", event);
  std::fflush(stderr);
}

int finish(talk::End end) {
  notify(std::string(talk::describe(end)));
  return 0;
}

void add_talk_listen(CLI::App& talk_cmd, Action& action) {
  auto* cmd = talk_cmd.add_subcommand("listen", "Wait for one peer (default :9998) and talk");
  auto args = std::make_shared<TalkArgs>();
  args->address = ":9998";
  cmd->add_option("ADDR", args->address, "where to listen")->capture_default_str();
  cmd->add_flag("--udp", args->udp, "talk over UDP (the first sender becomes the peer)");
  cmd->callback([args, &action] {
    action = [args] {
      const Endpoint endpoint = parse_endpoint(args->address, 9998);
      return finish(talk::listen(endpoint, args->udp, STDIN_FILENO, stdout, {}, notify));
    };
  });
}

void add_talk_connect(CLI::App& talk_cmd, Action& action) {
  auto* cmd = talk_cmd.add_subcommand("connect", "Connect to a listening peer and talk");
  auto args = std::make_shared<TalkArgs>();
  cmd->add_option("ADDR", args->address, "the peer: host:port (port defaults to 9998)")
      ->required();
  cmd->add_flag("--udp", args->udp, "talk over UDP");
  cmd->callback([args, &action] {
    action = [args] {
      const Endpoint endpoint = parse_endpoint(args->address, 9998);
      return finish(talk::connect(endpoint, args->udp, STDIN_FILENO, stdout, {}, notify));
    };
  });
}

}  // namespace

void add_talk_command(CLI::App& root, Action& action) {
  auto* talk_cmd = root.add_subcommand("talk", "One-to-one chat; a line `quit` ends both sides");
  talk_cmd->require_subcommand(1);
  add_talk_listen(*talk_cmd, action);
  add_talk_connect(*talk_cmd, action);
}

}  // namespace sockit::app
