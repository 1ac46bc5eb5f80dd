#include "chat/core/switchboard.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

namespace sockit::chat {

Shard& Switchboard::shard_for(const boost::asio::any_io_executor& executor) {
  const void* context = &boost::asio::query(executor, boost::asio::execution::context);
  MutexLock lock(shards_mu_);
  auto& shard = shards_[context];
  if (!shard) shard = std::make_unique<Shard>(executor);
  return *shard;
}

void Switchboard::fan_out(const std::shared_ptr<Room>& room, std::string encoded, ConnId except) {
  const auto n = room->shards.size();
  for (std::size_t i = 0; i < n; ++i) {
    room->shards[i].first->post_room(room, budget_.share(i + 1 < n ? encoded : std::move(encoded)),
                                     except);
  }
}

void Switchboard::close_all(Errc code, const std::string& message) {
  MutexLock lock(shards_mu_);
  for (const auto& [context, shard] : shards_) shard->post_close_all(code, message);
}

void Switchboard::stop() {
  MutexLock lock(shards_mu_);
  for (const auto& [context, shard] : shards_) shard->stop();
}

std::uint64_t Switchboard::deliveries() const {
  std::uint64_t n = stats_.direct_deliveries.load(std::memory_order_relaxed);
  MutexLock lock(shards_mu_);
  for (const auto& [context, shard] : shards_) n += shard->deliveries();
  return n;
}

}  // namespace sockit::chat
