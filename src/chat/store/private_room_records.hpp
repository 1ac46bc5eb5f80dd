// Internal: where PrivateRooms keeps its lists — the SQLite tables of DATA_DIR/chat.db, or Redis
// for a cluster (cluster/redis_private_rooms.cpp), where other nodes change them too (and the
// cluster's directory tells PrivateRooms::adopt). PrivateRooms keeps the copy in memory; a
// store only keeps and finds.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

namespace sockit::chat {

/// One private room's list: its owner and the users it invited (nickname_key()s). Value type.
struct PrivateList {
  std::string owner_key;
  std::set<std::string, std::less<>> keys;  ///< invited members, not the owner
};
using PrivateLists = std::map<std::string, PrivateList, std::less<>>;

/// Not thread safe: PrivateRooms calls it under its store mutex. Every member throws
/// account_error when the store fails.
class PrivateRoomRecords {
 public:
  enum class Created { yes, private_already, public_already };

  virtual ~PrivateRoomRecords() = default;
  virtual PrivateLists load_all() = 0;
  /// nullopt when `room` is not private.
  virtual std::optional<PrivateList> load(const std::string& room) = 0;
  /// Makes `room` private, owned by `owner` (registered spelling) — unless it is private already,
  /// or (where the store can tell) public already.
  virtual Created create(const std::string& room, const std::string& owner, const std::string& owner_key) = 0;
  virtual void invite(const std::string& room, const std::string& nickname, const std::string& key) = 0;
  virtual void remove(const std::string& room, const std::string& key) = 0;
};

}  // namespace sockit::chat
