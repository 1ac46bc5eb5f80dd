// Chat protocol v1 (docs/protocol.md) as pure functions over bytes: the error codes, the requests a
// client may send and their parser, and the encoders of every answer the server sends.
// Boost.JSON does the work inside src/chat/protocol*.cpp and is not exposed here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace sockit::chat {

// ---- Errors -----------------------------------------------------------------------------

/// The protocol's error codes; code_name gives the text sent as "code".
enum class Errc {
  bad_json = 1,
  bad_request,
  unknown_type,
  not_logged_in,
  already_logged_in,
  nickname_taken,
  nickname_invalid,
  message_too_long,
  rate_limited,
  no_such_user,
  not_in_room,
  room_invalid,
  forbidden,
  frame_too_large,
  server_full,
  login_timeout,
  slow_consumer,
  shutting_down,
  store_unavailable,
  cluster_unavailable,
  auth_failed,
};

/// The wire name of `code` ("bad_json", "nickname_taken"...); "unknown" for a value outside
/// the enum. Pure; thread safe.
std::string_view code_name(Errc code) noexcept;

/// True for the codes after which the server closes the connection (frame_too_large,
/// server_full, login_timeout, slow_consumer, shutting_down). Pure; thread safe.
bool closes_connection(Errc code) noexcept;

/// The category of Errc ("sockit.chat"); message() is a short English sentence fit for the
/// "message" of an error answer. Thread safe.
const std::error_category& chat_category() noexcept;

/// Errc as a std::error_code of chat_category(). Pure; thread safe.
std::error_code make_error_code(Errc code) noexcept;

// ---- Requests ---------------------------------------------------------------------------

/// {"type":"login","nickname":…} with, for a registered nickname (--auth accounts),
/// "password":… or the "token":… a previous login answered.
struct Login {
  std::string nickname;
  std::optional<std::string> password = std::nullopt;
  std::optional<std::string> token = std::nullopt;
  friend bool operator==(const Login&, const Login&) = default;
};

/// A client's name for one send, "id": at most kMaxSendId bytes. A send whose id the server
/// has seen from the same user lately is not delivered again; it gets the first one's ack.
constexpr std::size_t kMaxSendId = 64;

/// {"type":"broadcast","room":…,"message":…,"sender_id":…,"id":…}; the seed's client sends
/// sender_id (the server refuses one that is not the session's own).
struct Broadcast {
  std::string room = "lobby";
  std::string message;
  std::optional<std::int64_t> sender_id;
  std::string id;  ///< the send's id; empty: none
  friend bool operator==(const Broadcast&, const Broadcast&) = default;
};

/// {"type":"join","room":…,"private":…}; "private":true asks for a new invite-only room owned
/// by the sender (--auth accounts, registered users).
struct Join {
  std::string room;
  bool is_private = false;
  friend bool operator==(const Join&, const Join&) = default;
};

/// {"type":"leave","room":…}
struct Leave {
  std::string room;
  friend bool operator==(const Leave&, const Leave&) = default;
};

/// {"type":"direct","to":…,"message":…,"id":…}; `to` is any string (an unknown or impossible
/// nickname is the server's no_such_user).
struct Direct {
  std::string to;
  std::string message;
  std::string id;  ///< the send's id (see Broadcast::id); empty: none
  friend bool operator==(const Direct&, const Direct&) = default;
};

/// {"type":"invite"|"kick","room":…,"nickname":…}: the owner of a private room lets a
/// registered user in, or takes one off its list (and out of the room).
struct Invite {
  std::string room;
  std::string nickname;
  friend bool operator==(const Invite&, const Invite&) = default;
};
struct Kick {
  std::string room;
  std::string nickname;
  friend bool operator==(const Kick&, const Kick&) = default;
};

/// {"type":"who","room":…}
struct Who {
  std::string room = "lobby";
  friend bool operator==(const Who&, const Who&) = default;
};

/// {"type":"rooms"}
struct Rooms {
  friend bool operator==(const Rooms&, const Rooms&) = default;
};

/// {"type":"history","room":…,"limit":…,"before":…}
struct History {
  static constexpr std::size_t kDefaultLimit = 50;
  static constexpr std::size_t kMaxLimit = 500;

  std::string room = "lobby";
  std::size_t limit = kDefaultLimit;   ///< Clamped to 1..kMaxLimit.
  std::optional<std::int64_t> before;  ///< Only messages with a smaller seq.
  friend bool operator==(const History&, const History&) = default;
};

/// {"type":"ping"}
struct Ping {
  friend bool operator==(const Ping&, const Ping&) = default;
};

/// {"type":"logout"}
struct Logout {
  friend bool operator==(const Logout&, const Logout&) = default;
};

/// Any request a client may send. Plain values.
using Request = std::variant<Login, Broadcast, Join, Leave, Direct, Who, Rooms, History, Ping,
                             Logout, Invite, Kick>;

/// Limits the parser enforces. A plain value.
struct Limits {
  std::size_t max_message_bytes = 4096;  ///< Longest "message", in UTF-8 bytes.
};

/// The outcome of parse_request: a request, or an error to answer with. A plain value.
struct Parsed {
  std::optional<Request> request;  ///< Set exactly when `error` is not.
  /// The "req" value as JSON text (a number, or a string with its quotes), ready for the
  /// encoders; empty when the request had none, or none that was valid. Filled on errors too.
  std::string req;
  std::optional<Errc> error;
  std::string error_message;  ///< Says what was wrong; never quotes the client's text.
};

/// Parses one frame (one JSON object) into a request. Errors: bad_json (not JSON),
/// bad_request (not an object; "type" missing or not a string; a field of the wrong type or
/// missing; "req" neither number nor string; invalid UTF-8 in any string or key),
/// unknown_type, nickname_invalid, room_invalid, message_too_long (and an empty message is a
/// bad_request). Unknown fields are ignored; null counts as absent for the optional fields
/// room, sender_id, limit and before (the seed's client sends "sender_id": null before it
/// knows its id). Integer fields take JSON integers only: 5.0 is a bad_request. Pure; thread
/// safe.
Parsed parse_request(std::string_view frame, const Limits& limits);

/// Well-formed UTF-8: no overlongs, surrogates, or code points past U+10FFFF. Pure; thread safe.
bool valid_utf8(std::string_view text) noexcept;

/// `text` without the whitespace and invisible characters at either end; ill-formed UTF-8 is
/// returned whole. Pure; thread safe.
std::string_view trim_blank(std::string_view text) noexcept;

/// 1–32 code points of valid UTF-8, no control characters (C0, DEL, C1, and the bidi
/// embedding, override and isolate controls), and not only whitespace or invisible
/// characters. Pure; thread safe.
bool valid_nickname(std::string_view nickname) noexcept;

/// 1–32 code points of valid UTF-8, none of them whitespace, invisible or a control
/// character (as for nicknames). Pure; thread safe.
bool valid_room(std::string_view room) noexcept;

// ---- Answers ----------------------------------------------------------------------------
//
// Each encoder returns one JSON object followed by "\n", keys in the order docs/protocol.md shows. Strings are
// expected to be UTF-8 (what parse_request accepted, or what the store returned). `req` is
// Parsed::req: JSON text of a number or a string, placed as "req" (last, except in ack);
// when empty, or not a JSON number or string, no "req" key is written. All are pure and
// thread safe.

/// {"type":"error","code":…,"message":…,"req":…}
std::string encode_error(Errc code, std::string_view message, std::string_view req = {});
/// The same with the code's wire name as text (a client writing back what it decoded).
std::string encode_error(std::string_view code, std::string_view message, std::string_view req = {});

/// {"type":"login","status":"ok","id":…,"nickname":…,"req":…}
/// `token` (a registered user's resume token) is sent only when not empty.
std::string encode_login_ok(std::int64_t id, std::string_view nickname, std::string_view req = {},
                            std::string_view token = {});

/// {"type":"broadcast","sender_id":…,"sender_nickname":…,"message":…,"room":…,"seq":…,"ts":…}
std::string encode_broadcast(std::int64_t sender_id, std::string_view sender_nickname,
                             std::string_view message, std::string_view room, std::int64_t seq,
                             std::int64_t ts_ms);

/// {"type":"system","sender_id":0,"sender_nickname":"System","message":…,"room":…,"seq":…,
/// "ts":…}
std::string encode_system(std::string_view message, std::string_view room, std::int64_t seq,
                          std::int64_t ts_ms);

/// {"type":"direct","sender_id":…,"sender_nickname":…,"message":…,"ts":…}
std::string encode_direct(std::int64_t sender_id, std::string_view sender_nickname,
                          std::string_view message, std::int64_t ts_ms);

/// {"type":"ack","req":…,"seq":…}
std::string encode_ack(std::string_view req, std::int64_t seq);

/// Which room change encode_room_ok confirms.
enum class RoomAction { join, leave };

/// {"type":"join"|"leave","room":…,"status":"ok","req":…}
std::string encode_room_ok(RoomAction action, std::string_view room, std::string_view req = {});

/// Which change of a private room's list encode_member_ok and encode_member_notice tell.
enum class MemberAction { invite, kick };

/// {"type":"invite"|"kick","room":…,"nickname":…,"status":"ok","req":…}, to the owner.
std::string encode_member_ok(MemberAction action, std::string_view room, std::string_view nickname,
                             std::string_view req = {});

/// {"type":"invited"|"kicked","room":…,"by":…}, to the user invited or removed.
std::string encode_member_notice(MemberAction action, std::string_view room, std::string_view by);

/// {"type":"who","room":…,"users":[{"id":…,"nickname":…},…],"req":…}; `users` are
/// (id, nickname) pairs, in the order given.
std::string encode_who(std::string_view room,
                       const std::vector<std::pair<std::int64_t, std::string>>& users,
                       std::string_view req = {});

/// One room of a `rooms` answer. A plain value.
struct RoomListing {
  std::string room;
  std::size_t members = 0;
  bool is_private = false;  ///< written as "private":true, only when true
  friend bool operator==(const RoomListing&, const RoomListing&) = default;
};

/// {"type":"rooms","rooms":[{"room":…,"members":…},…],"req":…}, in the order given.
std::string encode_rooms(const std::vector<RoomListing>& rooms, std::string_view req = {});

/// {"type":"history","room":…,"messages":[…],"req":…}. `messages` are, oldest first, what
/// encode_broadcast or encode_system returned (a trailing "\n" is dropped); they are spliced
/// in as they are, so they must be exactly such texts. `stored` false adds "stored":false: the
/// server keeps no history (--data none), so the empty list says nothing about the room.
std::string encode_history(std::string_view room, const std::vector<std::string>& messages,
                           std::string_view req = {}, bool stored = true);

/// {"type":"pong","req":…}
std::string encode_pong(std::string_view req = {});

/// {"type":"bye","req":…}
std::string encode_bye(std::string_view req = {});

}  // namespace sockit::chat

// Errc converts to std::error_code (hidden from the API docs).
/// @cond
template <>
struct std::is_error_code_enum<sockit::chat::Errc> : std::true_type {};
/// @endcond
