// `sockit chat serve` and `sockit chat connect`: the chat room and its terminal client.
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "command.hpp"
#include "options.hpp"
#include "signals.hpp"
#include "sockit/chat/store/accounts.hpp"
#include "sockit/chat/client/terminal.hpp"
#include "sockit/chat/server.hpp"

namespace sockit::app {
namespace {

struct ChatServeArgs {
  std::string tcp = ":8000";
  std::string http = ":8080";
  std::vector<std::string> allow_origins;
  double ws_idle_s = 60;
  std::string data = "./sockit-data";
  bool data_given = false;  // --data on the command line (its default is not used with --cluster)
  std::size_t threads = 0;
  server::SendPath send_path = server::SendPath::automatic;
  double login_timeout_s = 10;
  double grace_s = 2;
  double soft_queue_s = 10;
  long send_id_age_s = 600;
  chat::ChatLimits limits;
  chat::ClusterOptions cluster;
  long node_ttl_s = 10;
  chat::TlsOptions tls;
  std::string metrics_token;
  std::string metrics;
  std::string auth = "open";
  bool no_guests = false;
  long token_ttl_s = 86400;
};

int run_chat_serve(ChatServeArgs args) {
  const Endpoint tcp = parse_endpoint(args.tcp, 8000);
  chat::ChatOptions options;
  options.limits = args.limits;
  options.limits.login_timeout = seconds_to_ms(args.login_timeout_s);
  options.limits.grace = seconds_to_ms(args.grace_s);
  options.limits.soft_queue_time = seconds_to_ms(args.soft_queue_s);
  options.limits.send_id_age = std::chrono::seconds(args.send_id_age_s);
  if (args.data != "none" && (args.cluster.redis.empty() || args.data_given)) {
    options.data_dir = args.data;  // with --cluster, refused by the server with the reason
  }
  options.cluster = args.cluster;
  if (!args.tls.cert.empty()) options.tls = args.tls;
  options.metrics_token = args.metrics_token;
  options.auth.accounts = args.auth == "accounts";
  options.auth.no_guests = args.no_guests;
  options.auth.token_ttl = std::chrono::seconds(args.token_ttl_s);
  if (!args.metrics.empty()) options.metrics = parse_endpoint(args.metrics, 9100);
  options.cluster.node_ttl = std::chrono::seconds(args.node_ttl_s);
  options.threads = args.threads;
  options.send_path = args.send_path;
  if (args.http != "none") options.http = parse_endpoint(args.http, 8080);
  options.allow_origins = args.allow_origins;
  options.ws_idle = std::chrono::seconds(static_cast<long>(args.ws_idle_s));
  chat::ChatServer server(tcp, options);
  const bool tls = options.tls.has_value();
  const auto announce = [&] {
    const auto history = !options.cluster.redis.empty()
                             ? "redis (node " + (options.cluster.node_id.empty() ? std::string("random") : options.cluster.node_id) + ")"
                         : options.data_dir ? (*options.data_dir / "chat.db").string()
                                            : std::string("none");
    fmt::print("sockit chat: listening on {} ({}; history: {})\n", server.tcp_address().to_string(),
               options.tls ? "tls" : "tcp", history);
    if (const auto web = server.web_address()) {
      fmt::print("sockit chat: web page on {}://{}/ (WebSocket /ws, /healthz, /metrics)\n",
                 options.tls ? "https" : "http", web->to_string());
    }
    if (const auto metrics = server.metrics_address()) {
      fmt::print("sockit chat: metrics on http://{}/metrics\n", metrics->to_string());
    }
    std::fflush(stdout);
  };
  serve_until_signal(server, announce,
                     reload_certificate_on_hangup(tls, [&server] { return server.reload_certificate(); }));
  return 0;
}

void add_chat_serve(CLI::App& chat_cmd, Action& action) {
  auto* cmd = chat_cmd.add_subcommand("serve", "Run the chat room (TCP :8000, web :8080)");
  auto args = std::make_shared<ChatServeArgs>();
  auto& l = args->limits;
  cmd->add_option("--tcp", args->tcp, "TCP address for protocol v1")->capture_default_str();
  cmd->add_option("--http", args->http, "web address: chat page, WebSocket /ws, /metrics; none: off")
      ->capture_default_str();
  cmd->add_option("--allow-origin", args->allow_origins,
                  "a web origin allowed on /ws, e.g. http://example.com:8080, or * (repeatable;"
                  " pages from this server are always allowed)");
  cmd->add_option("--ws-idle", args->ws_idle_s, "seconds a silent WebSocket lives (pinged halfway)")
      ->check(CLI::Range(2.0, 86400.0))
      ->capture_default_str();
  auto* data = cmd->add_option("--data", args->data,
                               "directory for chat.db (history); none: keep nothing (with "
                               "--cluster: none or left out)")
                   ->capture_default_str();
  cmd->add_option("--cluster", args->cluster.redis,
                  "redis://HOST[:PORT][/DB]: run as a node of a cluster on Redis, history there"
                  " (repeatable: rooms are spread over the instances)");
  add_tls_options(*cmd, args->tls.cert, args->tls.key, args->tls.profile,
                  "PEM certificate chain: both ports speak TLS (protocol v1 over TLS, HTTPS and "
                  "wss://); SIGHUP loads it again");
  auto* auth = cmd->add_option("--auth", args->auth,
                               "open: any free nickname; accounts: registered nicknames need their "
                               "password (sockit chat user add)")
                   ->check(CLI::IsMember({"open", "accounts"}))
                   ->capture_default_str();
  cmd->add_flag("--no-guests", args->no_guests, "with --auth accounts: only registered users log in")
      ->needs(auth);
  cmd->add_option("--token-ttl", args->token_ttl_s, "seconds a resume token (given at login) lives")
      ->check(CLI::Range(60L, 365L * 86400))
      ->capture_default_str();
  cmd->add_option("--metrics-token", args->metrics_token,
                  "/metrics answers only \"Authorization: Bearer TOKEN\" (or set SOCKIT_METRICS_TOKEN)")
      ->envname("SOCKIT_METRICS_TOKEN");
  cmd->add_option("--metrics", args->metrics, "serve /metrics (and /healthz) on this address, not the web port");
  cmd->add_option("--node-id", args->cluster.node_id, "this node's name in the cluster (default: random)");
  cmd->add_option("--node-ttl", args->node_ttl_s,
                  "seconds after which a silent node's users are removed from the cluster")
      ->check(CLI::Range(2L, 3600L))
      ->capture_default_str();
  cmd->add_option("--history-max", args->cluster.history_max,
                  "messages kept per room in a cluster (Redis streams, trimmed approximately)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000000}))
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "event-loop threads (0: one per core)")
      ->capture_default_str();
  add_io_uring_option(*cmd, args->send_path);
  cmd->add_option("--max-clients", l.max_clients, "connections at once")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
      ->capture_default_str();
  cmd->add_option("--max-frame-bytes", l.max_frame_bytes, "largest JSON object accepted")
      ->check(CLI::Range(std::size_t{64}, std::size_t{16} << 20))
      ->capture_default_str();
  cmd->add_option("--max-message-bytes", l.max_message_bytes, "longest message text")
      ->check(CLI::Range(std::size_t{1}, std::size_t{16} << 20))
      ->capture_default_str();
  cmd->add_option("--rate", l.rate, "requests per second per client")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--burst", l.burst, "requests a client may send at once")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--login-timeout", args->login_timeout_s, "seconds to log in")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-queue-bytes", l.max_queue_bytes,
                  "a reader's unsent bytes past which it is cut (slow_consumer)")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--soft-queue-bytes", l.soft_queue_bytes,
                  "a reader above this for --soft-queue-seconds is cut")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--soft-queue-seconds", args->soft_queue_s, "see --soft-queue-bytes")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  cmd->add_option("--max-queue-total", l.max_queue_total,
                  "memory of all unsent output; past it the readers holding most are cut")
      ->check(CLI::Range(std::size_t{1} << 16, std::size_t{1} << 40))
      ->capture_default_str();
  cmd->add_option("--send-ids", l.send_ids,
                  "ids of a user's recent sends remembered: a resend with one is not delivered twice")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
      ->capture_default_str();
  cmd->add_option("--send-id-age", args->send_id_age_s, "seconds a send's id is remembered")
      ->check(CLI::Range(1L, 7L * 86400))
      ->capture_default_str();
  cmd->add_option("--grace", args->grace_s, "seconds for goodbyes on stop")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->callback([args, data, &action] {
    args->data_given = data->count() > 0;
    action = [args] { return run_chat_serve(*args); };
  });
}

// One line typed on the terminal without echo, after `prompt`.
std::string read_hidden(const char* prompt) {
  if (!::isatty(STDIN_FILENO)) throw std::runtime_error("no terminal to type a password");
  termios old{};
  ::tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string line;
  fmt::print(stderr, "{}", prompt);
  std::getline(std::cin, line);
  fmt::print(stderr, "\n");
  ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
  return line;
}

// The password for `user add` / `user passwd`: one line from stdin with --password-stdin,
// else typed twice on the terminal without echo.
std::string read_password(bool from_stdin) {
  std::string password;
  if (from_stdin) {
    if (!std::getline(std::cin, password)) throw std::runtime_error("no password on stdin");
    return password;
  }
  if (!::isatty(STDIN_FILENO)) throw std::runtime_error("no terminal to type a password: use --password-stdin");
  password = read_hidden("password: ");
  if (password != read_hidden("again: ")) throw std::runtime_error("the two passwords differ");
  return password;
}

// The password `chat connect` logs in with: the first line of `file`, else
// $SOCKIT_CHAT_PASSWORD, else typed on the terminal when `ask`; none otherwise.
std::optional<std::string> login_password(const std::string& file, bool ask) {
  if (!file.empty()) {
    std::ifstream in(file);
    std::string line;
    if (!std::getline(in, line)) throw std::runtime_error("cannot read a password from " + file);
    if (!line.empty() && line.back() == '\r') line.pop_back();  // a file written on Windows
    return line;
  }
  if (const char* env = std::getenv("SOCKIT_CHAT_PASSWORD"); env && *env) return std::string(env);
  if (ask) return read_hidden("password: ");
  return std::nullopt;
}

void add_chat_user(CLI::App& chat_cmd, Action& action) {
  auto* user = chat_cmd.add_subcommand("user", "Registered users for --auth accounts (safe while the server runs)");
  user->require_subcommand(1);
  struct Args {
    std::string name;
    std::string data = "./sockit-data";
    std::string cluster;  // redis://…: the accounts of a cluster instead of --data's
    bool password_stdin = false;
    chat::ScryptCost cost;
    std::unique_ptr<chat::AccountBook> book() const {
      return cluster.empty() ? std::make_unique<chat::AccountBook>(data) : chat::AccountBook::in_redis(cluster);
    }
  };
  auto args = std::make_shared<Args>();
  auto common = [&](CLI::App* cmd, bool named) {
    if (named) cmd->add_option("NAME", args->name, "the nickname")->required();
    auto* data = cmd->add_option("--data", args->data, "the chat server's --data directory")->capture_default_str();
    cmd->add_option("--cluster", args->cluster, "redis://HOST[:PORT][/DB]: a cluster's accounts (its first --cluster)")
        ->excludes(data);
  };
  auto* add = user->add_subcommand("add", "Register a nickname with a password");
  auto* passwd = user->add_subcommand("passwd", "Set a new password (drops its resume tokens)");
  for (auto* cmd : {add, passwd}) {
    common(cmd, true);
    cmd->add_flag("--password-stdin", args->password_stdin, "read the password from stdin (one line)");
    cmd->add_option("--cost", args->cost.log2_n, "scrypt cost: log2 of N")
        ->check(CLI::Range(10, 22))
        ->capture_default_str();
  }
  auto* del = user->add_subcommand("del", "Remove a registered nickname");
  common(del, true);
  auto* list = user->add_subcommand("list", "List the registered nicknames");
  common(list, false);
  add->callback([args, &action] {
    action = [args] {
      args->book()->add(args->name, read_password(args->password_stdin), args->cost);
      fmt::print("registered {}\n", args->name);
      return 0;
    };
  });
  passwd->callback([args, &action] {
    action = [args] {
      args->book()->set_password(args->name, read_password(args->password_stdin), args->cost);
      fmt::print("new password for {}\n", args->name);
      return 0;
    };
  });
  del->callback([args, &action] {
    action = [args] {
      args->book()->remove(args->name);
      fmt::print("removed {}\n", args->name);
      return 0;
    };
  });
  list->callback([args, &action] {
    action = [args] {
      for (const auto& a : args->book()->list()) fmt::print("{}\n", a.nickname);
      return 0;
    };
  });
}

void add_chat_connect(CLI::App& chat_cmd, Action& action) {
  auto* cmd = chat_cmd.add_subcommand("connect", "Chat from the terminal (or from a pipe)");
  auto address = std::make_shared<std::string>("127.0.0.1:8000");
  auto nick = std::make_shared<std::string>();
  cmd->add_option("ADDR", *address, "the chat server")->capture_default_str();
  auto* nick_option = cmd->add_option("--nick", *nick, "log in with this nickname at once");
  auto password_file = std::make_shared<std::string>();
  auto ask_password = std::make_shared<bool>(false);
  cmd->add_option("--password-file", *password_file,
                  "log in with the password on this file's first line (a registered --nick; "
                  "or set SOCKIT_CHAT_PASSWORD)")
      ->check(CLI::ExistingFile)
      ->needs(nick_option);
  cmd->add_flag("--password", *ask_password, "ask for --nick's password on the terminal")->needs(nick_option);
  auto tls = std::make_shared<bool>(false);
  auto insecure = std::make_shared<bool>(false);
  auto cacert = std::make_shared<std::string>();
  auto* tls_flag = cmd->add_flag("--tls", *tls, "speak TLS (a server run with --tls-cert)");
  cmd->add_option("--cacert", *cacert, "PEM file of the CA that signed the server's certificate "
                                       "(default: the system's CAs)")
      ->check(CLI::ExistingFile)
      ->needs(tls_flag);
  cmd->add_flag("-k,--insecure", *insecure, "do not check the server's certificate")->needs(tls_flag);
  auto options = std::make_shared<chat::ClientOptions>();
  cmd->add_flag("--json", options->json, "print every frame from the server as one JSON line (for scripts)");
  cmd->add_flag("!--no-bell", options->bell, "no terminal bell for direct messages and invitations");
  cmd->add_flag("!--no-reconnect", options->reconnect, "end when the connection is lost");
  cmd->callback([address, nick, password_file, ask_password, tls, insecure, cacert, options, &action] {
    action = [address, nick, password_file, ask_password, tls, insecure, cacert, options] {
      const auto endpoint = parse_endpoint(*address, 8000);
      std::optional<chat::ClientLogin> login;
      if (!nick->empty()) login = chat::ClientLogin{*nick, login_password(*password_file, *ask_password)};
      if (*tls) options->tls = chat::ClientTls{!*insecure, *cacert};
      return chat::run_terminal_client(endpoint, login, STDIN_FILENO, STDOUT_FILENO, *options);
    };
  });
}

}  // namespace

void add_chat_command(CLI::App& root, Action& action) {
  auto* chat_cmd = root.add_subcommand("chat", "The chat room: server and terminal client");
  chat_cmd->require_subcommand(1);
  add_chat_serve(*chat_cmd, action);
  add_chat_connect(*chat_cmd, action);
  add_chat_user(*chat_cmd, action);
}

}  // namespace sockit::app
