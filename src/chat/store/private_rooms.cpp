#include "chat/store/private_rooms.hpp"

#include <utility>

#include "sockit/chat/store/accounts.hpp"
#include "sockit/core/clock.hpp"
#include "sqlite/sqlite.hpp"

namespace sockit::chat {
namespace {

const char* const kPrivateRoomsSchema = R"sql(
CREATE TABLE IF NOT EXISTS private_rooms (
  room TEXT PRIMARY KEY,
  owner TEXT NOT NULL,           -- the owner's registered spelling
  owner_key TEXT NOT NULL,       -- nickname_key(owner)
  created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS private_room_members (
  room TEXT NOT NULL,
  key TEXT NOT NULL,             -- nickname_key of an invited user
  nickname TEXT NOT NULL,
  PRIMARY KEY (room, key));
)sql";

template <class Body>
auto acl_guarded(Body&& body) {
  return sqlite::rethrow_as<account_error>("private rooms: ", std::forward<Body>(body));
}

}  // namespace

struct PrivateRooms::Db {
  explicit Db(const std::filesystem::path& file)
      : db(sqlite::open(file, {.create_parent_directories = true, .wal = true})) {
    sqlite::exec(db.get(), kPrivateRoomsSchema, "create the private room tables");
  }
  sqlite::Connection db;
};

PrivateRooms::PrivateRooms(const std::filesystem::path& data_dir) {
  acl_guarded([&]() SOCKIT_NO_THREAD_SAFETY_ANALYSIS {  // (no other thread sees it yet)
    db_ = std::make_unique<Db>(data_dir / "chat.db");
    sqlite::Statement rooms(db_->db.get(), "SELECT room, owner_key FROM private_rooms");
    for (sqlite::Cursor c(rooms); c.step();) lists_[c.text(0)].owner_key = c.text(1);
    sqlite::Statement members(db_->db.get(), "SELECT room, key FROM private_room_members");
    for (sqlite::Cursor c(members); c.step();) {
      if (const auto it = lists_.find(c.text(0)); it != lists_.end()) it->second.keys.insert(c.text(1));
    }
  });
}

PrivateRooms::~PrivateRooms() = default;

RoomAccess PrivateRooms::access(const std::string& room, const std::string& key) const {
  MutexLock lock(mu_);
  const auto it = lists_.find(room);
  if (it == lists_.end()) return RoomAccess::open;
  if (it->second.owner_key == key) return RoomAccess::owner;
  return it->second.keys.count(key) ? RoomAccess::member : RoomAccess::outsider;
}

bool PrivateRooms::is_private(const std::string& room) const {
  MutexLock lock(mu_);
  return lists_.count(room) != 0;
}

bool PrivateRooms::reserve(const std::string& room, const std::string& owner_key) {
  MutexLock lock(mu_);
  return lists_.try_emplace(room, List{owner_key, {}}).second;
}

void PrivateRooms::release(const std::string& room) {
  MutexLock lock(mu_);
  lists_.erase(room);
}

void PrivateRooms::create(const std::string& room, const std::string& owner, const std::string& owner_key) {
  MutexLock lock(db_mu_);
  acl_guarded([&] {
    db_mu_.assert_held();  // (taken around the call)
    sqlite::Statement insert(db_->db.get(),
                             "INSERT INTO private_rooms (room, owner, owner_key, created_ms) VALUES (?, ?, ?, ?)");
    sqlite::Cursor c(insert);
    c.bind(1, room);
    c.bind(2, owner);
    c.bind(3, owner_key);
    c.bind(4, unix_time_ms());
    c.step();
  });
}

void PrivateRooms::invite(const std::string& room, const std::string& nickname, const std::string& key) {
  {
    MutexLock lock(db_mu_);
    acl_guarded([&] {
      db_mu_.assert_held();  // (taken around the call)
      sqlite::Statement insert(db_->db.get(),
                               "INSERT OR IGNORE INTO private_room_members (room, key, nickname) VALUES (?, ?, ?)");
      sqlite::Cursor c(insert);
      c.bind(1, room);
      c.bind(2, key);
      c.bind(3, nickname);
      c.step();
    });
  }
  MutexLock lock(mu_);
  if (const auto it = lists_.find(room); it != lists_.end()) it->second.keys.insert(key);
}

void PrivateRooms::remove(const std::string& room, const std::string& key) {
  {
    MutexLock lock(db_mu_);
    acl_guarded([&] {
      db_mu_.assert_held();  // (taken around the call)
      sqlite::Statement del(db_->db.get(), "DELETE FROM private_room_members WHERE room = ? AND key = ?");
      sqlite::Cursor c(del);
      c.bind(1, room);
      c.bind(2, key);
      c.step();
    });
  }
  MutexLock lock(mu_);
  if (const auto it = lists_.find(room); it != lists_.end()) it->second.keys.erase(key);
}

}  // namespace sockit::chat
