#include "sockit/chat/client/client.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <random>

#include <fmt/core.h>
#include <boost/json.hpp>

#include "sockit/chat/protocol/server_message.hpp"
#include "sockit/core/clock.hpp"
#include "sockit/core/overloaded.hpp"

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

// The id of one of our requests (we number them) from an answer's "req" text.
std::optional<std::int64_t> our_req(const std::string& req) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(req.data(), req.data() + req.size(), n);
  if (ec != std::errc() || end != req.data() + req.size()) return std::nullopt;
  return n;
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
std::string ClientState::room_line(const from_server::RoomMessage& m) {
  const auto now = unix_time_ms();
  const auto when = clock_time(m.ts_ms ? m.ts_ms : now, now);
  const std::string where = m.room == room_ || m.room.empty() ? "" : named(m.room) + " ";
  if (m.system) return fmt::format("{} {}* {}", when, where, m.message);
  nicknames_.insert(m.sender_nickname);
  return fmt::format("{} {}[{}] {}", when, where, nick(m.sender_nickname, m.sender_id), m.message);
}

ClientState::ClientState(ClientStyle style) : style_(style) {
  std::random_device random;
  send_prefix_ = fmt::format("{:08x}{:08x}", random(), random());
}

// Sends a broadcast (to `room`) or a direct message (to `to`) with a req and a send id; it is
// shown when acknowledged.
std::string ClientState::send_message(Step& step, std::string room, std::string to, std::string text) {
  const auto req = next_req_++;
  Pending p{std::move(room), std::move(to), std::move(text), fmt::format("{}-{}", send_prefix_, ++sends_)};
  auto r = encode_send(req, p);
  pending_.emplace(req, std::move(p));
  step.send.push_back(r);
  return r;
}

std::string ClientState::encode_send(std::int64_t req, const Pending& p) {
  json::object o = p.room.empty() ? json::object{{"type", "direct"}, {"to", p.to}, {"message", p.text}}
                                  : json::object{{"type", "broadcast"}, {"room", p.room}, {"message", p.text}};
  o.emplace("id", p.id);
  o.emplace("req", req);
  return request(std::move(o));
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

// What was not acknowledged is kept: sent again, with its id, once logged in again (the server
// delivers an id once).
ClientState::Step ClientState::connection_lost() {
  Step step;
  for (const auto& [req, p] : pending_) {
    step.print.push_back(fmt::format("! not confirmed (the connection was lost): {}; sent again on reconnect", p.text));
  }
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
void ClientState::history(Step& step, const from_server::History& m) {
  const auto& room = m.room;
  if (!m.stored) {
    step.print.push_back("* this server keeps no history (it runs with --data none)");
    return;
  }
  auto& seen = seen_[room];
  const auto catch_up = catch_up_.find(room);  // the answer to a reconnect's question
  const std::int64_t after = catch_up == catch_up_.end() ? -1 : catch_up->second;
  if (catch_up != catch_up_.end()) catch_up_.erase(catch_up);
  std::vector<std::string> lines;
  std::size_t shown_before = 0;
  for (const auto& h : m.messages) {
    if (h.seq && (seen.seqs.contains(h.seq) || h.seq <= after)) {
      ++shown_before;
      continue;
    }
    if (h.seq) seen.add(h.seq);
    lines.push_back(room_line(h));
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
  const auto message = decode_server_message(frame);
  if (!message) {
    step.print.push_back("! the server sent something this client cannot read");
    return step;
  }
  std::visit(Overloaded{[&](const from_server::RoomMessage& m) { on_room_message(step, m); },
                        [&](const from_server::Direct& m) { on_direct(step, m); },
                        [&](const from_server::Ack& m) { on_ack(step, m); },
                        [&](const from_server::Login& m) { on_login(step, m); },
                        [&](const from_server::RoomOk& m) { on_room_ok(step, m); },
                        [&](const from_server::Who& m) { on_who(step, m); },
                        [&](const from_server::Rooms& m) { on_rooms(step, m); },
                        [&](const from_server::MemberOk& m) { on_member_ok(step, m); },
                        [&](const from_server::MemberNotice& m) { on_member_notice(step, m); },
                        [&](const from_server::History& m) { history(step, m); },
                        [&](const from_server::Error& m) { on_error(step, m); },
                        [&](const from_server::Bye&) {
                          step.print.push_back("* bye");
                          step.quit = true;
                        },
                        [&](const from_server::Pong&) { step.print.push_back("* pong"); }},
             *message);
  return step;
}

void ClientState::on_room_message(Step& step, const from_server::RoomMessage& m) {
  if (m.seq) seen_[m.room].add(m.seq);
  step.print.push_back(room_line(m));
}

void ClientState::on_direct(Step& step, const from_server::Direct& m) {
  const auto now = unix_time_ms();
  const auto line = fmt::format("{} [{} -> you] {}", clock_time(m.ts_ms ? m.ts_ms : now, now),
                                nick(m.sender_nickname, m.sender_id), m.message);
  nicknames_.insert(m.sender_nickname);
  step.print.push_back(style_.color ? "\33[7m" + line + "\33[0m" : line);
  step.bell = true;
}

void ClientState::on_ack(Step& step, const from_server::Ack& m) {
  const auto req = our_req(m.req);
  const auto it = req ? pending_.find(*req) : pending_.end();
  if (it == pending_.end()) return;
  const auto& p = it->second;
  if (m.seq && !p.room.empty()) seen_[p.room].add(m.seq);
  const std::string where = p.room.empty() || p.room == room_ ? "" : named(p.room) + " ";
  const auto who = p.room.empty() ? "you -> " + p.to : std::string("you");
  const auto now = unix_time_ms();
  const auto line = fmt::format("{} {}[{}] {}", clock_time(now, now), where, who, p.text);
  step.print.push_back(style_.color ? "\33[1m" + line + "\33[0m" : line);
  pending_.erase(it);
}

void ClientState::on_login(Step& step, const from_server::Login& m) {
  logged_in_ = true;
  nickname_ = m.nickname;
  nicknames_.insert(nickname_);
  step.print.push_back(fmt::format("* logged in as {} (id {})", m.nickname, m.id));
  if (!resuming_) {
    joined_ = {"lobby"};
    return;
  }
  resuming_ = false;
  step.print.back() += "; back after a lost connection";
  for (const auto& room : joined_) {
    if (room != "lobby") {
      rejoining_.insert(room);
      step.send.push_back(request({{"type", "join"}, {"room", room}}));
    }
    step.send.push_back(request({{"type", "history"}, {"room", room}, {"limit", kCatchUp}}));
  }
  for (const auto& [req, p] : pending_) step.send.push_back(encode_send(req, p));
}

void ClientState::on_room_ok(Step& step, const from_server::RoomOk& m) {
  if (m.action == RoomAction::leave) {
    joined_.erase(m.room);
    if (m.room == room_) room_ = "lobby";
    step.print.push_back("* left " + m.room);
    return;
  }
  joined_.insert(m.room);
  rooms_.insert(m.room);
  if (rejoining_.erase(m.room)) return;  // back in it; the current room stays
  room_ = m.room;
  step.print.push_back("* now in " + room_);
}

void ClientState::on_who(Step& step, const from_server::Who& m) {
  std::string users;
  for (const auto& [id, nickname] : m.users) {
    nicknames_.insert(nickname);
    users += fmt::format("{}{}", users.empty() ? "" : ", ", nick(nickname, id));
  }
  step.print.push_back("* " + m.room + ": " + (users.empty() ? "nobody" : users));
}

void ClientState::on_rooms(Step& step, const from_server::Rooms& m) {
  std::string rooms;
  for (const auto& r : m.rooms) {
    rooms_.insert(r.room);
    rooms += fmt::format("{}{} ({}{})", rooms.empty() ? "" : ", ", r.room, r.members,
                         r.is_private ? ", private" : "");
  }
  step.print.push_back("* rooms: " + rooms);
}

void ClientState::on_member_ok(Step& step, const from_server::MemberOk& m) {
  const bool invite = m.action == MemberAction::invite;
  step.print.push_back(fmt::format("* {} {} {}", invite ? "invited" : "removed", m.nickname,
                                   (invite ? "to " : "from ") + named(m.room)));
}

void ClientState::on_member_notice(Step& step, const from_server::MemberNotice& m) {
  if (m.action == MemberAction::invite) {
    step.print.push_back(fmt::format("* {} invited you to {} (/join {})", m.by, named(m.room), m.room));
    step.bell = true;
    return;
  }
  joined_.erase(m.room);
  if (m.room == room_) room_ = "lobby";
  step.print.push_back(fmt::format("* {} removed you from {}", m.by, named(m.room)));
}

void ClientState::on_error(Step& step, const from_server::Error& m) {
  const auto req = our_req(m.req);
  if (const auto it = req ? pending_.find(*req) : pending_.end(); it != pending_.end()) {
    step.print.push_back(fmt::format("! not sent: {} ({}: {})", it->second.text, m.code, m.message));
    pending_.erase(it);
  } else {
    step.print.push_back(fmt::format("! {}: {}", m.code, m.message));
  }
  step.quit = m.code == "frame_too_large" || m.code == "server_full" || m.code == "login_timeout" ||
              m.code == "slow_consumer" || m.code == "shutting_down";
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
