// The server's messages read back (decode_server_message) and written again through the
// server's own encoders (encode_server_message), so both directions share one format.
#include "sockit/chat/protocol/server_message.hpp"

#include <boost/json.hpp>

#include "sockit/core/overloaded.hpp"

namespace sockit::chat {
namespace {

namespace json = boost::json;

// A field that is missing or of another JSON type makes the whole message unreadable.
struct Unreadable {};

class ReplyFields {
 public:
  explicit ReplyFields(const json::object& o) : o_(o) {}

  std::string text(std::string_view key) const {
    const auto* v = o_.if_contains(key);
    if (!v || !v->is_string()) throw Unreadable{};
    return std::string(v->as_string());
  }
  std::string text_or(std::string_view key, std::string fallback) const {
    return o_.contains(key) ? text(key) : fallback;
  }
  std::int64_t number(std::string_view key) const {
    const auto* v = o_.if_contains(key);
    if (!v || !v->is_int64()) throw Unreadable{};
    return v->as_int64();
  }
  std::int64_t number_or(std::string_view key, std::int64_t fallback) const {
    return o_.contains(key) ? number(key) : fallback;
  }
  const json::array& array(std::string_view key) const {
    const auto* v = o_.if_contains(key);
    if (!v || !v->is_array()) throw Unreadable{};
    return v->as_array();
  }
  bool flag_or(std::string_view key, bool fallback) const {
    const auto* v = o_.if_contains(key);
    if (!v) return fallback;
    if (!v->is_bool()) throw Unreadable{};
    return v->as_bool();
  }
  // "req" as the encoders take it: JSON text of a number or a string; "" when absent.
  std::string req() const {
    const auto* v = o_.if_contains("req");
    if (!v) return {};
    if (!v->is_number() && !v->is_string()) throw Unreadable{};
    return json::serialize(*v);
  }

 private:
  const json::object& o_;
};

const json::object& object_or_throw(const json::value& v) {
  if (!v.is_object()) throw Unreadable{};
  return v.as_object();
}

from_server::RoomMessage read_room_message(const ReplyFields& f, bool system) {
  return {system,         f.number("sender_id"), f.text("sender_nickname"), f.text("message"),
          f.text("room"), f.number("seq"),       f.number_or("ts", 0)};
}

std::vector<std::pair<std::int64_t, std::string>> read_users(const json::array& list) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  for (const auto& u : list) {
    const ReplyFields f(object_or_throw(u));
    out.emplace_back(f.number("id"), f.text("nickname"));
  }
  return out;
}

std::vector<RoomListing> read_listings(const json::array& list) {
  std::vector<RoomListing> out;
  for (const auto& r : list) {
    const ReplyFields f(object_or_throw(r));
    const auto members = f.number("members");
    if (members < 0) throw Unreadable{};
    out.push_back({f.text("room"), static_cast<std::size_t>(members), f.flag_or("private", false)});
  }
  return out;
}

std::vector<from_server::RoomMessage> read_history(const json::array& list) {
  std::vector<from_server::RoomMessage> out;
  for (const auto& m : list) {
    const ReplyFields f(object_or_throw(m));
    const auto type = f.text("type");
    if (type != "broadcast" && type != "system") throw Unreadable{};
    out.push_back(read_room_message(f, type == "system"));
  }
  return out;
}

ServerMessage read_message(const ReplyFields& f) {
  const auto type = f.text("type");
  if (type == "broadcast" || type == "system") return read_room_message(f, type == "system");
  if (type == "direct") {
    return from_server::Direct{f.number("sender_id"), f.text("sender_nickname"), f.text("message"),
                               f.number_or("ts", 0)};
  }
  if (type == "ack") return from_server::Ack{f.req(), f.number("seq")};
  if (type == "error") return from_server::Error{f.text("code"), f.text("message"), f.req()};
  if (type == "login")
    return from_server::Login{f.number("id"), f.text("nickname"), f.text_or("token", {}), f.req()};
  if (type == "join" || type == "leave") {
    return from_server::RoomOk{type == "join" ? RoomAction::join : RoomAction::leave,
                               f.text("room"), f.req()};
  }
  if (type == "invite" || type == "kick") {
    return from_server::MemberOk{type == "invite" ? MemberAction::invite : MemberAction::kick,
                                 f.text("room"), f.text("nickname"), f.req()};
  }
  if (type == "invited" || type == "kicked") {
    return from_server::MemberNotice{type == "invited" ? MemberAction::invite : MemberAction::kick,
                                     f.text("room"), f.text("by")};
  }
  if (type == "who") return from_server::Who{f.text("room"), read_users(f.array("users")), f.req()};
  if (type == "rooms") return from_server::Rooms{read_listings(f.array("rooms")), f.req()};
  if (type == "history") {
    return from_server::History{f.text("room"), read_history(f.array("messages")),
                                f.flag_or("stored", true), f.req()};
  }
  if (type == "pong") return from_server::Pong{f.req()};
  if (type == "bye") return from_server::Bye{f.req()};
  throw Unreadable{};
}

std::string write_room_message(const from_server::RoomMessage& m) {
  return m.system
             ? encode_system(m.message, m.room, m.seq, m.ts_ms)
             : encode_broadcast(m.sender_id, m.sender_nickname, m.message, m.room, m.seq, m.ts_ms);
}

}  // namespace

std::optional<ServerMessage> decode_server_message(std::string_view line) {
  json::error_code ec;
  const json::value value = json::parse(line, ec);
  if (ec) return std::nullopt;
  try {
    return read_message(ReplyFields(object_or_throw(value)));
  } catch (const Unreadable&) {
    return std::nullopt;
  }
}

std::string encode_server_message(const ServerMessage& message) {
  return std::visit(
      Overloaded{
          [](const from_server::Error& m) {
            return encode_error(std::string_view(m.code), m.message, m.req);
          },
          [](const from_server::Login& m) {
            return encode_login_ok(m.id, m.nickname, m.req, m.token);
          },
          [](const from_server::RoomMessage& m) { return write_room_message(m); },
          [](const from_server::Direct& m) {
            return encode_direct(m.sender_id, m.sender_nickname, m.message, m.ts_ms);
          },
          [](const from_server::Ack& m) { return encode_ack(m.req, m.seq); },
          [](const from_server::RoomOk& m) { return encode_room_ok(m.action, m.room, m.req); },
          [](const from_server::MemberOk& m) {
            return encode_member_ok(m.action, m.room, m.nickname, m.req);
          },
          [](const from_server::MemberNotice& m) {
            return encode_member_notice(m.action, m.room, m.by);
          },
          [](const from_server::Who& m) { return encode_who(m.room, m.users, m.req); },
          [](const from_server::Rooms& m) { return encode_rooms(m.rooms, m.req); },
          [](const from_server::History& m) {
            std::vector<std::string> lines;
            lines.reserve(m.messages.size());
            for (const auto& r : m.messages) lines.push_back(write_room_message(r));
            return encode_history(m.room, lines, m.req, m.stored);
          },
          [](const from_server::Pong& m) { return encode_pong(m.req); },
          [](const from_server::Bye& m) { return encode_bye(m.req); },
      },
      message);
}

}  // namespace sockit::chat
