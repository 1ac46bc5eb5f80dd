// Internal: invite-only rooms (--auth accounts). Who owns each private room and who may enter
// it, kept so that a room's list outlives its last member: a private room's name and history
// stay its members' after everyone has left and after a restart. Kept in the chat database
// (tables `private_rooms` and `private_room_members`, next to the accounts), or for a cluster
// in Redis beside each room (cluster/redis_private_rooms.cpp), shared by every node.
//
// The lists live in memory for the loops to read; a change is written to the store first (on
// the hub's store pool) and then to memory, except a new room, which is reserved in memory
// at once (so that nobody here can take the name meanwhile) and released if it cannot be
// written. In a cluster, a change another node made reaches this copy a moment later (adopt(),
// from the cluster's directory); the join and history of a private room are checked in Redis
// itself, so that moment lets nobody in.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chat/store/private_room_records.hpp"
#include "sockit/core/mutex.hpp"

namespace sockit::chat {

/// What a user may do with a room.
enum class RoomAccess {
  open,      ///< a public room: anyone
  owner,     ///< the private room's creator: enters, invites and removes
  member,    ///< invited to the private room: enters, reads
  outsider,  ///< a private room of others: learns nothing of it
};

/// Thread safe: the in-memory lists under one mutex, the store under another.
class PrivateRooms {
 public:
  using Created = PrivateRoomRecords::Created;

  /// Opens DATA_DIR/chat.db (creating the tables if needed) and reads every list. Throws
  /// account_error.
  explicit PrivateRooms(const std::filesystem::path& data_dir);
  /// The lists of a chat cluster, in its Redis instances (`urls` as --cluster gave them: each
  /// room's list is on the room's instance). Reads every list; other nodes' changes then come
  /// through adopt(). Throws account_error.
  static std::unique_ptr<PrivateRooms> in_redis(const std::vector<std::string>& urls);
  /// Over `records`; reads every list.
  explicit PrivateRooms(std::unique_ptr<PrivateRoomRecords> records);
  ~PrivateRooms();
  PrivateRooms(const PrivateRooms&) = delete;
  PrivateRooms& operator=(const PrivateRooms&) = delete;

  /// `key` is nickname_key() of the user. Memory only: fit for the loops.
  RoomAccess access(const std::string& room, const std::string& key) const;
  bool is_private(const std::string& room) const;

  /// Claims `room` for `owner_key` in memory; false if it is private already.
  bool reserve(const std::string& room, const std::string& owner_key);
  /// Gives up a reservation whose create() failed or was refused.
  void release(const std::string& room);
  /// Writes the reserved room; `yes` unless the store found it taken (another node was first:
  /// the reservation then gives way to what the store has). Throws account_error (release the
  /// reservation then). Call off the loops.
  Created create(const std::string& room, const std::string& owner, const std::string& owner_key);
  /// Lets `key` (the registered `nickname`) into `room`, in the store and then in memory.
  /// Throws account_error. Call off the loops.
  void invite(const std::string& room, const std::string& nickname, const std::string& key);
  /// Takes `key` off `room`'s list, in the store and then in memory. Throws account_error.
  /// Call off the loops.
  void remove(const std::string& room, const std::string& key);

  /// `room`'s list as the store has it now (nullopt: not private), told by a cluster's
  /// directory after any node changed it. Memory only.
  void adopt(const std::string& room, std::optional<PrivateList> list);
  /// Every list of the rooms `covers` names, as the store has them now (after the directory's
  /// link to them was lost: changes may have gone untold). Memory only.
  void adopt_all(PrivateLists lists, const std::function<bool(const std::string& room)>& covers);

 private:
  // Sets `room`'s list in memory to the store's.
  void reload(const std::string& room) SOCKIT_REQUIRES(db_mu_);

  // The store, then the lists: a change holds db_mu_ until memory has it, so a refresh read
  // from the store never overwrites a newer change. The hub reads lists_ under mu_ alone.
  Mutex db_mu_;
  std::unique_ptr<PrivateRoomRecords> records_ SOCKIT_PT_GUARDED_BY(db_mu_);
  mutable Mutex mu_ SOCKIT_ACQUIRED_AFTER(db_mu_);
  PrivateLists lists_ SOCKIT_GUARDED_BY(mu_);
};

}  // namespace sockit::chat
