// `sockit http serve`: the static web server.
#include <cstdio>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "command.hpp"
#include "options.hpp"
#include "signals.hpp"
#include "sockit/core/error.hpp"
#include "sockit/http/client.hpp"
#include "sockit/http/static_server.hpp"

namespace sockit::app {
namespace {

struct HttpServeArgs {
  std::string dir = ".";
  std::string listen = ":8082";
  bool quiet = false;
  double idle_s = 30;
  double header_s = 10;
  http::StaticOptions options;
};

int run_http_serve(HttpServeArgs args) {
  const Endpoint endpoint = parse_endpoint(args.listen, 8082);
  args.options.root = args.dir;
  args.options.access_log = !args.quiet;
  args.options.idle_timeout = seconds_to_ms(args.idle_s);
  args.options.header_timeout = seconds_to_ms(args.header_s);
  std::optional<http::StaticServer> server;
  try {
    server.emplace(endpoint, args.options);
  } catch (const std::invalid_argument& e) {
    throw usage_error(e.what());
  }
  const bool tls = !args.options.tls_cert.empty();
  const auto announce = [&] {
    fmt::print("sockit http: listening on {} (serving {}{})\n", server->local_address().to_string(), args.dir,
               tls ? " over HTTPS" : "");
    std::fflush(stdout);
  };
  serve_until_signal(*server, announce,
                     reload_certificate_on_hangup(tls, [&server] { return server->reload_certificate(); }));
  return 0;
}

void add_http_serve(CLI::App& http_cmd, Action& action) {
  auto* cmd = http_cmd.add_subcommand("serve", "Serve a directory over HTTP (default :8082)");
  auto args = std::make_shared<HttpServeArgs>();
  cmd->add_option("DIR", args->dir, "directory to serve")->capture_default_str();
  cmd->add_option("--listen", args->listen, "where to listen")->capture_default_str();
  cmd->add_flag("--quiet", args->quiet, "no access log");
  add_tls_options(*cmd, args->options.tls_cert, args->options.tls_key, args->options.tls_profile,
                  "PEM certificate chain: serve HTTPS; SIGHUP loads it again");
  cmd->add_option("--max-clients", args->options.max_connections, "connections at once")
      ->capture_default_str();
  cmd->add_option("--threads", args->options.threads, "event loops (0: one per core)")
      ->capture_default_str();
  add_io_uring_option(*cmd, args->options.send_path);
  cmd->add_option("--idle-timeout", args->idle_s, "seconds a keep-alive connection may idle")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--header-timeout", args->header_s, "seconds a new connection has to send its request")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->callback([args, &action] { action = [args] { return run_http_serve(*args); }; });
}

struct GetArgs {
  std::string url;
  double timeout_s = 30;
  http::GetOptions options;
};

void add_http_get(CLI::App& http_cmd, Action& action) {
  auto* cmd = http_cmd.add_subcommand("get", "Fetch a URL over HTTP or HTTPS");
  auto args = std::make_shared<GetArgs>();
  auto& o = args->options;
  cmd->add_option("URL", args->url, "http:// or https:// URL")->required();
  cmd->add_option("-o,--output", o.output,
                  "write the body to FILE ('-': stdout); a file is replaced only when complete, a "
                  "device or FIFO written through");
  cmd->add_flag("-I,--head", o.head_only, "print the status line and headers (HEAD)");
  cmd->add_flag("-L,--location", o.follow, "follow redirects (up to 10)");
  cmd->add_option("--timeout", args->timeout_s, "seconds for each request")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--cacert", o.cacert, "trust the CA certificates in FILE (PEM)");
  cmd->add_flag("-k,--insecure", o.insecure, "do not check the server's certificate");
  cmd->callback([args, &action] {
    action = [args] {
      args->options.timeout = seconds_to_ms(args->timeout_s);
      try {
        return http::get(args->url, args->options, stdout);
      } catch (const parse_error& e) {
        throw usage_error(e.what());
      }
    };
  });
}

}  // namespace

void add_http_command(CLI::App& root, Action& action) {
  auto* http_cmd = root.add_subcommand("http", "Static web server and HTTP(S) client");
  http_cmd->require_subcommand(1);
  add_http_serve(*http_cmd, action);
  add_http_get(*http_cmd, action);
}

}  // namespace sockit::app
