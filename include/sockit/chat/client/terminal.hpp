// The terminal client, `sockit chat connect`: a socket, a terminal and ClientState
// (client.hpp) together. Its own target (sockit::chat_terminal), apart from the library: it
// owns the terminal and blocks the signals it reads through a signalfd while it runs.
#pragma once

#include <optional>
#include <string>

#include "sockit/socket/endpoint.hpp"

namespace sockit::chat {

/// TLS for the terminal client (`chat connect --tls`). Value type.
struct ClientTls {
  bool verify = true;  ///< the server's certificate must chain to `cacert` and name the host
  std::string cacert;  ///< PEM trust file; empty: the system's CAs
};

/// Who `chat connect` logs in as at once. Value type.
struct ClientLogin {
  std::string nickname;
  std::optional<std::string> password;  ///< for a registered nickname (--auth accounts)
};

/// How `chat connect` behaves. Value type.
struct ClientOptions {
  std::optional<ClientTls> tls;  ///< speak TLS
  bool json = false;             ///< print each frame from the server as it came, one a line
  bool bell = true;              ///< ring the terminal's bell for a direct message or invitation
  bool reconnect = true;         ///< on a terminal: after a lost connection, connect again
};

/// `sockit chat connect`: connects (over TLS when `options.tls` is set), logs in as `login` if
/// given, then relays typed lines and shows incoming messages until /quit, Ctrl-C, end of
/// input or the server closing. On a terminal: line editing, history and completion (libedit),
/// the line being typed kept intact under incoming messages, one colour per nickname (not
/// with NO_COLOR), and after a lost connection it connects again with backoff, logs in, rejoins
/// and shows what was missed. From a pipe each line is sent, then the client logs out and
/// exits. Returns the exit code. Blocks; not thread safe. Throws std::runtime_error when the
/// first connection or its TLS handshake fails.
int run_terminal_client(const Endpoint& server, const std::optional<ClientLogin>& login,
                        int input_fd, int output_fd, const ClientOptions& options = {});

}  // namespace sockit::chat
