// The snack shop's catalog: what is for sale, at what price, and how many; money as integer
// cents, parsed from and printed as exact decimal text; catalog files in JSON or CSV.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sockit::shop {

/// One product. A plain value; thread safe as any const object is.
struct Item {
  std::string name;          ///< Non-empty UTF-8, no control characters, no edge whitespace.
  std::int64_t price_cents;  ///< >= 0.
  std::int64_t stock;        ///< >= 0.

  friend bool operator==(const Item&, const Item&) = default;
};

/// Products in display order, names unique.
using Catalog = std::vector<Item>;

/// Longest item name accepted, in bytes.
inline constexpr std::size_t kMaxItemNameBytes = 256;
/// Largest catalog file accepted, in bytes.
inline constexpr std::uintmax_t kMaxCatalogFileBytes = 16 * 1024 * 1024;

/// The seed's goods: 瓜子 4.5, 西瓜 2, 矿泉水 2.5, each with a stock of 100. Thread safe.
Catalog default_catalog();

/// Reads a catalog file; ".json" (array of {"name","price","stock"}) or ".csv" (header
/// `name,price,stock`), by extension, case-insensitively. Throws parse_error naming the file
/// and the entry or line for every bad input, a missing or unreadable file too. Thread safe.
Catalog load_catalog(const std::filesystem::path& path);

/// Parses JSON catalog text. "price" is a number or a string of decimal text, "stock" a whole
/// number; other keys are refused. Throws parse_error naming the entry. Thread safe.
Catalog parse_catalog_json(std::string_view text);

/// Parses CSV catalog text: a header `name,price,stock`, then one item a line; blank lines are
/// skipped, fields are trimmed, no quoting. Throws parse_error naming the line. Thread safe.
Catalog parse_catalog_csv(std::string_view text);

/// Exact decimal text to cents: "4.5" -> 450, "2" -> 200, "2.55" -> 255. At most two decimals,
/// no sign, no exponent; throws parse_error otherwise or on overflow. Thread safe.
std::int64_t parse_price(std::string_view text);

/// Cents to the shortest decimal text: 450 -> "4.5", 200 -> "2", 255 -> "2.55", 5 -> "0.05".
/// Negative amounts get a leading '-'. Thread safe.
std::string format_price(std::int64_t cents);

/// Non-negative whole number in decimal digits; throws parse_error otherwise. Thread safe.
std::int64_t parse_count(std::string_view text);

/// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past
/// U+10FFFF). Thread safe.
bool is_valid_utf8(std::string_view text) noexcept;

/// Throws parse_error unless `name` is a valid item name (see Item::name). Thread safe.
void check_item_name(std::string_view name);

/// Throws parse_error on an empty catalog, a bad or duplicate name, or a negative price or
/// stock. Thread safe.
void check_catalog(const Catalog& catalog);

}  // namespace sockit::shop
