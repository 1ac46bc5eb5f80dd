// ShopStore: the snack shop's stock and order book in SQLite, shared by every customer session.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sockit/shop/catalog.hpp"

namespace sockit::shop {

/// A failed SQLite call; what() names the operation and holds SQLite's message.
class store_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// How a purchase went.
enum class BuyStatus { ok, unknown_item, sold_out, insufficient_balance };

/// The answer to ShopStore::buy. A plain value.
struct BuyResult {
  BuyStatus status = BuyStatus::unknown_item;
  std::int64_t price_cents = 0;    ///< The item's price (0 for unknown_item).
  std::int64_t balance_cents = 0;  ///< The balance after the call: lower by price only if ok.
  std::int64_t stock_left = 0;     ///< The item's stock after the call.
};

/// One recorded purchase. A plain value.
struct Order {
  std::int64_t id = 0;     ///< Increasing in the order purchases committed.
  std::int64_t ts_ms = 0;  ///< Unix time in milliseconds.
  std::string customer;
  std::string item;
  std::int64_t price_cents = 0;
  std::int64_t balance_after_cents = 0;
};

/// Stock and orders over one SQLite connection. Thread safe: buy, items, orders_count and
/// orders_for may be called from any number of threads at once (they are serialised on an
/// internal mutex; writes run in BEGIN IMMEDIATE transactions, so processes may share a file).
///
/// The catalog given at opening decides what is sold and at what price, in its order. Stock
/// comes from the store: an item the store already knows keeps its stored stock; a new one
/// starts with the catalog's stock. Items dropped from the catalog are no longer sold, but
/// their stock and orders stay in the file.
class ShopStore {
 public:
  /// Opens (creating if needed, parent directories too) the database file `file` in WAL mode
  /// with a busy timeout, and merges `catalog` into it as described above. Throws store_error,
  /// or parse_error if `catalog` is invalid (see check_catalog).
  static ShopStore open_file(const std::filesystem::path& file, const Catalog& catalog);
  /// A private in-memory database seeded with `catalog` (for `--data none` and tests); nothing
  /// survives it. Throws like open_file.
  static ShopStore open_memory(const Catalog& catalog);

  /// A moved-from store may only be destroyed or assigned to. Not thread safe.
  ShopStore(ShopStore&&) noexcept;
  ShopStore& operator=(ShopStore&&) noexcept;
  ShopStore(const ShopStore&) = delete;
  ShopStore& operator=(const ShopStore&) = delete;
  /// Closes the database. Not thread safe: no other call may be running.
  ~ShopStore();

  /// Sells one `item` to `customer` holding `balance_cents`, atomically: checks that the item
  /// is in the catalog, in stock, and no dearer than the balance, then takes one from stock and
  /// records the order, all in one transaction. Never sells more than the stock. Thread safe.
  /// Throws store_error if SQLite fails (nothing is then sold or recorded), and
  /// std::invalid_argument if `balance_cents` is negative.
  BuyResult buy(std::string_view customer, std::string_view item, std::int64_t balance_cents);

  /// The catalog's items with their stored price and stock, in catalog order. Thread safe.
  Catalog items() const;
  /// How many orders the store holds (across restarts). Thread safe.
  std::int64_t orders_count() const;
  /// `customer`'s orders, oldest first. Thread safe.
  std::vector<Order> orders_for(std::string_view customer) const;

 private:
  struct Impl;
  explicit ShopStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sockit::shop
