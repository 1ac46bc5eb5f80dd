#include "sockit/chat/client.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/core.h>
#include <boost/json.hpp>

#include "sockit/core/clock.hpp"

namespace sockit::chat {
namespace json = boost::json;

namespace {

constexpr std::size_t kSeenPerRoom = 2000;
constexpr std::int64_t kCatchUp = 100;  // messages asked for per room after a reconnect

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

// The array under `key`; an empty one when there is none.
const json::array& items(const json::object& o, std::string_view key) {
  static const json::array kNone;
  const auto* v = o.if_contains(key);
  return v && v->is_array() ? v->as_array() : kNone;
}

// The request id of an answer, if it is one of ours (a number).
std::optional<std::int64_t> req_of(const json::object& o) {
  const auto* v = o.if_contains("req");
  if (v && v->is_int64()) return v->as_int64();
  return std::nullopt;
}

const char* kHelp =
    "commands: login NAME | send TEXT | /join ROOM | /private ROOM | /leave [ROOM] | "
    "/invite NICK | /kick NICK | /msg NICK TEXT | /who [ROOM] | /rooms | /history [N] | /quit; "
    "other lines go to the current room";

const std::vector<std::string> kCommands{"/help",  "/history", "/invite", "/join", "/kick", "/leave",
                                         "/msg",   "/private", "/quit",   "/rooms", "/who"};

// A room as the lines about it name it: "#secret".
std::string named(const std::string& room) { return "#" + room; }

std::string room_arg(std::string_view text) {  // "#dev" is dev
  return std::string(text.starts_with('#') ? text.substr(1) : text);
}

}  // namespace

std::string clock_time(std::int64_t ts_ms, std::int64_t now_ms) {
  const std::time_t t = static_cast<std::time_t>(ts_ms / 1000);
  const std::time_t now = static_cast<std::time_t>(now_ms / 1000);
  std::tm at{}, today{};
  localtime_r(&t, &at);
  localtime_r(&now, &today);
  char text[32];
  const bool same_day = at.tm_year == today.tm_year && at.tm_yday == today.tm_yday;
  std::strftime(text, sizeof text, same_day ? "%H:%M" : "%Y-%m-%d %H:%M", &at);
  return text;
}

void ClientState::Seen::add(std::int64_t seq) {
  seqs.insert(seq);
  if (seqs.size() > kSeenPerRoom) seqs.erase(seqs.begin());
}

std::string ClientState::nick(const std::string& name, std::int64_t id) const {
  const auto label = fmt::format("{}({})", name, id);
  if (!style_.color) return label;
  static constexpr int kColours[] = {31, 32, 33, 34, 35, 36};  // never the terminal's own colour
  const auto colour = kColours[std::hash<std::string>{}(name) % std::size(kColours)];
  return fmt::format("\33[{}m{}\33[0m", colour, label);
}

// A room's message or notice as a line: time, room when not the current one, sender, text.
std::string ClientState::room_line(const json::object& m) {
  const auto room = str(m, "room");
  const auto when = clock_time(num(m, "ts") ? num(m, "ts") : unix_time_ms(), unix_time_ms());
  const std::string where = room == room_ || room.empty() ? "" : named(room) + " ";
  if (str(m, "type") == "system") return fmt::format("{} {}* {}", when, where, str(m, "message"));
  const auto sender = str(m, "sender_nickname");
  nicknames_.insert(sender);
  return fmt::format("{} {}[{}] {}", when, where, nick(sender, num(m, "sender_id")), str(m, "message"));
}

// Sends a broadcast (to `room`) or a direct message (to `to`) with a req; it is shown when
// acknowledged.
std::string ClientState::send_message(Step& step, std::string room, std::string to, std::string text) {
  const auto req = next_req_++;
  json::object o = room.empty() ? json::object{{"type", "direct"}, {"to", to}, {"message", text}}
                                : json::object{{"type", "broadcast"}, {"room", room}, {"message", text}};
  o.emplace("req", req);
  pending_.emplace(req, Pending{std::move(room), std::move(to), std::move(text)});
  auto r = request(std::move(o));
  step.send.push_back(r);
  return r;
}

ClientState::Step ClientState::on_input(std::string_view line) {
  Step step;
  line = trim(line);
  if (line.empty()) return step;
  const auto [word, rest] = split_word(line);
  const std::string text(rest);
  if (word == "login" || word == "/login" || word == "/nick") {
    return login(text, std::nullopt);
  } else if (word == "send") {
    send_message(step, room_, {}, text);
  } else if (word == "/join" || word == "/private") {
    const std::string room = room_arg(text);
    json::object join{{"type", "join"}, {"room", room}};
    if (word == "/private") join.emplace("private", true);
    step.send.push_back(request(std::move(join)));
    room_ = room;  // at once, so lines typed right after go to the new room
  } else if (word == "/invite" || word == "/kick") {
    step.send.push_back(request({{"type", word.substr(1)}, {"room", room_}, {"nickname", text}}));
  } else if (word == "/leave") {
    step.send.push_back(request({{"type", "leave"}, {"room", text.empty() ? room_ : room_arg(text)}}));
  } else if (word == "/msg") {
    const auto [to, message] = split_word(rest);
    send_message(step, {}, std::string(to), std::string(message));
  } else if (word == "/who") {
    step.send.push_back(request({{"type", "who"}, {"room", text.empty() ? room_ : room_arg(text)}}));
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
    send_message(step, room_, {}, std::string(line));
  }
  return step;
}

ClientState::Step ClientState::login(const std::string& nickname,
                                     const std::optional<std::string>& password) {
  json::object o{{"type", "login"}, {"nickname", nickname}};
  if (password) o.emplace("password", *password);
  nickname_ = nickname;
  password_ = password;
  Step step;
  step.send.push_back(request(std::move(o)));
  return step;
}

ClientState::Step ClientState::connection_lost() {
  Step step;
  for (const auto& [req, p] : pending_) {
    step.print.push_back(fmt::format("! not sent (the connection was lost): {}", p.text));
  }
  pending_.clear();
  logged_in_ = false;
  for (const auto& room : joined_) {  // after the reconnect, only what came later is shown
    const auto& seqs = seen_[room].seqs;
    catch_up_[room] = seqs.empty() ? 0 : *seqs.rbegin();
  }
  return step;
}

ClientState::Step ClientState::reconnected() {
  if (nickname_.empty() || quitting_) return {};
  resuming_ = true;
  return login(nickname_, password_);
}

// History, framed, without what is on screen already.
void ClientState::history(Step& step, const json::object& m) {
  const auto room = str(m, "room");
  if (const auto* stored = m.if_contains("stored"); stored && stored->is_bool() && !stored->as_bool()) {
    step.print.push_back("* this server keeps no history (it runs with --data none)");
    return;
  }
  auto& seen = seen_[room];
  const auto catch_up = catch_up_.find(room);  // the answer to a reconnect's question
  const std::int64_t after = catch_up == catch_up_.end() ? -1 : catch_up->second;
  if (catch_up != catch_up_.end()) catch_up_.erase(catch_up);
  std::vector<std::string> lines;
  std::size_t shown_before = 0;
  for (const auto& h : items(m, "messages")) {
    if (!h.is_object()) continue;
    const auto seq = num(h.as_object(), "seq");
    if (seq && (seen.seqs.contains(seq) || seq <= after)) {
      ++shown_before;
      continue;
    }
    if (seq) seen.add(seq);
    lines.push_back(room_line(h.as_object()));
  }
  if (after >= 0) {  // a catch-up: what was missed, or nothing at all
    if (lines.empty()) return;
    step.print.push_back(fmt::format("— missed in {} while away —", named(room)));
    step.print.insert(step.print.end(), lines.begin(), lines.end());
    step.print.push_back("— live —");
    return;
  }
  if (lines.empty()) {
    step.print.push_back(shown_before ? fmt::format("* {}: nothing new; the last {} are on screen", named(room), shown_before)
                                      : fmt::format("* {}: no history", named(room)));
    return;
  }
  step.print.push_back(fmt::format("— history of {} —", named(room)));
  step.print.insert(step.print.end(), lines.begin(), lines.end());
  step.print.push_back("— live —");
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
  const auto now = unix_time_ms();
  if (type == "broadcast" || type == "system") {
    if (const auto seq = num(m, "seq")) seen_[str(m, "room")].add(seq);
    step.print.push_back(room_line(m));
  } else if (type == "direct") {
    const auto line = fmt::format("{} [{} -> you] {}", clock_time(num(m, "ts") ? num(m, "ts") : now, now),
                                  nick(str(m, "sender_nickname"), num(m, "sender_id")), str(m, "message"));
    nicknames_.insert(str(m, "sender_nickname"));
    step.print.push_back(style_.color ? "\33[7m" + line + "\33[0m" : line);
    step.bell = true;
  } else if (type == "ack") {
    const auto req = req_of(m);
    const auto it = req ? pending_.find(*req) : pending_.end();
    if (it == pending_.end()) return step;
    const auto& p = it->second;
    if (const auto seq = num(m, "seq"); seq && !p.room.empty()) seen_[p.room].add(seq);
    const std::string where = p.room.empty() || p.room == room_ ? "" : named(p.room) + " ";
    const auto who = p.room.empty() ? "you -> " + p.to : std::string("you");
    const auto line = fmt::format("{} {}[{}] {}", clock_time(now, now), where, who, p.text);
    step.print.push_back(style_.color ? "\33[1m" + line + "\33[0m" : line);
    pending_.erase(it);
  } else if (type == "login") {
    logged_in_ = true;
    nickname_ = str(m, "nickname");
    nicknames_.insert(nickname_);
    step.print.push_back(fmt::format("* logged in as {} (id {})", str(m, "nickname"), num(m, "id")));
    if (resuming_) {
      resuming_ = false;
      step.print.back() += "; back after a lost connection";
      for (const auto& room : joined_) {
        if (room != "lobby") {
          rejoining_.insert(room);
          step.send.push_back(request({{"type", "join"}, {"room", room}}));
        }
        step.send.push_back(request({{"type", "history"}, {"room", room}, {"limit", kCatchUp}}));
      }
    } else {
      joined_ = {"lobby"};
    }
  } else if (type == "join") {
    const auto room = str(m, "room");
    joined_.insert(room);
    rooms_.insert(room);
    if (rejoining_.erase(room)) return step;  // back in it; the current room stays
    room_ = room;
    step.print.push_back("* now in " + room_);
  } else if (type == "leave") {
    joined_.erase(str(m, "room"));
    if (str(m, "room") == room_) room_ = "lobby";
    step.print.push_back("* left " + str(m, "room"));
  } else if (type == "who") {
    std::string users;
    for (const auto& u : items(m, "users")) {
      if (!u.is_object()) continue;
      nicknames_.insert(str(u.as_object(), "nickname"));
      users += fmt::format("{}{}", users.empty() ? "" : ", ", nick(str(u.as_object(), "nickname"), num(u.as_object(), "id")));
    }
    step.print.push_back("* " + str(m, "room") + ": " + (users.empty() ? "nobody" : users));
  } else if (type == "rooms") {
    std::string rooms;
    for (const auto& r : items(m, "rooms")) {
      if (!r.is_object()) continue;
      const auto* is_private = r.as_object().if_contains("private");
      rooms_.insert(str(r.as_object(), "room"));
      rooms += fmt::format("{}{} ({}{})", rooms.empty() ? "" : ", ", str(r.as_object(), "room"),
                           num(r.as_object(), "members"),
                           is_private && is_private->is_bool() && is_private->as_bool() ? ", private" : "");
    }
    step.print.push_back("* rooms: " + rooms);
  } else if (type == "invite" || type == "kick") {
    step.print.push_back(fmt::format("* {} {} {}", type == "invite" ? "invited" : "removed",
                                     str(m, "nickname"),
                                     (type == "invite" ? "to " : "from ") + named(str(m, "room"))));
  } else if (type == "invited") {
    step.print.push_back(fmt::format("* {} invited you to {} (/join {})", str(m, "by"),
                                     named(str(m, "room")), str(m, "room")));
    step.bell = true;
  } else if (type == "kicked") {
    joined_.erase(str(m, "room"));
    if (str(m, "room") == room_) room_ = "lobby";
    step.print.push_back(fmt::format("* {} removed you from {}", str(m, "by"), named(str(m, "room"))));
  } else if (type == "history") {
    history(step, m);
  } else if (type == "error") {
    const auto code = str(m, "code");
    const auto req = req_of(m);
    if (const auto it = req ? pending_.find(*req) : pending_.end(); it != pending_.end()) {
      step.print.push_back(fmt::format("! not sent: {} ({}: {})", it->second.text, code, str(m, "message")));
      pending_.erase(it);
    } else {
      step.print.push_back(fmt::format("! {}: {}", code, str(m, "message")));
    }
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

std::vector<std::string> ClientState::complete(std::string_view before, std::string_view word) const {
  std::vector<std::string> out;
  const auto add = [&](const std::string& candidate) {
    if (candidate.starts_with(word) && candidate != word) out.push_back(candidate);
  };
  if (trim(before).empty() && word.starts_with('/')) {
    for (const auto& c : kCommands) add(c);
    return out;
  }
  const auto command = split_word(before).first;
  const bool wants_room = command == "/join" || command == "/leave" || command == "/who" || word.starts_with('#');
  for (const auto& room : rooms_) add(word.starts_with('#') ? named(room) : room);
  for (const auto& room : joined_) add(word.starts_with('#') ? named(room) : room);
  if (!wants_room) {
    for (const auto& n : nicknames_) add(n);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace sockit::chat
