// The encoders of every answer of the chat protocol: Boost.JSON builds and escapes each object,
// keys in the order docs/protocol.md shows, and each text ends with "\n".
#include <boost/json.hpp>

#include "sockit/chat/protocol/protocol.hpp"

namespace sockit::chat {
namespace {

namespace json = boost::json;

// `req` as a JSON value, or nullopt when it is empty or not a JSON number or string.
std::optional<json::value> req_value(std::string_view req) {
  if (req.empty()) return std::nullopt;
  json::error_code ec;
  json::value value = json::parse(req, ec);
  if (ec || !(value.is_number() || value.is_string())) return std::nullopt;
  return value;
}

void put_req(json::object& object, std::string_view req) {
  if (auto value = req_value(req)) object.emplace("req", std::move(*value));
}

std::string finish(const json::object& object) {
  std::string text = json::serialize(object);
  text += '\n';
  return text;
}

std::string finish_with_req(json::object object, std::string_view req) {
  put_req(object, req);
  return finish(object);
}

json::object message_object(std::string_view type, std::int64_t sender_id,
                            std::string_view sender_nickname, std::string_view message) {
  return json::object{{"type", type},
                      {"sender_id", sender_id},
                      {"sender_nickname", sender_nickname},
                      {"message", message}};
}

std::string room_message(std::string_view type, std::int64_t sender_id,
                         std::string_view sender_nickname, std::string_view message,
                         std::string_view room, std::int64_t seq, std::int64_t ts_ms) {
  json::object object = message_object(type, sender_id, sender_nickname, message);
  object.emplace("room", room);
  object.emplace("seq", seq);
  object.emplace("ts", ts_ms);
  return finish(object);
}

std::string_view without_newline(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return text;
}

}  // namespace

std::string encode_error(Errc code, std::string_view message, std::string_view req) {
  return encode_error(code_name(code), message, req);
}

std::string encode_error(std::string_view code, std::string_view message, std::string_view req) {
  return finish_with_req(json::object{{"type", "error"}, {"code", code}, {"message", message}}, req);
}

std::string encode_login_ok(std::int64_t id, std::string_view nickname, std::string_view req,
                            std::string_view token) {
  json::object object{{"type", "login"}, {"status", "ok"}, {"id", id}, {"nickname", nickname}};
  if (!token.empty()) object["token"] = token;
  return finish_with_req(std::move(object), req);
}

std::string encode_broadcast(std::int64_t sender_id, std::string_view sender_nickname,
                             std::string_view message, std::string_view room, std::int64_t seq,
                             std::int64_t ts_ms) {
  return room_message("broadcast", sender_id, sender_nickname, message, room, seq, ts_ms);
}

std::string encode_system(std::string_view message, std::string_view room, std::int64_t seq,
                          std::int64_t ts_ms) {
  return room_message("system", 0, "System", message, room, seq, ts_ms);
}

std::string encode_direct(std::int64_t sender_id, std::string_view sender_nickname,
                          std::string_view message, std::int64_t ts_ms) {
  json::object object = message_object("direct", sender_id, sender_nickname, message);
  object.emplace("ts", ts_ms);
  return finish(object);
}

std::string encode_ack(std::string_view req, std::int64_t seq) {
  json::object object{{"type", "ack"}};
  put_req(object, req);
  object.emplace("seq", seq);
  return finish(object);
}

std::string encode_room_ok(RoomAction action, std::string_view room, std::string_view req) {
  const std::string_view type = action == RoomAction::join ? "join" : "leave";
  return finish_with_req(json::object{{"type", type}, {"room", room}, {"status", "ok"}}, req);
}

std::string encode_who(std::string_view room,
                       const std::vector<std::pair<std::int64_t, std::string>>& users,
                       std::string_view req) {
  json::array list;
  list.reserve(users.size());
  for (const auto& [id, nickname] : users) {
    list.emplace_back(json::object{{"id", id}, {"nickname", nickname}});
  }
  return finish_with_req(json::object{{"type", "who"}, {"room", room}, {"users", std::move(list)}},
                         req);
}

std::string encode_member_ok(MemberAction action, std::string_view room, std::string_view nickname,
                             std::string_view req) {
  const std::string_view type = action == MemberAction::invite ? "invite" : "kick";
  return finish_with_req(
      json::object{{"type", type}, {"room", room}, {"nickname", nickname}, {"status", "ok"}}, req);
}

std::string encode_member_notice(MemberAction action, std::string_view room, std::string_view by) {
  const std::string_view type = action == MemberAction::invite ? "invited" : "kicked";
  return finish(json::object{{"type", type}, {"room", room}, {"by", by}});
}

std::string encode_rooms(const std::vector<RoomListing>& rooms, std::string_view req) {
  json::array list;
  list.reserve(rooms.size());
  for (const auto& r : rooms) {
    json::object entry{{"room", r.room}, {"members", r.members}};
    if (r.is_private) entry.emplace("private", true);
    list.emplace_back(std::move(entry));
  }
  return finish_with_req(json::object{{"type", "rooms"}, {"rooms", std::move(list)}}, req);
}

std::string encode_history(std::string_view room, const std::vector<std::string>& messages,
                           std::string_view req, bool stored) {
  std::string text = json::serialize(json::object{{"type", "history"}, {"room", room}});
  text.pop_back();  // the closing '}'; "messages" and "req" follow
  text += ",\"messages\":[";
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) text += ',';
    text += without_newline(messages[i]);
  }
  text += ']';
  if (!stored) text += ",\"stored\":false";
  if (auto value = req_value(req)) text += ",\"req\":" + json::serialize(*value);
  text += "}\n";
  return text;
}

std::string encode_pong(std::string_view req) {
  return finish_with_req(json::object{{"type", "pong"}}, req);
}

std::string encode_bye(std::string_view req) {
  return finish_with_req(json::object{{"type", "bye"}}, req);
}

}  // namespace sockit::chat
