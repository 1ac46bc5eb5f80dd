/// \file
/// Chat protocol v1 from the client's side: every answer and notice the server sends
/// (docs/protocol.md) as a value, decoded from the line the server wrote, and written again
/// exactly as the server's encoders write it (protocol.hpp). A client switches on the variant
/// with std::visit instead of comparing type strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sockit/chat/protocol/protocol.hpp"

namespace sockit::chat {

/// The server's messages. Plain values; `req` is the request's id as JSON text (a number, or
/// a string with its quotes), empty when the message carries none.
namespace from_server {

/// {"type":"error",…}. `code` is text: a newer server may send a code this client does not know.
struct Error {
  std::string code;
  std::string message;
  std::string req;
  friend bool operator==(const Error&, const Error&) = default;
};
/// {"type":"login","status":"ok",…}; `token` is empty unless the user is registered.
struct Login {
  std::int64_t id = 0;
  std::string nickname;
  std::string token;
  std::string req;
  friend bool operator==(const Login&, const Login&) = default;
};
/// A room's message ({"type":"broadcast"}) or notice ({"type":"system"}, sender 0 "System").
struct RoomMessage {
  bool system = false;
  std::int64_t sender_id = 0;
  std::string sender_nickname;
  std::string message;
  std::string room;
  std::int64_t seq = 0;
  std::int64_t ts_ms = 0;
  friend bool operator==(const RoomMessage&, const RoomMessage&) = default;
};
/// {"type":"direct",…}
struct Direct {
  std::int64_t sender_id = 0;
  std::string sender_nickname;
  std::string message;
  std::int64_t ts_ms = 0;
  friend bool operator==(const Direct&, const Direct&) = default;
};
/// {"type":"ack",…}; `seq` 0 for a direct message.
struct Ack {
  std::string req;
  std::int64_t seq = 0;
  friend bool operator==(const Ack&, const Ack&) = default;
};
/// {"type":"join"|"leave","status":"ok",…}
struct RoomOk {
  RoomAction action = RoomAction::join;
  std::string room;
  std::string req;
  friend bool operator==(const RoomOk&, const RoomOk&) = default;
};
/// {"type":"invite"|"kick","status":"ok",…}, to a private room's owner.
struct MemberOk {
  MemberAction action = MemberAction::invite;
  std::string room;
  std::string nickname;
  std::string req;
  friend bool operator==(const MemberOk&, const MemberOk&) = default;
};
/// {"type":"invited"|"kicked",…}, to the user let in or removed.
struct MemberNotice {
  MemberAction action = MemberAction::invite;
  std::string room;
  std::string by;
  friend bool operator==(const MemberNotice&, const MemberNotice&) = default;
};
/// {"type":"who",…}: (id, nickname) pairs.
struct Who {
  std::string room;
  std::vector<std::pair<std::int64_t, std::string>> users;
  std::string req;
  friend bool operator==(const Who&, const Who&) = default;
};
/// {"type":"rooms",…}
struct Rooms {
  std::vector<RoomListing> rooms;
  std::string req;
  friend bool operator==(const Rooms&, const Rooms&) = default;
};
/// {"type":"history",…}: oldest first; `stored` false when the server keeps no history.
struct History {
  std::string room;
  std::vector<RoomMessage> messages;
  bool stored = true;
  std::string req;
  friend bool operator==(const History&, const History&) = default;
};
/// {"type":"pong",…}
struct Pong {
  std::string req;
  friend bool operator==(const Pong&, const Pong&) = default;
};
/// {"type":"bye",…}
struct Bye {
  std::string req;
  friend bool operator==(const Bye&, const Bye&) = default;
};

}  // namespace from_server

/// One message from the server.
using ServerMessage =
    std::variant<from_server::Error, from_server::Login, from_server::RoomMessage,
                 from_server::Direct, from_server::Ack, from_server::RoomOk, from_server::MemberOk,
                 from_server::MemberNotice, from_server::Who, from_server::Rooms,
                 from_server::History, from_server::Pong, from_server::Bye>;

/// Reads one line (one JSON object) the server sent. nullopt when it is not JSON, not an
/// object, of a type protocol v1 does not have, or without a field its type needs (a field of
/// the wrong JSON type counts as missing; "ts" may be missing: 0). Unknown fields are ignored.
/// Pure; thread safe.
std::optional<ServerMessage> decode_server_message(std::string_view line);

/// Writes `message` exactly as the server's encoders do, "\n" included: for every line `x` an
/// encoder wrote, encode_server_message(*decode_server_message(x)) == x. Pure; thread safe.
std::string encode_server_message(const ServerMessage& message);

}  // namespace sockit::chat
