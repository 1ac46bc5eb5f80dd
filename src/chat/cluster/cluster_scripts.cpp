#include "chat/cluster/cluster_scripts.hpp"

#include <fmt/core.h>
#include <openssl/sha.h>

namespace sockit::chat::cluster {
namespace {

// Every script's first lines: Redis's clock in Unix milliseconds (the one clock all nodes share).
constexpr std::string_view kClock = R"lua(
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
)lua";

// Shared by the scripts that number room messages; see cluster_wire.hpp for the form.
constexpr std::string_view kEmit = R"lua(
local function emit(room, kind, id, node, conn, nick, text, maxlen)
  local seq = redis.call('INCR', 'sockit:seq:' .. room)
  local ts = now_ms()
  local p = string.format('%d %d %d %s %s %s %d %d\n', seq, ts, id, node, conn, kind, #room, #nick)
            .. room .. nick .. text
  redis.call('XADD', 'sockit:log:' .. room, 'MAXLEN', '~', maxlen, string.format('%d-0', seq), 'p', p)
  redis.call('PUBLISH', 'sockit:room:' .. room, p)
  return seq
end
)lua";

// Exactly-once sends: per user, the ids of recent sends with their seq and time (a hash) and
// the ids by time (a sorted set), trimmed to the newest MAX of at most AGE ms whenever one is
// added; both expire when the user has sent nothing for AGE.
constexpr std::string_view kSendWindow = R"lua(
local function sent_before(user, id, age)
  if id == '' then return nil end
  local v = redis.call('HGET', 'sockit:sent:' .. user, id)
  if not v then return nil end
  local seq, at = string.match(v, '^(%d+) (%d+)$')
  if now_ms() - tonumber(at) > age then return nil end
  return tonumber(seq)
end
local function remember(user, id, seq, max, age)
  if id == '' then return end
  local h, z = 'sockit:sent:' .. user, 'sockit:sent-t:' .. user
  local now = now_ms()
  redis.call('HSET', h, id, seq .. ' ' .. now)
  redis.call('ZADD', z, now, id)
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', now - age)
  local n = redis.call('ZCARD', z) - #old
  if n > max then
    for _, x in ipairs(redis.call('ZRANGE', z, #old, #old + n - max - 1)) do old[#old + 1] = x end
  end
  for _, x in ipairs(old) do
    redis.call('HDEL', h, x)
    redis.call('ZREM', z, x)
  end
  redis.call('PEXPIRE', h, age)
  redis.call('PEXPIRE', z, age)
end
local function forget(user, id)
  if id == '' then return end
  redis.call('HDEL', 'sockit:sent:' .. user, id)
  redis.call('ZREM', 'sockit:sent-t:' .. user, id)
end
)lua";

// Private rooms (their lists are on the room's instance, cluster/redis_private_rooms.cpp): who
// may enter or read `room` — anyone if it is public, else its owner and those on its list.
constexpr std::string_view kPrivate = R"lua(
local function may_enter(room, key)
  local owner = redis.call('HGET', 'sockit:private:' .. room, 'owner_key')
  if not owner then return true end
  return owner == key or redis.call('HEXISTS', 'sockit:private-members:' .. room, key) == 1
end
)lua";

// A private room's list as one text, "ROOM\nOWNER_KEY\nKEY\nKEY..." (no owner: not private),
// and its announcement to every node after a change (cluster_wire.hpp, parse_private_list).
constexpr std::string_view kDescribe = R"lua(
local function describe(room)
  local owner = redis.call('HGET', 'sockit:private:' .. room, 'owner_key') or ''
  local keys = redis.call('HKEYS', 'sockit:private-members:' .. room)
  return room .. '\n' .. owner .. (#keys > 0 and '\n' .. table.concat(keys, '\n') or '')
end
local function announce(room)
  redis.call('PUBLISH', 'sockit:private', describe(room))
end
)lua";

std::string sha1_hex(const std::string& text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  for (const unsigned char b : digest) hex += fmt::format("{:02x}", b);
  return hex;
}

// The helpers a script uses, then its body.
struct Uses {
  bool emit = false;      // kEmit
  bool send_ids = false;  // kSendWindow
  bool guard = false;     // kPrivate
  bool lists = false;     // kDescribe
};

Script make(std::string_view name, std::string_view body, Uses uses = {}) {
  std::string text = std::string(kClock);
  for (const auto& [used, part] : {std::pair{uses.send_ids, kSendWindow}, std::pair{uses.emit, kEmit},
                                   std::pair{uses.guard, kPrivate}, std::pair{uses.lists, kDescribe}}) {
    if (used) text += part;
  }
  text += body;
  auto sha = sha1_hex(text);
  return {name, std::move(text), std::move(sha)};
}

}  // namespace

const Script& broadcast_script() {
  static const Script s = make("broadcast", R"lua(
local user, id, max, age = ARGV[8], ARGV[9], tonumber(ARGV[10]), tonumber(ARGV[11])
local first = sent_before(user, id, age)
if first then return first end
local seq = emit(ARGV[1], 'm', tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
remember(user, id, seq, max, age)
return seq
)lua", {.emit = true, .send_ids = true});
  return s;
}

const Script& join_script() {
  static const Script s = make("join", R"lua(
local room, id, node, conn, nick = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if not may_enter(room, ARGV[7]) then return -1 end
redis.call('HSET', 'sockit:members:' .. room, id, node .. ' ' .. conn .. ' ' .. nick)
redis.call('SADD', 'sockit:seats:' .. node, id .. ' ' .. room)
redis.call('SADD', 'sockit:rooms', room)
return emit(room, 's', 0, '-', '0', '', nick .. '(' .. id .. ') joined', ARGV[6])
)lua", {.emit = true, .guard = true});
  return s;
}

const Script& leave_script() {
  static const Script s = make("leave", R"lua(
local room, id, node, nick = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HDEL', 'sockit:members:' .. room, id) == 0 then return 0 end
redis.call('SREM', 'sockit:seats:' .. node, id .. ' ' .. room)
if redis.call('HLEN', 'sockit:members:' .. room) == 0 then redis.call('SREM', 'sockit:rooms', room) end
return emit(room, 's', 0, '-', '0', '', nick .. '(' .. id .. ') left', ARGV[5])
)lua", {.emit = true});
  return s;
}

const Script& expel_script() {
  static const Script s = make("expel", R"lua(
local room, id, node, conn, nick, by = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local members = 'sockit:members:' .. room
local v = redis.call('HGET', members, id)
local seat = node .. ' ' .. conn .. ' '
if not v or string.sub(v, 1, #seat) ~= seat then return 0 end
redis.call('HDEL', members, id)
redis.call('SREM', 'sockit:seats:' .. node, id .. ' ' .. room)
if redis.call('HLEN', members) == 0 then redis.call('SREM', 'sockit:rooms', room) end
return emit(room, 'x', 0, node, conn, by, nick .. '(' .. id .. ') was removed by ' .. by, ARGV[7])
)lua", {.emit = true});
  return s;
}

const Script& history_script() {
  static const Script s = make("history", R"lua(
if not may_enter(ARGV[1], ARGV[2]) then return -1 end
return redis.call('XREVRANGE', 'sockit:log:' .. ARGV[1], ARGV[3], '-', 'COUNT', ARGV[4])
)lua", {.guard = true});
  return s;
}

const Script& reap_rooms_script() {
  static const Script s = make("reap_rooms", R"lua(
local node = ARGV[1]
local seats = 'sockit:seats:' .. node
local n = 0
for _, seat in ipairs(redis.call('SMEMBERS', seats)) do
  local id, room = string.match(seat, '^(%d+) (.+)$')
  if id then
    local members = 'sockit:members:' .. room
    local v = redis.call('HGET', members, id)
    if v and string.sub(v, 1, #node + 1) == node .. ' ' then
      redis.call('HDEL', members, id)
      if redis.call('HLEN', members) == 0 then redis.call('SREM', 'sockit:rooms', room) end
      local nick = string.match(v, '^%S+ %S+ (.*)$') or '?'
      emit(room, 's', 0, '-', '0', '', nick .. '(' .. id .. ') left', ARGV[2])
      n = n + 1
    end
  end
end
redis.call('DEL', seats)
return n
)lua", {.emit = true});
  return s;
}

const Script& rooms_script() {
  static const Script s = make("rooms", R"lua(
local out = {}
for _, room in ipairs(redis.call('SMEMBERS', 'sockit:rooms')) do
  local n = redis.call('HLEN', 'sockit:members:' .. room)
  if n > 0 then
    out[#out + 1] = room
    out[#out + 1] = n
  end
end
return out
)lua");
  return s;
}

const Script& login_script() {
  static const Script s = make("login", R"lua(
local key = 'sockit:nick:' .. ARGV[1]
local holder = redis.call('GET', key)
if holder then return {0, holder} end
local id = redis.call('INCR', 'sockit:next-id')
redis.call('SET', key, ARGV[2] .. ' ' .. ARGV[3] .. ' ' .. id .. ' ' .. ARGV[4])
redis.call('SADD', 'sockit:nicks:' .. ARGV[2], ARGV[1])
return {id, ''}
)lua");
  return s;
}

const Script& logout_script() {
  static const Script s = make("logout", R"lua(
local key = 'sockit:nick:' .. ARGV[1]
local holder = redis.call('GET', key)
local mine = ARGV[2] .. ' ' .. ARGV[3] .. ' '
if holder and string.sub(holder, 1, #mine) == mine then
  redis.call('DEL', key)
  redis.call('SREM', 'sockit:nicks:' .. ARGV[2], ARGV[1])
  return 1
end
return 0
)lua");
  return s;
}

const Script& direct_script() {
  static const Script s = make("direct", R"lua(
local user, id, max, age = ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
if sent_before(user, id, age) then return {3} end
local holder = redis.call('GET', 'sockit:nick:' .. ARGV[1])
if not holder then return {0} end
local node, conn = string.match(holder, '^(%S+) (%S+) ')
remember(user, id, 0, max, age)
if node == ARGV[2] then return {1, conn} end
if redis.call('PUBLISH', 'sockit:node:' .. node, conn .. ' ' .. ARGV[3]) == 0 then
  forget(user, id)
  return {0}
end
return {2, conn}
)lua", {.send_ids = true});
  return s;
}

// `sockit:nodes` scores each node (its id@incarnation) with the Redis time after which it
// counts as gone: its last heartbeat plus its own ttl. `sockit:incarnations:ID` lists the
// incarnations of a node id that still have an entry. Each writing script below starts with a
// write that needs memory (ZADD), so that under maxmemory with noeviction Redis refuses it
// whole: a heartbeat Redis did not take is seen as failed.
const Script& heartbeat_script() {
  static const Script s = make("heartbeat", R"lua(
local now = now_ms()
local known = redis.call('ZSCORE', 'sockit:nodes', ARGV[1])
redis.call('ZADD', 'sockit:nodes', now + tonumber(ARGV[3]), ARGV[1])
redis.call('SADD', 'sockit:incarnations:' .. ARGV[2], ARGV[1])
if known then return 1 end
return 0
)lua");
  return s;
}

const Script& take_over_script() {
  static const Script s = make("take_over", R"lua(
local now = now_ms()
local set = 'sockit:incarnations:' .. ARGV[2]
local earlier = {}
for _, n in ipairs(redis.call('SMEMBERS', set)) do
  if n ~= ARGV[1] then earlier[#earlier + 1] = n end
end
redis.call('ZADD', 'sockit:nodes', now + tonumber(ARGV[3]), ARGV[1])
redis.call('SADD', set, ARGV[1])
return earlier
)lua");
  return s;
}

const Script& expired_script() {
  static const Script s = make("expired", R"lua(
local now = now_ms()
return redis.call('ZRANGEBYSCORE', 'sockit:nodes', '-inf', '(' .. now)
)lua");
  return s;
}

const Script& reap_node_script() {
  static const Script s = make("reap_node", R"lua(
local node = ARGV[1]
local nicks = 'sockit:nicks:' .. node
for _, k in ipairs(redis.call('SMEMBERS', nicks)) do
  local key = 'sockit:nick:' .. k
  local holder = redis.call('GET', key)
  if holder and string.sub(holder, 1, #node + 1) == node .. ' ' then redis.call('DEL', key) end
end
redis.call('DEL', nicks)
redis.call('ZREM', 'sockit:nodes', node)
local id = string.match(node, '^(.+)@[^@]+$')
if id then redis.call('SREM', 'sockit:incarnations:' .. id, node) end
return 1
)lua");
  return s;
}

const Script& private_create_script() {
  static const Script s = make("private_create", R"lua(
local room = ARGV[1]
if redis.call('EXISTS', 'sockit:private:' .. room) == 1 then return 0 end
if redis.call('EXISTS', 'sockit:seq:' .. room) == 1 then return -1 end
redis.call('HSET', 'sockit:private:' .. room, 'owner', ARGV[2], 'owner_key', ARGV[3], 'created_ms', now_ms())
redis.call('SADD', 'sockit:private-rooms', room)
announce(room)
return 1
)lua", {.lists = true});
  return s;
}

const Script& private_invite_script() {
  static const Script s = make("private_invite", R"lua(
if redis.call('EXISTS', 'sockit:private:' .. ARGV[1]) == 0 then return 0 end
redis.call('HSET', 'sockit:private-members:' .. ARGV[1], ARGV[2], ARGV[3])
announce(ARGV[1])
return 1
)lua", {.lists = true});
  return s;
}

const Script& private_remove_script() {
  static const Script s = make("private_remove", R"lua(
redis.call('HDEL', 'sockit:private-members:' .. ARGV[1], ARGV[2])
announce(ARGV[1])
return 1
)lua", {.lists = true});
  return s;
}

const Script& private_lists_script() {
  static const Script s = make("private_lists", R"lua(
local out = {}
local rooms = #ARGV > 0 and ARGV or redis.call('SMEMBERS', 'sockit:private-rooms')
for _, room in ipairs(rooms) do out[#out + 1] = describe(room) end
return out
)lua", {.lists = true});
  return s;
}

}  // namespace sockit::chat::cluster
