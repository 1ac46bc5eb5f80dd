// Internal: what the nodes of a chat cluster write to Redis and read back — the key of each
// thing, which Redis instance holds a room, the `redis://` addresses of the instances, and
// the one text form of a numbered room message (published and kept in the room's stream).
// Pure functions; thread safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chat/store/private_room_records.hpp"

namespace sockit::chat::cluster {

/// One Redis instance of --cluster. Value type.
struct RedisAddress {
  std::string host;
  std::uint16_t port = 6379;
  int db = 0;
  friend bool operator==(const RedisAddress&, const RedisAddress&) = default;
};

/// Parses `redis://HOST[:PORT][/DB]` (HOST may be [v6]); nullopt for anything else.
std::optional<RedisAddress> parse_redis_url(std::string_view url);
/// "HOST:PORT/DB" for logs.
std::string to_string(const RedisAddress& a);

/// The instance (0..n-1) that holds `room`: FNV-1a 64 of the room name, modulo n. Every node
/// must be given the instances in the same order.
std::size_t instance_for_room(std::string_view room, std::size_t n) noexcept;

// Keys. A room's are on its instance; nicknames, user ids and nodes on instance 0 (the
// directory).
std::string seq_key(std::string_view room);      ///< INCR counter: the room's last seq
std::string log_key(std::string_view room);      ///< stream: the room's history, id "SEQ-0"
std::string members_key(std::string_view room);  ///< hash: user id -> "NODE CONN NICKNAME"
std::string seats_key(std::string_view node);    ///< set of "ID ROOM" a node's users hold
std::string nick_key(std::string_view key);      ///< "NODE CONN ID NICKNAME" of a nickname_key
std::string nicks_key(std::string_view node);    ///< set of the nickname keys a node holds
std::string node_channel(std::string_view node); ///< direct messages to a node's users
std::string room_channel(std::string_view room); ///< a room's numbered messages, published
inline constexpr std::string_view kRoomChannelPrefix = "sockit:room:";
inline constexpr std::string_view kRoomsKey = "sockit:rooms";      ///< set: rooms with members
inline constexpr std::string_view kNodesKey = "sockit:nodes";      ///< zset: node -> expiry ms
inline constexpr std::string_view kNextIdKey = "sockit:next-id";   ///< INCR: user ids
/// Every change of a private room's list is published here, on the room's instance.
inline constexpr std::string_view kPrivateChannel = "sockit:private";

/// A numbered room message as the scripts write it:
/// "SEQ TS SENDER_ID NODE CONN KIND ROOM_LEN NICK_LEN\n" ROOM NICK TEXT,
/// KIND 'm' (a user's message), 's' (a notice; sender 0, no nickname) or 'x' (a notice that a
/// user was removed by another: NODE and CONN are the removed user's, NICK the remover's; the
/// removed user's node takes it out of the room at this seq). Value type.
struct RoomMessage {
  std::int64_t seq = 0;
  std::int64_t ts_ms = 0;
  std::int64_t sender_id = 0;
  std::string node;        ///< the node of the sender's connection ("-" for notices)
  std::uint64_t conn = 0;  ///< the sender's connection on that node (0 for notices)
  bool notice = false;
  std::string room;
  std::string nickname;
  std::string text;
  bool expel = false;  ///< kind 'x' (a notice too)
};

/// nullopt when `payload` is not in the form above.
std::optional<RoomMessage> parse_room_message(std::string_view payload);
/// The form above (the scripts make it; tests and tools use this).
std::string format_room_message(const RoomMessage& m);
/// The line protocol v1 sends to clients for it (message or system).
std::string encode_for_clients(const RoomMessage& m);

/// A private room's list as the scripts publish and return it, "ROOM\nOWNER_KEY\nKEY\nKEY...":
/// `list` is nullopt when OWNER_KEY is empty (the room is not private). Value type.
struct PrivateListText {
  std::string room;
  std::optional<PrivateList> list;
};
/// nullopt when `text` is not in the form above.
std::optional<PrivateListText> parse_private_list(std::string_view text);

}  // namespace sockit::chat::cluster
