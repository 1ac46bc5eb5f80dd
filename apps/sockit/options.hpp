// Flags shared by the server subcommands (model, limits) and argument helpers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "sockit/server/config.hpp"
#include "sockit/server/message_reader.hpp"
#include "sockit/server/send_path.hpp"
#include "sockit/socket/endpoint.hpp"
#include "sockit/socket/tls_profile.hpp"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace sockit::app {

/// Parses an address argument; bad text is a usage error (exit 2).
Endpoint parse_endpoint(const std::string& text, std::optional<std::uint16_t> default_port = {});

/// Seconds from the command line (fractions allowed) as milliseconds.
std::chrono::milliseconds seconds_to_ms(double seconds);

/// --tls-cert (described by `cert_help`) and --tls-key: each needs the other, both must exist;
/// --tls-profile intermediate|modern with them.
void add_tls_options(CLI::App& cmd, std::string& cert, std::string& key, TlsProfile& profile,
                     const std::string& cert_help);

/// --tls-profile intermediate|modern into `profile`; returns the option (for needs()).
CLI::Option* add_tls_profile_option(CLI::App& cmd, TlsProfile& profile);

/// --model sequential|threading|forking|async.
void add_model_option(CLI::App& cmd, std::string& model);
/// --io-uring auto|on|off (or $SOCKIT_IO_URING): how a server's loops write (SendPath).
void add_io_uring_option(CLI::App& cmd, server::SendPath& path);

/// The limit flags every line-based server takes.
struct ServerLimitArgs {
  std::size_t max_clients = 1024;
  double idle_timeout_s = 300;
  std::size_t max_line = 4096;
  double grace_s = 2;
  std::size_t threads = 0;  ///< the async model's event loops; 0: one per core

  void add_to(CLI::App& cmd);
  server::ServerConfig config(const std::string& model) const;
  server::MessageLimits message_limits() const;
};

}  // namespace sockit::app
