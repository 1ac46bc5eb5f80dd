#include "sockit/chat/client.hpp"

#include <fmt/core.h>
#include <boost/json.hpp>

namespace sockit::chat {
namespace json = boost::json;

namespace {

std::string request(json::object o) {
  return json::serialize(o) + "\n";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Splits "word rest of line" into {"word", "rest of line"}.
std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
  s = trim(s);
  const auto space = s.find(' ');
  if (space == std::string_view::npos) return {s, {}};
  return {s.substr(0, space), trim(s.substr(space + 1))};
}

std::string str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t num(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : 0;
}

std::string render_room_message(const json::object& m, const std::string& current) {
  const auto room = str(m, "room");
  const std::string where = room == current || room.empty() ? "" : "#" + room + " ";
  if (str(m, "type") == "system") return where + "* " + str(m, "message");
  return fmt::format("{}[{}({})] {}", where, str(m, "sender_nickname"), num(m, "sender_id"),
                     str(m, "message"));
}

const char* kHelp =
    "commands: login NAME | send TEXT | /join ROOM | /private ROOM | /leave [ROOM] | "
    "/invite NICK | /kick NICK | /msg NICK TEXT | /who [ROOM] | /rooms | /history [N] | /quit; "
    "other lines go to the current room";

// A room as the lines about it name it: "#secret".
std::string named(const std::string& room) { return "#" + room; }

}  // namespace

ClientState::Step ClientState::on_input(std::string_view line) {
  Step step;
  line = trim(line);
  if (line.empty()) return step;
  const auto [word, rest] = split_word(line);
  const std::string text(rest);
  if (word == "login" || word == "/login" || word == "/nick") {
    return login(text, std::nullopt);
  } else if (word == "send") {
    step.send.push_back(request({{"type", "broadcast"}, {"room", room_}, {"message", text}}));
  } else if (word == "/join" || word == "/private") {
    const std::string room(text.starts_with('#') ? text.substr(1) : text);  // "#dev" is dev
    json::object join{{"type", "join"}, {"room", room}};
    if (word == "/private") join.emplace("private", true);
    step.send.push_back(request(std::move(join)));
    room_ = room;  // at once, so lines typed right after go to the new room
  } else if (word == "/invite" || word == "/kick") {
    step.send.push_back(request({{"type", word.substr(1)}, {"room", room_}, {"nickname", text}}));
  } else if (word == "/leave") {
    step.send.push_back(request({{"type", "leave"}, {"room", text.empty() ? room_ : text}}));
  } else if (word == "/msg") {
    const auto [to, message] = split_word(rest);
    step.send.push_back(
        request({{"type", "direct"}, {"to", std::string(to)}, {"message", std::string(message)}}));
  } else if (word == "/who") {
    step.send.push_back(request({{"type", "who"}, {"room", text.empty() ? room_ : text}}));
  } else if (word == "/rooms") {
    step.send.push_back(request({{"type", "rooms"}}));
  } else if (word == "/history") {
    const std::int64_t limit = text.empty() ? 20 : std::strtoll(text.c_str(), nullptr, 10);
    step.send.push_back(request({{"type", "history"}, {"room", room_}, {"limit", limit}}));
  } else if (word == "/quit") {
    quitting_ = true;
    step.send.push_back(request({{"type", "logout"}}));
  } else if (word == "/help") {
    step.print.push_back(kHelp);
  } else if (!line.empty() && line.front() == '/') {
    step.print.push_back(fmt::format("unknown command {}; /help lists them", word));
  } else {
    step.send.push_back(
        request({{"type", "broadcast"}, {"room", room_}, {"message", std::string(line)}}));
  }
  return step;
}

ClientState::Step ClientState::login(const std::string& nickname,
                                     const std::optional<std::string>& password) {
  json::object o{{"type", "login"}, {"nickname", nickname}};
  if (password) o.emplace("password", *password);
  Step step;
  step.send.push_back(request(std::move(o)));
  return step;
}

ClientState::Step ClientState::on_message(std::string_view frame) {
  Step step;
  boost::system::error_code ec;
  const auto value = json::parse(frame, ec);
  if (ec || !value.is_object()) {
    step.print.push_back("! the server sent something that is not JSON");
    return step;
  }
  const auto& m = value.as_object();
  const auto type = str(m, "type");
  if (type == "broadcast" || type == "system") {
    step.print.push_back(render_room_message(m, room_));
  } else if (type == "direct") {
    step.print.push_back(fmt::format("[{}({}) -> you] {}", str(m, "sender_nickname"),
                                     num(m, "sender_id"), str(m, "message")));
  } else if (type == "login") {
    logged_in_ = true;
    step.print.push_back(
        fmt::format("* logged in as {} (id {})", str(m, "nickname"), num(m, "id")));
  } else if (type == "join") {
    room_ = str(m, "room");
    step.print.push_back("* now in " + room_);
  } else if (type == "leave") {
    if (str(m, "room") == room_) room_ = "lobby";
    step.print.push_back("* left " + str(m, "room"));
  } else if (type == "who") {
    std::string users;
    if (const auto* list = m.if_contains("users"); list && list->is_array()) {
      for (const auto& u : list->as_array()) {
        if (!u.is_object()) continue;
        users += fmt::format("{}{}({})", users.empty() ? "" : ", ", str(u.as_object(), "nickname"),
                             num(u.as_object(), "id"));
      }
    }
    step.print.push_back("* " + str(m, "room") + ": " + (users.empty() ? "nobody" : users));
  } else if (type == "rooms") {
    std::string rooms;
    if (const auto* list = m.if_contains("rooms"); list && list->is_array()) {
      for (const auto& r : list->as_array()) {
        if (!r.is_object()) continue;
        const auto* is_private = r.as_object().if_contains("private");
        rooms += fmt::format("{}{} ({}{})", rooms.empty() ? "" : ", ", str(r.as_object(), "room"),
                             num(r.as_object(), "members"),
                             is_private && is_private->is_bool() && is_private->as_bool() ? ", private" : "");
      }
    }
    step.print.push_back("* rooms: " + rooms);
  } else if (type == "invite" || type == "kick") {
    step.print.push_back(fmt::format("* {} {} {}", type == "invite" ? "invited" : "removed",
                                     str(m, "nickname"),
                                     (type == "invite" ? "to " : "from ") + named(str(m, "room"))));
  } else if (type == "invited") {
    step.print.push_back(fmt::format("* {} invited you to {} (/join {})", str(m, "by"),
                                     named(str(m, "room")), str(m, "room")));
  } else if (type == "kicked") {
    if (str(m, "room") == room_) room_ = "lobby";
    step.print.push_back(fmt::format("* {} removed you from {}", str(m, "by"), named(str(m, "room"))));
  } else if (type == "history") {
    if (const auto* list = m.if_contains("messages"); list && list->is_array()) {
      for (const auto& h : list->as_array()) {
        if (h.is_object()) step.print.push_back(render_room_message(h.as_object(), room_));
      }
    }
  } else if (type == "error") {
    step.print.push_back(fmt::format("! {}: {}", str(m, "code"), str(m, "message")));
    const auto code = str(m, "code");
    step.quit = code == "frame_too_large" || code == "server_full" || code == "login_timeout" ||
                code == "slow_consumer" || code == "shutting_down";
  } else if (type == "bye") {
    step.print.push_back("* bye");
    step.quit = true;
  } else if (type == "pong") {
    step.print.push_back("* pong");
  }
  return step;
}

}  // namespace sockit::chat
