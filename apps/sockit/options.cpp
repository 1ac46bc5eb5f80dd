#include "options.hpp"

#include <CLI/CLI.hpp>

#include "command.hpp"
#include "sockit/core/error.hpp"

namespace sockit::app {

Endpoint parse_endpoint(const std::string& text, std::optional<std::uint16_t> default_port) {
  try {
    return Endpoint::parse(text, default_port);
  } catch (const parse_error& e) {
    throw usage_error(e.what());
  }
}

std::chrono::milliseconds seconds_to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

CLI::Option* add_tls_profile_option(CLI::App& cmd, TlsProfile& profile) {
  return cmd
      .add_option_function<std::string>(
          "--tls-profile",
          [&profile](const std::string& name) { profile = parse_tls_profile(name); },
          "intermediate (default): TLS 1.2 with ECDHE and AEAD ciphers, and TLS 1.3; "
          "modern: TLS 1.3 only (Mozilla's server-side TLS profiles)")
      ->check(CLI::IsMember({"intermediate", "modern"}));
}

void add_tls_options(CLI::App& cmd, std::string& cert, std::string& key, TlsProfile& profile,
                     const std::string& cert_help) {
  auto* cert_option = cmd.add_option("--tls-cert", cert, cert_help)->check(CLI::ExistingFile);
  cmd.add_option("--tls-key", key, "PEM private key of --tls-cert")
      ->check(CLI::ExistingFile)
      ->needs(cert_option);
  cert_option->needs("--tls-key");
  add_tls_profile_option(cmd, profile)->needs(cert_option);
}

void add_model_option(CLI::App& cmd, std::string& model) {
  cmd.add_option("--model", model, "concurrency model")
      ->check(CLI::IsMember({"sequential", "threading", "forking", "async"}))
      ->capture_default_str();
}

void add_io_uring_option(CLI::App& cmd, server::SendPath& path) {
  cmd.add_option_function<std::string>(
         "--io-uring", [&path](const std::string& text) { path = *server::parse_send_path(text); },
         "auto|on|off: each loop's writes of a turn in one io_uring submission (auto: where the "
         "kernel allows it); off: one sendmsg a connection (or set SOCKIT_IO_URING)")
      ->check(CLI::IsMember({"auto", "on", "off"}))  // (so the parse above always answers)
      ->envname("SOCKIT_IO_URING")
      ->default_str("auto");
}

void ServerLimitArgs::add_to(CLI::App& cmd) {
  cmd.add_option("--max-clients", max_clients, "clients served at once")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
      ->capture_default_str();
  cmd.add_option("--idle-timeout", idle_timeout_s, "seconds a client may stay silent")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--max-line", max_line, "longest accepted line in bytes")
      ->check(CLI::Range(std::size_t{1}, std::size_t{16} << 20))
      ->capture_default_str();
  cmd.add_option("--grace", grace_s, "seconds in-flight clients get on stop")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_option("--threads", threads, "event loops of the async model (0: one per core)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1024}))
      ->capture_default_str();
}

server::ServerConfig ServerLimitArgs::config(const std::string& model) const {
  server::ServerConfig config;
  try {
    config.model = server::parse_model(model);
  } catch (const parse_error& e) {
    throw usage_error(e.what());
  }
  config.max_threads = max_clients;
  config.max_children = max_clients;
  config.max_connections = max_clients;
  config.grace = seconds_to_ms(grace_s);
  config.threads = threads;
  return config;
}

server::MessageLimits ServerLimitArgs::message_limits() const {
  server::MessageLimits limits;
  limits.max_line = max_line;
  limits.idle = seconds_to_ms(idle_timeout_s);
  return limits;
}

}  // namespace sockit::app
