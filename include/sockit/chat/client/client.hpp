// The terminal client's logic, apart from any terminal or socket: what a typed line sends,
// and how each message from the server reads on screen.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sockit/chat/protocol/server_message.hpp"

namespace sockit::chat {

/// How the client shows things. Value type.
struct ClientStyle {
  bool color = false;  ///< one colour per nickname, own lines bold, direct messages highlighted
};

/// Not thread safe (one per client).
class ClientState {
 public:
  /// What to do after a typed line or a received message.
  struct Step {
    std::vector<std::string> send;   ///< JSON objects to send, each ending in "\n"
    std::vector<std::string> print;  ///< lines to show, without newline
    bool quit = false;               ///< the session is over
    bool bell = false;               ///< something for this user alone arrived (a direct message)
  };

  explicit ClientState(ClientStyle style = {});

  /// A typed line: `login NAME`, `send TEXT`, `/join ROOM`, `/private ROOM`, `/leave [ROOM]`,
  /// `/invite NICK`, `/kick NICK`, `/msg NICK TEXT`, `/who [ROOM]`, `/rooms`, `/history [N]`,
  /// `/quit`, `/help`, or text for the current room. Messages carry a `req`: they are shown
  /// as the user's own once the server acknowledges them.
  Step on_input(std::string_view line);
  /// Logs in as `nickname`, with `password` for a registered one (--auth accounts).
  Step login(const std::string& nickname, const std::optional<std::string>& password);
  /// One JSON object from the server.
  Step on_message(std::string_view frame);
  /// The connection is gone: what was sent and not acknowledged is reported unsent.
  Step connection_lost();
  /// A new connection after a lost one: logs in again as before; once in, rejoins the rooms
  /// and asks each for what was said meanwhile. Nothing to send if the user never logged in.
  Step reconnected();
  /// The room plain lines go to.
  const std::string& room() const noexcept { return room_; }
  std::string prompt() const { return "[" + room_ + "]> "; }
  bool logged_in() const noexcept { return logged_in_; }
  /// Whether the user asked to end the session (/quit).
  bool quitting() const noexcept { return quitting_; }
  /// Completions for `word`, the word being typed, with `before` the line before it: commands
  /// at the start, else nicknames and rooms seen so far. Sorted.
  std::vector<std::string> complete(std::string_view before, std::string_view word) const;

 private:
  struct Pending {  // a message sent with a req, not yet acknowledged
    std::string room;  // empty for a direct message
    std::string to;
    std::string text;
    std::string id;  // its send id: a resend after a reconnect is delivered once
  };
  struct Seen {  // a room's messages already on screen, by seq (the newest 2,000)
    std::set<std::int64_t> seqs;
    void add(std::int64_t seq);
  };
  std::string send_message(Step& step, std::string room, std::string to, std::string text);
  static std::string encode_send(std::int64_t req, const Pending& p);
  std::string room_line(const from_server::RoomMessage& m);
  void history(Step& step, const from_server::History& m);
  void on_room_message(Step& step, const from_server::RoomMessage& m);
  void on_direct(Step& step, const from_server::Direct& m);
  void on_ack(Step& step, const from_server::Ack& m);
  void on_login(Step& step, const from_server::Login& m);
  void on_room_ok(Step& step, const from_server::RoomOk& m);
  void on_who(Step& step, const from_server::Who& m);
  void on_rooms(Step& step, const from_server::Rooms& m);
  void on_member_ok(Step& step, const from_server::MemberOk& m);
  void on_member_notice(Step& step, const from_server::MemberNotice& m);
  void on_error(Step& step, const from_server::Error& m);
  std::string nick(const std::string& name, std::int64_t id) const;

  ClientStyle style_;
  std::string room_ = "lobby";
  bool logged_in_ = false;
  bool quitting_ = false;
  bool resuming_ = false;  // logged in again after a lost connection: rejoin when answered
  std::string nickname_;
  std::optional<std::string> password_;
  std::int64_t next_req_ = 1;
  std::map<std::int64_t, Pending> pending_;  // kept over a lost connection, sent again after it
  std::string send_prefix_;                  // random: this client's send ids are its own
  std::uint64_t sends_ = 0;
  std::set<std::string> joined_;
  std::set<std::string> rejoining_;
  std::map<std::string, Seen> seen_;
  std::map<std::string, std::int64_t> catch_up_;  // room -> the last seq seen before a loss
  std::set<std::string> nicknames_;
  std::set<std::string> rooms_;
};

/// "HH:MM" of the Unix time `ts_ms` in local time, or "YYYY-MM-DD HH:MM" when it is not the
/// same day as `now_ms`. Thread safe.
std::string clock_time(std::int64_t ts_ms, std::int64_t now_ms);

}  // namespace sockit::chat
