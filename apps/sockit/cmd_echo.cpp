// `sockit echo serve` and `sockit echo send`: the tutorials' echo server and client.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "command.hpp"
#include "options.hpp"
#include "signals.hpp"
#include "sockit/core/error.hpp"
#include "sockit/echo/echo.hpp"
#include "sockit/server/send_path.hpp"
#include "sockit/socket/factories.hpp"
#include "sockit/socket/socket_file.hpp"

namespace sockit::app {
namespace {

struct EchoServeArgs {
  std::string address = ":9999";
  std::string unix_path;
  bool udp = false;
  std::string model = "threading";
  std::string reply;
  bool has_reply = false;
  server::SendPath send_path = server::SendPath::automatic;
  ServerLimitArgs limits;
};

int run_echo_serve(const EchoServeArgs& args) {
  const Endpoint endpoint =
      args.unix_path.empty() ? parse_endpoint(args.address, 9999) : parse_endpoint("unix:" + args.unix_path);
  server::ServerConfig config = args.limits.config(args.model);
  echo::EchoOptions options;
  if (args.has_reply) options.reply = args.reply;
  options.limits = args.limits.message_limits();
  server::use_send_path(args.send_path);
  echo::EchoServer server(endpoint, args.udp, config, options);
  serve_until_signal(server, [&] {
    fmt::print("sockit echo: listening on {} ({}, {})\n", server.local_address().to_string(),
               args.udp ? "datagram" : "stream", args.model);
    std::fflush(stdout);
  });
  return 0;
}

struct SendArgs {
  std::string address;
  std::vector<std::string> texts;
  bool udp = false;
  double timeout_s = 5.0;
};

Socket open_client(const SendArgs& args, const Endpoint& endpoint) {
  ConnectOptions options;
  options.type = args.udp ? SOCK_DGRAM : SOCK_STREAM;
  options.timeout = seconds_to_ms(args.timeout_s);
  if (endpoint.is_unix() && args.udp) {
    // A Unix datagram reply needs a named sender: take an abstract name of our own.
    options.source = Address::unix_abstract(fmt::format("sockit-echo-send-{}", ::getpid()));
  }
  return create_connection(endpoint, options);
}

int run_echo_send(const SendArgs& args) {
  const Endpoint endpoint = parse_endpoint(args.address, 9999);
  Socket s = open_client(args, endpoint);
  auto in = s.makefile();
  for (const auto& text : args.texts) {
    if (args.udp) {
      s.send(text);
      fmt::print("{}\n", s.recv(65536));
      continue;
    }
    s.sendall(text + "\n");
    std::string answer = in.readline();
    if (answer.empty()) throw std::runtime_error("the server closed the connection");
    if (answer.back() == '\n') answer.pop_back();
    fmt::print("{}\n", answer);
  }
  return 0;
}

void add_echo_serve(CLI::App& echo, Action& action) {
  auto* cmd = echo.add_subcommand("serve", "Run an echo server (default :9999)");
  auto args = std::make_shared<EchoServeArgs>();
  cmd->add_option("ADDR", args->address, "where to listen: host:port, :port, [::1]:port")
      ->capture_default_str();
  cmd->add_option("--unix", args->unix_path, "listen on a Unix socket at PATH instead");
  cmd->add_flag("--udp", args->udp, "datagrams (UDP, or Unix datagrams with --unix)");
  add_model_option(*cmd, args->model);
  add_io_uring_option(*cmd, args->send_path);
  cmd->add_option("--reply", args->reply,
                  "answer each message with TEXT instead of echoing it (e.g. 服务器已经收到你的信息)");
  args->limits.add_to(*cmd);
  cmd->callback([args, cmd, &action] {
    args->has_reply = cmd->count("--reply") > 0;
    action = [args] { return run_echo_serve(*args); };
  });
}

void add_echo_send(CLI::App& echo, Action& action) {
  auto* cmd = echo.add_subcommand("send", "Send each TEXT to an echo server and print each answer");
  auto args = std::make_shared<SendArgs>();
  cmd->add_option("ADDR", args->address, "server address: host:port or unix:/path")->required();
  cmd->add_option("TEXT", args->texts, "messages to send, one answer each")->required();
  cmd->add_flag("--udp", args->udp, "send datagrams");
  cmd->add_option("--timeout", args->timeout_s, "seconds to wait for each answer")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->callback([args, &action] { action = [args] { return run_echo_send(*args); }; });
}

}  // namespace

void add_echo_command(CLI::App& root, Action& action) {
  auto* echo = root.add_subcommand("echo", "Echo server and client");
  echo->require_subcommand(1);
  add_echo_serve(*echo, action);
  add_echo_send(*echo, action);
}

}  // namespace sockit::app
