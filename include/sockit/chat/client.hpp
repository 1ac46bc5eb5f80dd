// The terminal client's logic, apart from any terminal or socket: what a typed line sends,
// and how each message from the server reads on screen.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sockit/socket/endpoint.hpp"

namespace sockit::chat {

/// Not thread safe (one per client).
class ClientState {
 public:
  /// What to do after a typed line or a received message.
  struct Step {
    std::vector<std::string> send;   ///< JSON objects to send, each ending in "\n"
    std::vector<std::string> print;  ///< lines to show, without newline
    bool quit = false;               ///< the session is over
  };

  /// A typed line: `login NAME`, `send TEXT`, `/join ROOM`, `/private ROOM`, `/leave [ROOM]`,
  /// `/invite NICK`, `/kick NICK`, `/msg NICK TEXT`, `/who [ROOM]`, `/rooms`, `/history [N]`,
  /// `/quit`, `/help`, or text for the current room.
  Step on_input(std::string_view line);
  /// Logs in as `nickname`, with `password` for a registered one (--auth accounts).
  Step login(const std::string& nickname, const std::optional<std::string>& password);
  /// One JSON object from the server.
  Step on_message(std::string_view frame);
  /// The room plain lines go to.
  const std::string& room() const noexcept { return room_; }
  std::string prompt() const { return "[" + room_ + "]> "; }
  bool logged_in() const noexcept { return logged_in_; }

 private:
  std::string room_ = "lobby";
  bool logged_in_ = false;
  bool quitting_ = false;
};

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

/// `sockit chat connect`: connects (over TLS when `tls` is set), logs in as `login` if given,
/// then relays typed lines and shows incoming messages until /quit, end of input or the server
/// closing. On a terminal the line being typed is kept intact under incoming messages; from a
/// pipe each line is sent, then the client logs out and exits. Returns the exit code. Blocks;
/// not thread safe. Throws std::runtime_error when the TLS handshake or certificate check fails.
int run_terminal_client(const Endpoint& server, const std::optional<ClientLogin>& login,
                        int input_fd, int output_fd, const std::optional<ClientTls>& tls = {});

}  // namespace sockit::chat
