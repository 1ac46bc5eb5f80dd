// ShopStore over SQLite: one connection behind a mutex, statements prepared once, every
// purchase one BEGIN IMMEDIATE transaction.
#include "sockit/shop/store.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <tuple>
#include <utility>

#include <sqlite3.h>

namespace sockit::shop {
namespace {

constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS items(
  name TEXT PRIMARY KEY NOT NULL,
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
  stock INTEGER NOT NULL CHECK (stock >= 0));
CREATE TABLE IF NOT EXISTS orders(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts_ms INTEGER NOT NULL,
  customer TEXT NOT NULL,
  item TEXT NOT NULL,
  price_cents INTEGER NOT NULL,
  balance_after_cents INTEGER NOT NULL CHECK (balance_after_cents >= 0));
CREATE INDEX IF NOT EXISTS orders_by_customer ON orders(customer, id);
)sql";

struct CloseDb {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};
using DbHandle = std::unique_ptr<sqlite3, CloseDb>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw store_error("shop store: " + std::string(what) + ": " + message);
}

void check(sqlite3* db, int rc, std::string_view what) {
  if (rc != SQLITE_OK) fail(db, rc, what);
}

// Runs fixed SQL text (never text from users).
void exec(sqlite3* db, const char* sql, std::string_view what) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return;
  const std::string message = error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  throw store_error("shop store: " + std::string(what) + ": " + message);
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A prepared statement; bind, step, read columns; reset() readies it for the next use.
// Not thread safe: used under the store's mutex.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    handle_.reset(raw);
    check(db, rc, "prepare");
  }

  void bind(int index, std::int64_t value) {
    check(db_, sqlite3_bind_int64(handle_.get(), index, value), "bind");
  }
  // The text must stay alive until reset(): SQLite keeps a pointer to it (no destructor).
  void bind(int index, std::string_view text) {
    const auto size = static_cast<sqlite3_uint64>(text.size());
    check(db_, sqlite3_bind_text64(handle_.get(), index, text.data(), size, nullptr, SQLITE_UTF8),
          "bind");
  }
  // True if a row is ready, false when done.
  bool step() {
    const int rc = sqlite3_step(handle_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, rc, "step");
  }
  std::int64_t integer(int column) { return sqlite3_column_int64(handle_.get(), column); }
  std::string text(int column) {
    const auto* data = sqlite3_column_text(handle_.get(), column);
    const int size = sqlite3_column_bytes(handle_.get(), column);
    if (data == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
  }
  // sqlite3_reset repeats the last step's error, which step() already reported; the binding
  // pointers are dropped so no dangling text stays bound.
  void reset() noexcept {
    sqlite3_reset(handle_.get());
    sqlite3_clear_bindings(handle_.get());
  }

 private:
  sqlite3* db_;
  StatementHandle handle_;
};

// Resets a statement at the end of a scope, whatever happened in it.
class Use {
 public:
  explicit Use(Statement& statement) : statement_(statement) {}
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  ~Use() { statement_.reset(); }
  Statement* operator->() { return &statement_; }

 private:
  Statement& statement_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back if commit() was not reached.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { exec(db_, "BEGIN IMMEDIATE", "begin"); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    // SQLite may have rolled back by itself already (autocommit is then back on). A destructor
    // cannot report a failed ROLLBACK; the next BEGIN would then fail and report it.
    if (!done_ && sqlite3_get_autocommit(db_) == 0) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  void commit() {
    exec(db_, "COMMIT", "commit");
    done_ = true;
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

DbHandle open_db(const std::string& where) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(where.c_str(), &raw, flags, nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK) fail(db.get(), rc, "open " + where);
  check(db.get(), sqlite3_extended_result_codes(db.get(), 1), "configure");
  check(db.get(), sqlite3_busy_timeout(db.get(), kBusyTimeoutMs), "busy timeout");
  return db;
}

void use_wal(sqlite3* db) {
  Statement pragma(db, "PRAGMA journal_mode=WAL");
  Use use(pragma);
  const std::string mode = use->step() ? use->text(0) : "";
  if (mode != "wal") throw store_error("shop store: cannot use WAL mode (journal is " + mode + ")");
}

void make_parent_directories(const std::filesystem::path& file) {
  const std::filesystem::path parent = file.parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) throw store_error("shop store: cannot create " + parent.string() + ": " + ec.message());
}

// Creates the tables and merges the catalog: new items in, prices updated, stock kept.
// Runs before any other statement is prepared, since those need the tables.
void set_up(sqlite3* db, const Catalog& catalog) {
  Transaction transaction(db);
  exec(db, kSchema, "create tables");
  Statement upsert(db,
                   "INSERT INTO items(name, price_cents, stock) VALUES (?1, ?2, ?3)"
                   " ON CONFLICT(name) DO UPDATE SET price_cents = excluded.price_cents");
  for (const Item& item : catalog) {
    Use use(upsert);
    use->bind(1, item.name);
    use->bind(2, item.price_cents);
    use->bind(3, item.stock);
    use->step();
  }
  transaction.commit();
}

}  // namespace

struct ShopStore::Impl {
  Impl(DbHandle handle, const Catalog& sold)
      : db(std::move(handle)),
        catalog(sold),
        select_item(db.get(), "SELECT price_cents, stock FROM items WHERE name = ?1"),
        take_one(db.get(), "UPDATE items SET stock = stock - 1 WHERE name = ?1 AND stock > 0"),
        insert_order(db.get(),
                     "INSERT INTO orders(ts_ms, customer, item, price_cents, balance_after_cents)"
                     " VALUES (?1, ?2, ?3, ?4, ?5)"),
        select_stock(db.get(), "SELECT name, price_cents, stock FROM items"),
        count_orders(db.get(), "SELECT count(*) FROM orders"),
        select_orders(db.get(),
                      "SELECT id, ts_ms, customer, item, price_cents, balance_after_cents"
                      " FROM orders WHERE customer = ?1 ORDER BY id") {
    for (std::size_t i = 0; i < catalog.size(); ++i) position.emplace(catalog[i].name, i);
  }

  // Price and stock of a stored item.
  std::optional<std::pair<std::int64_t, std::int64_t>> read_item(std::string_view name) {
    Use use(select_item);
    use->bind(1, name);
    if (!use->step()) return std::nullopt;
    return std::pair{use->integer(0), use->integer(1)};
  }

  void record(std::string_view customer, std::string_view item, std::int64_t price,
              std::int64_t balance_after) {
    {
      Use use(take_one);
      use->bind(1, item);
      use->step();
      if (sqlite3_changes(db.get()) != 1) throw store_error("shop store: stock changed under us");
    }
    Use use(insert_order);
    use->bind(1, now_ms());
    use->bind(2, customer);
    use->bind(3, item);
    use->bind(4, price);
    use->bind(5, balance_after);
    use->step();
  }

  std::mutex mutex;
  DbHandle db;  // declared before the statements, so destroyed after them
  const Catalog catalog;
  std::map<std::string, std::size_t, std::less<>> position;  // name -> index in catalog
  Statement select_item;
  Statement take_one;
  Statement insert_order;
  Statement select_stock;
  Statement count_orders;
  Statement select_orders;
};

ShopStore::ShopStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ShopStore::ShopStore(ShopStore&&) noexcept = default;
ShopStore& ShopStore::operator=(ShopStore&&) noexcept = default;
ShopStore::~ShopStore() = default;

ShopStore ShopStore::open_file(const std::filesystem::path& file, const Catalog& catalog) {
  check_catalog(catalog);
  make_parent_directories(file);
  DbHandle db = open_db(file.string());
  use_wal(db.get());
  set_up(db.get(), catalog);
  return ShopStore(std::make_unique<Impl>(std::move(db), catalog));
}

ShopStore ShopStore::open_memory(const Catalog& catalog) {
  check_catalog(catalog);
  DbHandle db = open_db(":memory:");
  set_up(db.get(), catalog);
  return ShopStore(std::make_unique<Impl>(std::move(db), catalog));
}

BuyResult ShopStore::buy(std::string_view customer, std::string_view item,
                         std::int64_t balance_cents) {
  if (balance_cents < 0) throw std::invalid_argument("shop store: negative balance");
  const std::lock_guard lock(impl_->mutex);
  BuyResult result{BuyStatus::unknown_item, 0, balance_cents, 0};
  if (!impl_->position.contains(item)) return result;
  Transaction transaction(impl_->db.get());  // rolled back unless a sale is committed
  const auto stored = impl_->read_item(item);
  if (!stored) return result;
  std::tie(result.price_cents, result.stock_left) = *stored;
  if (result.stock_left <= 0) {
    result.status = BuyStatus::sold_out;
  } else if (result.price_cents > balance_cents) {
    result.status = BuyStatus::insufficient_balance;
  } else {
    impl_->record(customer, item, result.price_cents, balance_cents - result.price_cents);
    transaction.commit();
    result = {BuyStatus::ok, result.price_cents, balance_cents - result.price_cents,
              result.stock_left - 1};
  }
  return result;
}

Catalog ShopStore::items() const {
  const std::lock_guard lock(impl_->mutex);
  Catalog items = impl_->catalog;
  Use use(impl_->select_stock);
  while (use->step()) {
    const auto found = impl_->position.find(use->text(0));
    if (found == impl_->position.end()) continue;  // no longer in the catalog
    items[found->second].price_cents = use->integer(1);
    items[found->second].stock = use->integer(2);
  }
  return items;
}

std::int64_t ShopStore::orders_count() const {
  const std::lock_guard lock(impl_->mutex);
  Use use(impl_->count_orders);
  return use->step() ? use->integer(0) : 0;
}

std::vector<Order> ShopStore::orders_for(std::string_view customer) const {
  const std::lock_guard lock(impl_->mutex);
  std::vector<Order> orders;
  Use use(impl_->select_orders);
  use->bind(1, customer);
  while (use->step()) {
    orders.push_back(Order{use->integer(0), use->integer(1), use->text(2), use->text(3),
                           use->integer(4), use->integer(5)});
  }
  return orders;
}

}  // namespace sockit::shop
