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

// DATA_DIR/chat.db: one process owns it, so memory is the judge of who was first.
class SqlitePrivateRooms final : public PrivateRoomRecords {
 public:
  explicit SqlitePrivateRooms(const std::filesystem::path& data_dir)
      : db_(acl_guarded([&] {
          auto db = sqlite::open(data_dir / "chat.db", {.create_parent_directories = true, .wal = true});
          sqlite::exec(db.get(), kPrivateRoomsSchema, "create the private room tables");
          return db;
        })) {}

  PrivateLists load_all() override {
    return acl_guarded([&] {
      PrivateLists lists;
      sqlite::Statement rooms(db_.get(), "SELECT room, owner_key FROM private_rooms");
      for (sqlite::Cursor c(rooms); c.step();) lists[c.text(0)].owner_key = c.text(1);
      sqlite::Statement members(db_.get(), "SELECT room, key FROM private_room_members");
      for (sqlite::Cursor c(members); c.step();) {
        if (const auto it = lists.find(c.text(0)); it != lists.end()) it->second.keys.insert(c.text(1));
      }
      return lists;
    });
  }

  std::optional<PrivateList> load(const std::string& room) override {
    auto all = load_all();
    const auto it = all.find(room);
    if (it == all.end()) return std::nullopt;
    return std::move(it->second);
  }

  Created create(const std::string& room, const std::string& owner, const std::string& owner_key) override {
    exec("INSERT INTO private_rooms (room, owner, owner_key, created_ms) VALUES (?, ?, ?, ?)",
         {room, owner, owner_key, std::to_string(unix_time_ms())});
    return Created::yes;
  }

  void invite(const std::string& room, const std::string& nickname, const std::string& key) override {
    exec("INSERT OR IGNORE INTO private_room_members (room, key, nickname) VALUES (?, ?, ?)", {room, key, nickname});
  }

  void remove(const std::string& room, const std::string& key) override {
    exec("DELETE FROM private_room_members WHERE room = ? AND key = ?", {room, key});
  }

 private:
  void exec(const char* sql, const std::vector<std::string>& values) {
    acl_guarded([&] {
      sqlite::Statement statement(db_.get(), sql);
      sqlite::Cursor c(statement);
      for (std::size_t i = 0; i < values.size(); ++i) c.bind(static_cast<int>(i + 1), values[i]);
      c.step();
    });
  }

  sqlite::Connection db_;
};

}  // namespace

PrivateRooms::PrivateRooms(const std::filesystem::path& data_dir)
    : PrivateRooms(std::make_unique<SqlitePrivateRooms>(data_dir)) {}

PrivateRooms::PrivateRooms(std::unique_ptr<PrivateRoomRecords> records) : records_(std::move(records)) {
  MutexLock lock(db_mu_);
  auto all = records_->load_all();
  MutexLock lists(mu_);
  lists_ = std::move(all);
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
  return lists_.try_emplace(room, PrivateList{owner_key, {}}).second;
}

void PrivateRooms::release(const std::string& room) {
  MutexLock lock(mu_);
  lists_.erase(room);
}

PrivateRooms::Created PrivateRooms::create(const std::string& room, const std::string& owner,
                                           const std::string& owner_key) {
  MutexLock lock(db_mu_);
  const auto created = records_->create(room, owner, owner_key);
  if (created != Created::yes) reload(room);  // the reservation gives way to what the store has
  return created;
}

void PrivateRooms::invite(const std::string& room, const std::string& nickname, const std::string& key) {
  MutexLock lock(db_mu_);
  records_->invite(room, nickname, key);
  MutexLock lists(mu_);
  if (const auto it = lists_.find(room); it != lists_.end()) it->second.keys.insert(key);
}

void PrivateRooms::remove(const std::string& room, const std::string& key) {
  MutexLock lock(db_mu_);
  records_->remove(room, key);
  MutexLock lists(mu_);
  if (const auto it = lists_.find(room); it != lists_.end()) it->second.keys.erase(key);
}

void PrivateRooms::adopt(const std::string& room, std::optional<PrivateList> list) {
  MutexLock lock(mu_);
  if (list) {
    lists_[room] = std::move(*list);
  } else {
    lists_.erase(room);
  }
}

void PrivateRooms::adopt_all(PrivateLists lists, const std::function<bool(const std::string& room)>& covers) {
  MutexLock lock(mu_);
  std::erase_if(lists_, [&](const auto& entry) { return covers(entry.first); });
  lists_.merge(lists);
}

void PrivateRooms::reload(const std::string& room) { adopt(room, records_->load(room)); }

}  // namespace sockit::chat
