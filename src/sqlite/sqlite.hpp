// RAII over the SQLite C API for the stores: connections, prepared statements, cursors and
// transactions. Every SQLite return code is checked; a failure throws sqlite::error, which a
// store turns into its own error type with rethrow_as. Internal: not installed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace sockit::sqlite {

/// A failed SQLite call; what() is "<operation>: <SQLite's message>".
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Runs `body` and returns its result; a sqlite::error escaping it is rethrown as
/// `Error(prefix + what())`, so each store keeps its own exception type and message prefix.
template <class Error, class Body>
auto rethrow_as(std::string_view prefix, Body&& body) {
  try {
    return body();
  } catch (const error& e) {
    throw Error(std::string(prefix) + e.what());
  }
}

struct Close {
  void operator()(sqlite3* db) const noexcept;
};
/// One open connection. Not thread safe: it belongs to one thread or one mutex.
using Connection = std::unique_ptr<sqlite3, Close>;

struct OpenOptions {
  bool create_parent_directories = false;  ///< mkdir -p the file's folder first.
  bool wal = false;                        ///< journal_mode=WAL, or throw.
  int busy_timeout_ms = 5000;              ///< How long to wait for another writer's lock.
};

/// Opens (creating if needed) `file`, or ":memory:", read-write with extended result codes.
/// Throws sqlite::error.
Connection open(const std::filesystem::path& file, const OpenOptions& options);

/// Runs fixed SQL text (one or more statements, never text from users); `what` names it in
/// the error. Throws sqlite::error.
void exec(sqlite3* db, const char* sql, std::string_view what);

/// A statement prepared once for many uses; each use is a Cursor. Throws sqlite::error.
/// Not thread safe, like its connection, which must outlive it.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql);

 private:
  friend class Cursor;
  struct Finalize {
    void operator()(sqlite3_stmt* statement) const noexcept;
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalize> handle_;
};

/// One use of a Statement: bind, step, read columns. The destructor resets the statement
/// (ending its read transaction) and drops the bindings. Not thread safe.
class Cursor {
 public:
  explicit Cursor(Statement& statement) noexcept;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor();

  void bind(int index, std::int64_t value);
  /// SQLite keeps a pointer to `text` (no copy): it must outlive this Cursor.
  void bind(int index, std::string_view text);
  /// True while there is a row to read; false when done. Throws sqlite::error.
  bool step();
  std::int64_t integer(int column) const noexcept;
  std::string text(int column) const;  ///< "" for NULL.
  /// Rows changed by the last INSERT, UPDATE or DELETE on this connection.
  int changes() const noexcept;

 private:
  sqlite3* db_;
  sqlite3_stmt* raw_;
};

/// BEGIN IMMEDIATE ... COMMIT, rolled back unless commit() is reached. Not thread safe.
class Transaction {
 public:
  explicit Transaction(sqlite3* db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  sqlite3* db_;
  bool committed_ = false;
};

}  // namespace sockit::sqlite
