#include "chat/cluster/cluster_wire.hpp"

#include <fmt/core.h>

#include <charconv>
#include <vector>

#include <boost/url/parse.hpp>

#include "sockit/chat/protocol/protocol.hpp"

namespace sockit::chat::cluster {
namespace {

template <typename T>
bool number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

// Splits off the text up to the next space.
std::string_view field(std::string_view& rest) {
  const auto space = rest.find(' ');
  const auto f = rest.substr(0, space);
  rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
  return f;
}

}  // namespace

std::optional<RedisAddress> parse_redis_url(std::string_view url) {
  const auto u = boost::urls::parse_uri(url);
  if (!u || u->scheme() != "redis" || !u->has_authority() || u->host().empty()) return std::nullopt;
  if (u->has_userinfo() || u->has_query() || u->has_fragment()) return std::nullopt;
  RedisAddress a;
  a.host = u->host_address();
  if (u->has_port() && (!number(u->port(), a.port) || a.port == 0)) return std::nullopt;
  const std::string_view path = u->encoded_path();
  if (!path.empty() && path != "/") {
    if (!number(path.substr(1), a.db) || a.db < 0) return std::nullopt;
  }
  return a;
}

std::string to_string(const RedisAddress& a) {
  const bool v6 = a.host.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}/{}", v6 ? "[" : "", a.host, v6 ? "]" : "", a.port, a.db);
}

std::size_t instance_for_room(std::string_view room, std::size_t n) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : room) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return n == 0 ? 0 : static_cast<std::size_t>(h % n);
}

std::string seq_key(std::string_view room) { return fmt::format("sockit:seq:{}", room); }
std::string log_key(std::string_view room) { return fmt::format("sockit:log:{}", room); }
std::string members_key(std::string_view room) { return fmt::format("sockit:members:{}", room); }
std::string seats_key(std::string_view node) { return fmt::format("sockit:seats:{}", node); }
std::string nick_key(std::string_view key) { return fmt::format("sockit:nick:{}", key); }
std::string nicks_key(std::string_view node) { return fmt::format("sockit:nicks:{}", node); }
std::string node_channel(std::string_view node) { return fmt::format("sockit:node:{}", node); }
std::string room_channel(std::string_view room) { return fmt::format("{}{}", kRoomChannelPrefix, room); }

std::optional<RoomMessage> parse_room_message(std::string_view payload) {
  const auto nl = payload.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  std::string_view head = payload.substr(0, nl);
  std::string_view body = payload.substr(nl + 1);
  RoomMessage m;
  std::size_t room_len = 0;
  std::size_t nick_len = 0;
  if (!number(field(head), m.seq) || !number(field(head), m.ts_ms) ||
      !number(field(head), m.sender_id)) {
    return std::nullopt;
  }
  m.node = field(head);
  if (m.node.empty() || !number(field(head), m.conn)) return std::nullopt;
  const auto kind = field(head);
  if (kind != "m" && kind != "s" && kind != "x") return std::nullopt;
  m.notice = kind != "m";
  m.expel = kind == "x";
  if (!number(field(head), room_len) || !number(head, nick_len)) return std::nullopt;
  if (m.seq <= 0 || room_len == 0 || room_len > body.size() || nick_len > body.size() - room_len) {
    return std::nullopt;
  }
  m.room = body.substr(0, room_len);
  m.nickname = body.substr(room_len, nick_len);
  m.text = body.substr(room_len + nick_len);
  return m;
}

std::string format_room_message(const RoomMessage& m) {
  return fmt::format("{} {} {} {} {} {} {} {}\n{}{}{}", m.seq, m.ts_ms, m.sender_id, m.node, m.conn,
                     m.expel ? "x" : m.notice ? "s" : "m", m.room.size(), m.nickname.size(), m.room, m.nickname,
                     m.text);
}

std::string encode_for_clients(const RoomMessage& m) {
  if (m.notice) return encode_system(m.text, m.room, m.seq, m.ts_ms);
  return encode_broadcast(m.sender_id, m.nickname, m.text, m.room, m.seq, m.ts_ms);
}

std::optional<PrivateListText> parse_private_list(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0;;) {
    const auto nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  if (lines.size() < 2 || lines[0].empty()) return std::nullopt;
  PrivateListText out{std::string(lines[0]), std::nullopt};
  if (lines[1].empty()) return out;
  out.list = PrivateList{std::string(lines[1]), {}};
  for (std::size_t i = 2; i < lines.size(); ++i) {
    if (!lines[i].empty()) out.list->keys.emplace(lines[i]);
  }
  return out;
}

}  // namespace sockit::chat::cluster
