// `sockit nc`: the network debugging assistant, with ncat's flags where ncat has the feature.
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "command.hpp"
#include "options.hpp"
#include "sockit/core/error.hpp"
#include "sockit/nc/nc.hpp"

namespace sockit::app {
namespace {

struct NcArgs {
  nc::NcOptions o;
  std::vector<std::string> positional;  // [HOST] PORT
  bool v4 = false, v6 = false;
  double wait_s = 0, idle_s = 0;
};

void resolve_positional(NcArgs& a) {
  auto& o = a.o;
  o.family = a.v4 ? AF_INET : (a.v6 ? AF_INET6 : AF_UNSPEC);
  if (a.wait_s > 0) o.connect_timeout = seconds_to_ms(a.wait_s);
  if (a.idle_s > 0) o.idle_timeout = seconds_to_ms(a.idle_s);
  if (o.chat) o.broker = true;
  if (!o.unix_path.empty()) {
    if (!a.positional.empty()) throw usage_error("-U takes no HOST or PORT");
    return;
  }
  if (a.positional.empty()) throw usage_error("missing PORT (sockit nc [-l] [HOST] PORT)");
  if (a.positional.size() > 2) throw usage_error("too many arguments: [HOST] PORT");
  try {
    o.port = parse_port(a.positional.back());
  } catch (const parse_error& e) {
    throw usage_error(e.what());
  }
  if (a.positional.size() == 2) o.host = a.positional.front();
  if (!o.listen && o.host.empty()) throw usage_error("connect mode needs HOST and PORT");
  if (o.send_only && o.recv_only) throw usage_error("--send-only and --recv-only exclude each other");
}

}  // namespace

void add_nc_command(CLI::App& root, Action& action) {
  auto* cmd = root.add_subcommand("nc", "Network debugging assistant (ncat-compatible flags)");
  auto a = std::make_shared<NcArgs>();
  auto& o = a->o;
  cmd->add_option("HOST PORT", a->positional, "[HOST] PORT: where to connect, or listen");
  cmd->add_flag("-l,--listen", o.listen, "listen for connections");
  cmd->add_flag("-u,--udp", o.udp, "UDP (or Unix datagrams with -U)");
  cmd->add_option("-U,--unixsock", o.unix_path, "Unix socket path (@name: abstract)");
  cmd->add_flag("-4", a->v4, "IPv4 only");
  cmd->add_flag("-6", a->v6, "IPv6 only");
  cmd->add_option("-s,--source", o.source_host, "source address");
  cmd->add_option("-p,--source-port", o.source_port, "source port");
  cmd->add_flag("-k,--keep-open", o.keep_open, "keep listening after a client leaves; many clients");
  cmd->add_flag("--broker", o.broker, "relay what each client sends to all the others");
  cmd->add_flag("--chat", o.chat, "chat mode: <userN> prefixes; this terminal takes part");
  cmd->add_option("-m,--max-conns", o.max_conns, "clients at once")->capture_default_str();
  cmd->add_option("--allow", o.allow, "only these addresses or networks (CIDR) may connect");
  cmd->add_option("--deny", o.deny, "these addresses or networks may not connect");
  cmd->add_flag("-C,--crlf", o.crlf, "send CRLF line endings");
  cmd->add_flag("--send-only", o.send_only, "only send; ignore what arrives");
  cmd->add_flag("--recv-only", o.recv_only, "only receive; ignore stdin");
  cmd->add_flag("-x,--hex-dump", o.hex_dump, "hex dump of the traffic (stderr, or -o FILE)");
  cmd->add_option("-o,--output", o.dump_file, "write the hex dump to FILE");
  cmd->add_flag("--hex-send", o.hex_send, "stdin is hex text (\"48 65 6c 6c 6f\"); send the bytes");
  cmd->add_flag("-v,--verbose", o.verbose, "connection events with timestamps on stderr");
  cmd->add_flag("-q,--close-on-eof", o.close_on_eof, "close at end of input instead of half-closing");
  cmd->add_flag("--broadcast", o.broadcast, "allow UDP broadcast sends");
  cmd->add_flag("--ssl", o.ssl, "TLS (a listener without --ssl-cert makes a temporary certificate)");
  cmd->add_option("--ssl-cert", o.ssl_cert, "server certificate (PEM)");
  cmd->add_option("--ssl-key", o.ssl_key, "server private key (PEM)");
  add_tls_profile_option(*cmd, o.tls_profile);
  cmd->add_flag("--ssl-verify", o.ssl_verify, "client: verify the server's certificate and name");
  cmd->add_option("--ssl-trustfile", o.ssl_trustfile, "CA certificates (PEM) to verify against");
  cmd->add_option("-w,--wait", a->wait_s, "connect timeout, seconds")->check(CLI::NonNegativeNumber);
  cmd->add_option("-i,--idle-timeout", a->idle_s, "idle timeout, seconds")->check(CLI::NonNegativeNumber);
  cmd->callback([a, &action] {
    action = [a] {
      resolve_positional(*a);
      try {
        return nc::run(a->o, STDIN_FILENO, STDOUT_FILENO);
      } catch (const parse_error& e) {
        throw usage_error(e.what());
      }
    };
  });
}

}  // namespace sockit::app
