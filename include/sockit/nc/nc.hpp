// `sockit nc`: the network debugging assistant — ncat's connect and listen modes over TCP,
// UDP and Unix sockets, with keep-open, broker and chat modes and hex views of the traffic.
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "sockit/socket/endpoint.hpp"
#include "sockit/socket/socket.hpp"
#include "sockit/socket/tls_profile.hpp"

namespace sockit::nc {

/// Value type; mirrors the command's flags.
struct NcOptions {
  bool listen = false;       ///< -l
  bool udp = false;          ///< -u
  std::string unix_path;     ///< -U PATH (stream, or datagram with -u)
  int family = AF_UNSPEC;    ///< -4 / -6
  std::string host;          ///< HOST (connect), or the address to listen on
  std::uint16_t port = 0;    ///< PORT
  std::string source_host;   ///< -s
  std::uint16_t source_port = 0;  ///< -p
  bool keep_open = false;    ///< -k
  bool broker = false;       ///< --broker
  bool chat = false;         ///< --chat (implies broker; the listener's terminal takes part)
  std::size_t max_conns = 100;  ///< -m
  std::vector<std::string> allow, deny;  ///< --allow / --deny: addresses or CIDR networks
  bool crlf = false;         ///< -C
  bool send_only = false;    ///< --send-only
  bool recv_only = false;    ///< --recv-only
  bool hex_dump = false;     ///< -x
  std::string dump_file;     ///< -o FILE: the hex dump goes here instead of stderr
  bool hex_send = false;     ///< --hex-send: stdin is hex text
  bool verbose = false;      ///< -v
  bool close_on_eof = false; ///< -q / --close-on-eof: stdin EOF closes at once
  bool broadcast = false;    ///< --broadcast (UDP)
  bool ssl = false;          ///< --ssl (TCP and Unix streams)
  std::string ssl_cert, ssl_key;  ///< --ssl-cert / --ssl-key (server; none: self-signed)
  TlsProfile tls_profile = TlsProfile::intermediate;  ///< --tls-profile (server)
  bool ssl_verify = false;   ///< --ssl-verify (client: check the chain and the host name)
  std::string ssl_trustfile; ///< --ssl-trustfile (PEM CAs instead of the system's)
  Timeout connect_timeout;   ///< -w
  Timeout idle_timeout;      ///< -i
};

/// Runs nc with stdin/stdout as given; returns the exit code (0 success, 1 failure with one
/// line on stderr). Throws parse_error for bad arguments (exit 2 upstairs). Blocks.
int run(const NcOptions& options, int input_fd, int output_fd);

}  // namespace sockit::nc
