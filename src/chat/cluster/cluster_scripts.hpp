// Internal: the Lua scripts a chat cluster node runs in Redis. Each is one atomic step: a room
// message is numbered (INCR), kept (XADD to the room's stream, trimmed to about --history-max)
// and published (PUBLISH) in one script, so no node sees a seq that is not in the stream and
// every subscriber gets a room's messages in seq order. Thread safe (constants).
//
// Redis runs these as scripts without flags (no `#!lua` line, so Redis 6 runs them too).
// Under maxmemory with noeviction, Redis 7.0 refuses the first command of such a script that
// needs memory (INCR, SET, HSET, ZADD, XADD...) with an OOM error, unless the script has
// already written something: so broadcast, join, login, heartbeat and take-over fail whole
// and change nothing, while leave, logout and the reaps, which start by deleting, still run.
#pragma once

#include <string>
#include <string_view>

namespace sockit::chat::cluster {

/// A script's text and the SHA-1 Redis knows it by (EVALSHA). Value type.
struct Script {
  std::string_view name;
  std::string body;
  std::string sha1;  ///< lower-case hex
};

/// ARGV room, sender id, node, conn, nickname, text, maxlen, sender key, send id ("" none),
/// ids kept, their age in ms -> seq; a send id sent lately -> the first send's seq, nothing
/// published.
const Script& broadcast_script();
/// ARGV room, id, node, conn, nickname, maxlen, nickname key -> seq of the "joined" notice, or
/// -1 (nothing done) when the room is private and the key not on its list.
const Script& join_script();
/// ARGV room, id, node, conn, nickname, remover's nickname, maxlen: takes the user out of the
/// room if that connection is seated in it -> seq of the removal notice (kind 'x'), or 0.
const Script& expel_script();
/// ARGV room, nickname key, end id ("+" or "(SEQ-0"), count -> the stream's entries, newest
/// first (XREVRANGE), or -1 when the room is private and the key not on its list.
const Script& history_script();
/// ARGV room, id, node, nickname, maxlen -> seq of the "left" notice, 0 if not a member.
const Script& leave_script();
/// ARGV node, maxlen: removes the node's users from this instance's rooms with "left"
/// notices -> how many.
const Script& reap_rooms_script();
/// ARGV -> [room, members, room, members, ...] of this instance.
const Script& rooms_script();
/// Directory. ARGV nickname key, node, conn, nickname -> [id, ""], or [0, holder] when taken.
const Script& login_script();
/// Directory. ARGV nickname key, node, conn: frees the nickname if this connection holds it.
const Script& logout_script();
/// Directory. ARGV nickname key, node, line, sender key, send id ("" none), ids kept, their age
/// in ms -> [0] no such user, [1, conn] on this node, [2, conn] published to its node, [3] the
/// send id was sent lately (nothing sent).
const Script& direct_script();
/// Directory. ARGV node (ID@INCARNATION), node id, ttl ms: this node is alive until ttl from
/// now by Redis's clock -> 1 if it was registered, 0 if it is new (or was reaped).
const Script& heartbeat_script();
/// Directory. ARGV node, node id, ttl ms: registers this incarnation (as a heartbeat does)
/// -> the earlier incarnations of the node id that are still registered.
const Script& take_over_script();
/// Directory. ARGV -> nodes whose last heartbeat is older than their ttl by Redis's clock.
const Script& expired_script();
/// Directory. ARGV node: frees the node's nicknames and forgets the node.
const Script& reap_node_script();


// Private rooms (--auth accounts), on the room's instance; every change publishes the room's
// list on `sockit:private` (parse_private_list).
/// ARGV room, owner, owner key -> 1 made private, 0 private already, -1 public already (it has
/// numbered a message).
const Script& private_create_script();
/// ARGV room, key, nickname -> 1, or 0 when the room is not private.
const Script& private_invite_script();
/// ARGV room, key -> 1.
const Script& private_remove_script();
/// ARGV rooms (none: every private room of the instance) -> their lists, as published.
const Script& private_lists_script();

}  // namespace sockit::chat::cluster
