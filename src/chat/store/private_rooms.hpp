// Internal: invite-only rooms (--auth accounts). Who owns each private room and who may enter
// it, kept in the chat database (tables `private_rooms` and `private_room_members`, next to
// the accounts) so that a room's list outlives its last member: a private room's name and
// history stay its members' after everyone has left and after a restart.
//
// The lists live in memory for the loops to read; a change is written to SQLite first (on the
// hub's store pool) and then to memory, except a new room, which is reserved in memory
// at once (so that nobody can take the name meanwhile) and released if it cannot be written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "sockit/core/mutex.hpp"

namespace sockit::chat {

/// What a user may do with a room.
enum class RoomAccess {
  open,      ///< a public room: anyone
  owner,     ///< the private room's creator: enters, invites and removes
  member,    ///< invited to the private room: enters, reads
  outsider,  ///< a private room of others: learns nothing of it
};

/// Thread safe: the in-memory lists under one mutex, the database under another.
class PrivateRooms {
 public:
  /// Opens DATA_DIR/chat.db (creating the tables if needed) and reads every list. Throws
  /// account_error.
  explicit PrivateRooms(const std::filesystem::path& data_dir);
  ~PrivateRooms();
  PrivateRooms(const PrivateRooms&) = delete;
  PrivateRooms& operator=(const PrivateRooms&) = delete;

  /// `key` is nickname_key() of the user. Memory only: fit for the loops.
  RoomAccess access(const std::string& room, const std::string& key) const;
  bool is_private(const std::string& room) const;

  /// Claims `room` for `owner_key` in memory; false if it is private already.
  bool reserve(const std::string& room, const std::string& owner_key);
  /// Gives up a reservation whose create() failed.
  void release(const std::string& room);
  /// Writes the reserved room. Throws account_error. Call off the loops.
  void create(const std::string& room, const std::string& owner, const std::string& owner_key);
  /// Lets `key` (the registered `nickname`) into `room`, in the database and then in memory.
  /// Throws account_error. Call off the loops.
  void invite(const std::string& room, const std::string& nickname, const std::string& key);
  /// Takes `key` off `room`'s list, in the database and then in memory. Throws
  /// account_error. Call off the loops.
  void remove(const std::string& room, const std::string& key);

 private:
  struct List {
    std::string owner_key;
    std::set<std::string, std::less<>> keys;  // invited members, not the owner
  };
  struct Db;
  // Both are leaves (nothing is taken under them) and never nest: the database is written
  // first, then the lists. The hub reads lists_ holding no other lock.
  mutable Mutex mu_;
  std::map<std::string, List, std::less<>> lists_ SOCKIT_GUARDED_BY(mu_);
  Mutex db_mu_;
  std::unique_ptr<Db> db_ SOCKIT_PT_GUARDED_BY(db_mu_);
};

}  // namespace sockit::chat
