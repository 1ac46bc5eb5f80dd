// The seq floor in the store's meta table (see seq_floor.hpp for why).
#include <algorithm>

#include "chat/store/seq_floor.hpp"
#include "sockit/core/log.hpp"
#include "sqlite/sqlite.hpp"

namespace sockit::chat {
namespace {

constexpr const char* kMetaSchema =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID";

std::int64_t read_meta(sqlite3* db, const char* key, std::int64_t fallback) {
  sqlite::Statement select(db, "SELECT value FROM meta WHERE key = ?1");
  sqlite::Cursor cursor(select);
  cursor.bind(1, std::string_view(key));
  return cursor.step() ? cursor.integer(0) : fallback;
}

void write_meta(sqlite3* db, const char* key, std::int64_t value) {
  sqlite::Statement upsert(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)");
  sqlite::Cursor cursor(upsert);
  cursor.bind(1, std::string_view(key));
  cursor.bind(2, value);
  cursor.step();
}

}  // namespace

std::int64_t start_run(sqlite3* db, const std::map<std::string, std::int64_t>& last_seqs,
                       std::size_t bound) {
  sqlite::exec(db, kMetaSchema, "create meta table");
  std::int64_t max_stored = 0;
  for (const auto& [room, seq] : last_seqs) max_stored = std::max(max_stored, seq);
  const SeqMeta previous{read_meta(db, "seq_floor", 0), read_meta(db, "queue_bound", 0),
                         read_meta(db, "clean", 1) != 0};
  const std::int64_t floor = next_seq_floor(previous, max_stored);
  if (!previous.clean) log_warn("chat store: the last run did not stop cleanly; new seqs start above {}", floor);
  sqlite::Transaction transaction(db);
  write_meta(db, "seq_floor", floor);
  write_meta(db, "queue_bound", static_cast<std::int64_t>(bound));
  write_meta(db, "clean", 0);
  transaction.commit();
  return floor;
}

void record_clean_stop(sqlite3* db) {
  sqlite::Transaction transaction(db);
  write_meta(db, "clean", 1);
  transaction.commit();
}

}  // namespace sockit::chat
