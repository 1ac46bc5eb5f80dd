// Internal: a room as the whole server sees it — its message numbers and who is in it, on
// which shard. The one place a room's messages are numbered.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sockit/core/mutex.hpp"

namespace sockit::chat {

class Shard;
/// A connection's number, unique for the life of the server (not the user id of protocol v1).
using ConnId = std::uint64_t;

/// Thread safe through `mu`: every field below it is guarded by it. Shared (shared_ptr) by
/// the Hub's room map, its members' Member::rooms and the deliveries on their way to
/// shards; so a Shard may use its address as a key for as long as it holds a delivery.
struct Room {
  struct Seat {
    std::string nickname;
    Shard* shard = nullptr;
    ConnId conn = 0;
  };

  Room(std::string room_name, std::int64_t seq) : name(std::move(room_name)), last_seq(seq) {}

  const std::string name;
  /// After LocalDirectory::mu_, before Shard::inbox_mu_ (a message is posted to shards under it).
  Mutex mu;
  std::int64_t last_seq SOCKIT_GUARDED_BY(mu);  ///< the last seq handed out
  /// By user id: a stable order for `who`.
  std::map<std::int64_t, Seat> members SOCKIT_GUARDED_BY(mu);
  /// Members per shard, none at 0.
  std::vector<std::pair<Shard*, std::size_t>> shards SOCKIT_GUARDED_BY(mu);

  /// Counts one more (`delta` 1) or one fewer (-1) member on `shard`.
  void count(Shard* shard, int delta) SOCKIT_REQUIRES(mu);
};

inline void Room::count(Shard* shard, int delta) {
  for (auto it = shards.begin(); it != shards.end(); ++it) {
    if (it->first != shard) continue;
    it->second += static_cast<std::size_t>(delta);
    if (it->second == 0) shards.erase(it);
    return;
  }
  if (delta > 0) shards.emplace_back(shard, 1);
}

}  // namespace sockit::chat
