// The accounts of a chat cluster in Redis (AccountBook::in_redis), on the directory instance:
//   sockit:account:KEY   hash: nickname, salt, hash, log2_n, r, p, created_ms
//   sockit:accounts      set of the KEYs
//   sockit:tokens:KEY    hash: token digest -> expiry (Unix ms)
// Each change is one script, so a node and `sockit chat user` never see half of one. One
// blocking connection (the book's calls run off the event loops), made again after a failure.
#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <string_view>

#include "chat/cluster/cluster_wire.hpp"
#include "chat/cluster/redis_blocking.hpp"
#include "chat/store/account_records.hpp"
#include "sockit/core/clock.hpp"

namespace sockit::chat {
namespace {

using cluster::BlockingRedis;
using cluster::OwnedReply;
using cluster::parse_redis_url;
using cluster::RedisAddress;

constexpr const char* kInsert = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'nickname', ARGV[1], 'salt', ARGV[2], 'hash', ARGV[3], 'log2_n', ARGV[4],
           'r', ARGV[5], 'p', ARGV[6], 'created_ms', ARGV[7])
redis.call('SADD', 'sockit:accounts', ARGV[8])
return 1
)lua";

constexpr const char* kUpdate = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'salt', ARGV[1], 'hash', ARGV[2], 'log2_n', ARGV[3], 'r', ARGV[4], 'p', ARGV[5])
redis.call('DEL', KEYS[2])
return 1
)lua";

constexpr const char* kErase = R"lua(
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('SREM', 'sockit:accounts', ARGV[1])
return 1
)lua";

// Adds a token and sweeps the user's expired ones.
constexpr const char* kAddToken = R"lua(
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) < tonumber(ARGV[3]) then redis.call('HDEL', KEYS[1], all[i]) end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
)lua";

std::string account_key(const std::string& key) { return "sockit:account:" + key; }
std::string tokens_key(const std::string& key) { return "sockit:tokens:" + key; }

std::int64_t parse_int64(std::string_view text) {
  std::int64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

class RedisAccountRecords final : public AccountRecords {
 public:
  explicit RedisAccountRecords(RedisAddress address) : redis_(std::move(address), "accounts") {
    redis_.run({"PING"});  // connects at once: a wrong address is told at start-up
  }

  bool insert(const std::string& key, const AccountRecord& r) override {
    return run({"EVAL", kInsert, "1", account_key(key), r.nickname, r.salt, r.hash, std::to_string(r.cost.log2_n),
                std::to_string(r.cost.r), std::to_string(r.cost.p), std::to_string(r.created_ms), key})
               ->integer == 1;
  }

  bool update_secret(const std::string& key, const AccountRecord& r) override {
    return run({"EVAL", kUpdate, "2", account_key(key), tokens_key(key), r.salt, r.hash,
                std::to_string(r.cost.log2_n), std::to_string(r.cost.r), std::to_string(r.cost.p)})
               ->integer == 1;
  }

  bool erase(const std::string& key) override {
    return run({"EVAL", kErase, "2", account_key(key), tokens_key(key), key})->integer == 1;
  }

  std::vector<Account> list() override {
    const auto keys = run({"SMEMBERS", "sockit:accounts"});
    std::vector<Account> out;
    for (std::size_t i = 0; i < keys->elements; ++i) {
      const std::string key(keys->element[i]->str, keys->element[i]->len);
      const auto r = run({"HMGET", account_key(key), "nickname", "created_ms"});
      if (r->elements < 2 || r->element[0]->type != REDIS_REPLY_STRING) continue;  // removed meanwhile
      out.push_back({std::string(r->element[0]->str, r->element[0]->len),
                     r->element[1]->type == REDIS_REPLY_STRING ? parse_int64({r->element[1]->str, r->element[1]->len}) : 0});
    }
    std::sort(out.begin(), out.end(), [](const Account& a, const Account& b) { return a.nickname < b.nickname; });
    return out;
  }

  std::optional<AccountRecord> find(const std::string& key) override {
    const auto r = run({"HMGET", account_key(key), "nickname", "salt", "hash", "log2_n", "r", "p", "created_ms"});
    if (r->elements < 7) throw account_error("accounts: redis: a short reply");
    for (std::size_t i = 0; i < 7; ++i) {
      if (r->element[i]->type != REDIS_REPLY_STRING) return std::nullopt;
    }
    const auto at = [&](std::size_t i) { return std::string(r->element[i]->str, r->element[i]->len); };
    return AccountRecord{at(0), at(1), at(2),
                         {static_cast<int>(parse_int64(at(3))), static_cast<int>(parse_int64(at(4))),
                          static_cast<int>(parse_int64(at(5)))},
                         parse_int64(at(6))};
  }

  void add_token(const std::string& key, const std::string& digest, std::int64_t expires_ms) override {
    run({"EVAL", kAddToken, "1", tokens_key(key), digest, std::to_string(expires_ms),
         std::to_string(unix_time_ms())});
  }

  bool has_token(const std::string& key, const std::string& digest, std::int64_t now_ms) override {
    const auto r = run({"HGET", tokens_key(key), digest});
    return r->type == REDIS_REPLY_STRING && parse_int64({r->str, r->len}) >= now_ms;
  }

 private:
  OwnedReply run(const std::vector<std::string>& args) { return redis_.run(args); }

  BlockingRedis redis_;
};

}  // namespace

std::unique_ptr<AccountBook> AccountBook::in_redis(const std::string& redis_url) {
  const auto address = parse_redis_url(redis_url);
  if (!address) throw account_error("accounts: " + redis_url + ": expected redis://HOST[:PORT][/DB]");
  return std::make_unique<AccountBook>(std::make_unique<RedisAccountRecords>(*address));
}

}  // namespace sockit::chat
