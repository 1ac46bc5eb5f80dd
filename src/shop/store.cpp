// ShopStore over SQLite: one connection behind a mutex, statements prepared once, every
// purchase one BEGIN IMMEDIATE transaction.
#include "sockit/shop/store.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "sockit/core/clock.hpp"
#include "sqlite/sqlite.hpp"

namespace sockit::shop {
namespace {

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

// Runs `body`, reporting a failed SQLite call as a store_error.
template <class Body>
auto guarded(Body&& body) {
  return sqlite::rethrow_as<store_error>("shop store: ", std::forward<Body>(body));
}

// Creates the tables and merges the catalog: new items in, prices updated, stock kept.
// Runs before any other statement is prepared, since those need the tables.
void set_up(sqlite3* db, const Catalog& catalog) {
  sqlite::Transaction transaction(db);
  sqlite::exec(db, kSchema, "create tables");
  sqlite::Statement upsert(db,
                           "INSERT INTO items(name, price_cents, stock) VALUES (?1, ?2, ?3)"
                           " ON CONFLICT(name) DO UPDATE SET price_cents = excluded.price_cents");
  for (const Item& item : catalog) {
    sqlite::Cursor cursor(upsert);
    cursor.bind(1, item.name);
    cursor.bind(2, item.price_cents);
    cursor.bind(3, item.stock);
    cursor.step();
  }
  transaction.commit();
}

}  // namespace

struct ShopStore::Impl {
  Impl(sqlite::Connection connection, const Catalog& sold)
      : db(std::move(connection)),
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
    sqlite::Cursor cursor(select_item);
    cursor.bind(1, name);
    if (!cursor.step()) return std::nullopt;
    return std::pair{cursor.integer(0), cursor.integer(1)};
  }

  void record(std::string_view customer, std::string_view item, std::int64_t price,
              std::int64_t balance_after) {
    {
      sqlite::Cursor cursor(take_one);
      cursor.bind(1, item);
      cursor.step();
      if (cursor.changes() != 1) throw store_error("shop store: stock changed under us");
    }
    sqlite::Cursor cursor(insert_order);
    cursor.bind(1, unix_time_ms());
    cursor.bind(2, customer);
    cursor.bind(3, item);
    cursor.bind(4, price);
    cursor.bind(5, balance_after);
    cursor.step();
  }

  std::mutex mutex;
  sqlite::Connection db;  // declared before the statements, so closed after them
  const Catalog catalog;
  std::map<std::string, std::size_t, std::less<>> position;  // name -> index in catalog
  sqlite::Statement select_item;
  sqlite::Statement take_one;
  sqlite::Statement insert_order;
  sqlite::Statement select_stock;
  sqlite::Statement count_orders;
  sqlite::Statement select_orders;
};

ShopStore::ShopStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ShopStore::ShopStore(ShopStore&&) noexcept = default;
ShopStore& ShopStore::operator=(ShopStore&&) noexcept = default;
ShopStore::~ShopStore() = default;

ShopStore ShopStore::open_file(const std::filesystem::path& file, const Catalog& catalog) {
  check_catalog(catalog);
  return ShopStore(guarded([&] {
    sqlite::Connection db = sqlite::open(file, {.create_parent_directories = true, .wal = true});
    set_up(db.get(), catalog);
    return std::make_unique<Impl>(std::move(db), catalog);
  }));
}

ShopStore ShopStore::open_memory(const Catalog& catalog) {
  check_catalog(catalog);
  return ShopStore(guarded([&] {
    sqlite::Connection db = sqlite::open(":memory:", {});
    set_up(db.get(), catalog);
    return std::make_unique<Impl>(std::move(db), catalog);
  }));
}

BuyResult ShopStore::buy(std::string_view customer, std::string_view item,
                         std::int64_t balance_cents) {
  if (balance_cents < 0) throw std::invalid_argument("shop store: negative balance");
  const std::lock_guard lock(impl_->mutex);
  BuyResult result{BuyStatus::unknown_item, 0, balance_cents, 0};
  if (!impl_->position.contains(item)) return result;
  return guarded([&] {
    sqlite::Transaction transaction(impl_->db.get());  // rolled back unless a sale is committed
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
  });
}

Catalog ShopStore::items() const {
  const std::lock_guard lock(impl_->mutex);
  return guarded([&] {
    Catalog items = impl_->catalog;
    sqlite::Cursor cursor(impl_->select_stock);
    while (cursor.step()) {
      const auto found = impl_->position.find(cursor.text(0));
      if (found == impl_->position.end()) continue;  // no longer in the catalog
      items[found->second].price_cents = cursor.integer(1);
      items[found->second].stock = cursor.integer(2);
    }
    return items;
  });
}

std::int64_t ShopStore::orders_count() const {
  const std::lock_guard lock(impl_->mutex);
  return guarded([&] {
    sqlite::Cursor cursor(impl_->count_orders);
    return cursor.step() ? cursor.integer(0) : 0;
  });
}

std::vector<Order> ShopStore::orders_for(std::string_view customer) const {
  const std::lock_guard lock(impl_->mutex);
  return guarded([&] {
    std::vector<Order> orders;
    sqlite::Cursor cursor(impl_->select_orders);
    cursor.bind(1, customer);
    while (cursor.step()) {
      orders.push_back(Order{cursor.integer(0), cursor.integer(1), cursor.text(2),
                             cursor.text(3), cursor.integer(4), cursor.integer(5)});
    }
    return orders;
  });
}

}  // namespace sockit::shop
