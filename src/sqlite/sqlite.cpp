#include "sqlite/sqlite.hpp"

#include <system_error>

#include <sqlite3.h>

namespace sockit::sqlite {
namespace {

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what) {
  const char* reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw error(std::string(what) + ": " + reason);
}

void check(sqlite3* db, int rc, std::string_view what) {
  if (rc != SQLITE_OK) fail(db, rc, what);
}

void make_parent_directories(const std::filesystem::path& file) {
  const std::filesystem::path parent = file.parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) throw error("cannot create " + parent.string() + ": " + ec.message());
}

void use_wal(sqlite3* db) {
  Statement pragma(db, "PRAGMA journal_mode=WAL");
  Cursor cursor(pragma);
  const std::string mode = cursor.step() ? cursor.text(0) : "";
  if (mode != "wal") throw error("cannot use WAL mode (journal is " + mode + ")");
}

}  // namespace

// sqlite3_close_v2 fails only on a bad handle; it defers the close until the last statement
// is finalized.
void Close::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }

Connection open(const std::filesystem::path& file, const OpenOptions& options) {
  if (options.create_parent_directories) make_parent_directories(file);
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  Connection db(raw);
  if (rc != SQLITE_OK) fail(db.get(), rc, "open " + file.string());
  check(db.get(), sqlite3_extended_result_codes(db.get(), 1), "extended result codes");
  check(db.get(), sqlite3_busy_timeout(db.get(), options.busy_timeout_ms), "busy timeout");
  if (options.wal) use_wal(db.get());
  return db;
}

void exec(sqlite3* db, const char* sql, std::string_view what) {
  char* reason = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &reason);
  if (rc == SQLITE_OK) return;
  const std::string text = reason != nullptr ? reason : sqlite3_errstr(rc);
  sqlite3_free(reason);
  throw error(std::string(what) + ": " + text);
}

Statement::Statement(sqlite3* db, const char* sql) : db_(db) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  handle_.reset(raw);
  check(db, rc, "prepare");
}

// sqlite3_finalize only repeats the last step's error, which step() has already thrown.
void Statement::Finalize::operator()(sqlite3_stmt* statement) const noexcept {
  sqlite3_finalize(statement);
}

Cursor::Cursor(Statement& statement) noexcept
    : db_(statement.db_), raw_(statement.handle_.get()) {}

// sqlite3_reset likewise repeats step()'s error; sqlite3_clear_bindings always succeeds.
Cursor::~Cursor() {
  sqlite3_reset(raw_);
  sqlite3_clear_bindings(raw_);
}

void Cursor::bind(int index, std::int64_t value) {
  check(db_, sqlite3_bind_int64(raw_, index, value), "bind");
}

void Cursor::bind(int index, std::string_view text) {
  const auto size = static_cast<sqlite3_uint64>(text.size());
  check(db_, sqlite3_bind_text64(raw_, index, text.data(), size, SQLITE_STATIC, SQLITE_UTF8),
        "bind");
}

bool Cursor::step() {
  const int rc = sqlite3_step(raw_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc, "step");
}

std::int64_t Cursor::integer(int column) const noexcept {
  return sqlite3_column_int64(raw_, column);
}

std::string Cursor::text(int column) const {
  const unsigned char* data = sqlite3_column_text(raw_, column);
  if (data == nullptr) return {};
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(raw_, column));
  return std::string(reinterpret_cast<const char*>(data), size);
}

int Cursor::changes() const noexcept { return sqlite3_changes(db_); }

Transaction::Transaction(sqlite3* db) : db_(db) { exec(db_, "BEGIN IMMEDIATE", "begin"); }

// SQLite may have rolled back by itself already (autocommit is then back on). A destructor
// cannot report a failed ROLLBACK; the next BEGIN would fail and report it.
Transaction::~Transaction() {
  if (!committed_ && sqlite3_get_autocommit(db_) == 0) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  exec(db_, "COMMIT", "commit");
  committed_ = true;
}

}  // namespace sockit::sqlite
