#include "chat/cluster/redis_blocking.hpp"

#include "sockit/chat/store/accounts.hpp"

namespace sockit::chat::cluster {
namespace {

constexpr timeval kTimeout{2, 0};

}  // namespace

BlockingRedis::BlockingRedis(RedisAddress address, std::string what)
    : address_(std::move(address)), what_(std::move(what)) {}

BlockingRedis::~BlockingRedis() {
  if (ctx_) redisFree(ctx_);
}

void BlockingRedis::fail(const std::string& why) {
  if (ctx_) redisFree(ctx_);
  ctx_ = nullptr;
  throw account_error(what_ + ": redis " + to_string(address_) + ": " + why);
}

void BlockingRedis::connect() {
  ctx_ = redisConnectWithTimeout(address_.host.c_str(), address_.port, kTimeout);
  if (!ctx_) fail("out of memory");
  if (ctx_->err) fail(ctx_->errstr);
  redisSetTimeout(ctx_, kTimeout);
  if (address_.db != 0) run({"SELECT", std::to_string(address_.db)});
}

OwnedReply BlockingRedis::run(const std::vector<std::string>& args) {
  if (!ctx_) connect();
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  OwnedReply reply(
      static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lengths.data())),
      &freeReplyObject);
  if (!reply) fail(ctx_->errstr);
  if (reply->type == REDIS_REPLY_ERROR) {
    throw account_error(what_ + ": redis: " + std::string(reply->str, reply->len));
  }
  return reply;
}

}  // namespace sockit::chat::cluster
