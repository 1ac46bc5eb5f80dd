// Internal: one blocking hiredis connection, for the cluster's work that runs off the event
// loops (accounts, private-room lists) on the store pool or `sockit chat user`. Made at first
// use and made again after a failure; every wait is bounded (2 s).
#pragma once

#include <hiredis/hiredis.h>

#include <memory>
#include <string>
#include <vector>

#include "chat/cluster/cluster_wire.hpp"

namespace sockit::chat::cluster {

using OwnedReply = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

/// Not thread safe: one caller at a time.
class BlockingRedis {
 public:
  /// `what` names the user in errors ("accounts"). Does not connect yet.
  BlockingRedis(RedisAddress address, std::string what);
  ~BlockingRedis();
  BlockingRedis(const BlockingRedis&) = delete;
  BlockingRedis& operator=(const BlockingRedis&) = delete;

  /// One command; its reply. Throws account_error when Redis cannot be reached (the connection
  /// is made again next time) or answers with an error.
  OwnedReply run(const std::vector<std::string>& args);
  const RedisAddress& address() const noexcept { return address_; }

 private:
  void connect();
  [[noreturn]] void fail(const std::string& why);

  const RedisAddress address_;
  const std::string what_;
  redisContext* ctx_ = nullptr;
};

}  // namespace sockit::chat::cluster
