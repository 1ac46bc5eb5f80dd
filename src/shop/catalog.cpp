// Catalog parsing: exact money text, UTF-8 and name checks, JSON (Boost.JSON) and CSV files.
#include "sockit/shop/catalog.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <set>
#include <system_error>
#include <utility>

#include <boost/json.hpp>

#include "sockit/core/error.hpp"

namespace sockit::shop {
namespace {

constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// `text` quoted for an error message, cut short and with control bytes shown as '?'.
std::string shown(std::string_view text) {
  constexpr std::size_t kMax = 40;
  std::string out = "\"";
  for (const char c : text.substr(0, kMax)) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte == 0x7f) ? '?' : c;
  }
  out += text.size() > kMax ? "...\"" : "\"";
  return out;
}

// Whole decimal digits to a number; false on overflow or a non-digit.
bool digits_value(std::string_view digits, std::int64_t& value) {
  value = 0;
  for (const char c : digits) {
    if (!is_digit(c) || value > (kMaxInt - (c - '0')) / 10) return false;
    value = value * 10 + (c - '0');
  }
  return true;
}

// Byte count of the UTF-8 sequence led by `lead`, 0 if `lead` cannot start one.
std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

// The allowed range of the second byte after `lead` (rules out overlongs and surrogates).
bool second_byte_ok(unsigned char lead, unsigned char second) {
  if (lead == 0xe0) return second >= 0xa0 && second <= 0xbf;
  if (lead == 0xed) return second >= 0x80 && second <= 0x9f;
  if (lead == 0xf0) return second >= 0x90 && second <= 0xbf;
  if (lead == 0xf4) return second >= 0x80 && second <= 0x8f;
  return second >= 0x80 && second <= 0xbf;
}

// Offset of the first byte that is not part of well-formed UTF-8, npos if there is none.
std::size_t first_bad_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = utf8_length(lead);
    if (length == 0 || i + length > text.size()) return i;
    for (std::size_t k = 1; k < length; ++k) {
      const auto byte = static_cast<unsigned char>(text[i + k]);
      const bool ok = k == 1 ? second_byte_ok(lead, byte) : (byte >= 0x80 && byte <= 0xbf);
      if (!ok) return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

bool has_control(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7f) return true;
    // C1 controls U+0080..U+009F are encoded as C2 80..C2 9F.
    if (byte == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xa0) {
      return true;
    }
  }
  return false;
}

// --- JSON -----------------------------------------------------------------------------------

// "line L, column C" of byte `offset` in `text`.
std::string position(std::string_view text, std::size_t offset) {
  const std::string_view before = text.substr(0, offset);
  const auto line = std::count(before.begin(), before.end(), '\n') + 1;
  const std::size_t last_newline = before.rfind('\n');
  const std::size_t column =
      last_newline == std::string_view::npos ? offset + 1 : offset - last_newline;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

boost::json::value parse_json_text(std::string_view text) {
  const std::size_t bad = first_bad_utf8(text);
  if (bad != std::string_view::npos) throw parse_error("not valid UTF-8 at " + position(text, bad));
  boost::json::parser parser;
  boost::system::error_code ec;
  const std::size_t used = parser.write(text.data(), text.size(), ec);
  if (ec) {
    throw parse_error("bad JSON at " + position(text, used) + ": " + ec.message());
  }
  return parser.release();
}

std::int64_t json_price(const boost::json::value& value) {
  if (value.is_string()) return parse_price(value.get_string());
  if (value.is_int64()) {
    const std::int64_t whole = value.get_int64();
    if (whole < 0) throw parse_error("price must not be negative");
    if (whole > kMaxInt / 100) throw parse_error("price is too large");
    return whole * 100;
  }
  if (value.is_uint64()) throw parse_error("price is too large");
  if (value.is_double()) {
    // The shortest text that reads back as this double is the text the file held.
    char buffer[64];
    const auto [end, ec] = std::to_chars(std::begin(buffer), std::end(buffer), value.get_double());
    if (ec != std::errc()) throw parse_error("bad price");
    return parse_price(std::string_view(buffer, static_cast<std::size_t>(end - buffer)));
  }
  throw parse_error("price must be a number or decimal text");
}

std::int64_t json_stock(const boost::json::value& value) {
  if (value.is_int64()) {
    if (value.get_int64() < 0) throw parse_error("stock must not be negative");
    return value.get_int64();
  }
  if (value.is_uint64()) throw parse_error("stock is too large");
  if (value.is_string()) return parse_count(value.get_string());
  throw parse_error("stock must be a whole number");
}

const boost::json::value& required(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  if (value == nullptr) throw parse_error("missing \"" + std::string(key) + "\"");
  return *value;
}

Item json_item(const boost::json::value& value) {
  const boost::json::object* object = value.if_object();
  if (object == nullptr) throw parse_error("expected an object {\"name\",\"price\",\"stock\"}");
  for (const auto& field : *object) {
    const std::string_view key = field.key();
    if (key != "name" && key != "price" && key != "stock") {
      throw parse_error("unknown field " + shown(key));
    }
  }
  const boost::json::value& name = required(*object, "name");
  if (!name.is_string()) throw parse_error("\"name\" must be a string");
  Item item{std::string(name.get_string()), 0, 0};
  check_item_name(item.name);
  try {
    item.price_cents = json_price(required(*object, "price"));
    item.stock = json_stock(required(*object, "stock"));
  } catch (const parse_error& e) {
    throw parse_error(shown(item.name) + ": " + e.what());
  }
  return item;
}

// --- CSV ------------------------------------------------------------------------------------

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

bool ascii_iequal(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    };
    return lower(x) == lower(y);
  });
}

void check_csv_header(const std::vector<std::string_view>& fields) {
  const bool ok = fields.size() == 3 && ascii_iequal(fields[0], "name") &&
                  ascii_iequal(fields[1], "price") && ascii_iequal(fields[2], "stock");
  if (!ok) throw parse_error("expected the header \"name,price,stock\"");
}

Item csv_item(std::string_view line) {
  if (!is_valid_utf8(line)) throw parse_error("not valid UTF-8");
  const std::vector<std::string_view> fields = split_fields(line);
  if (fields.size() != 3) {
    throw parse_error("expected 3 fields (name,price,stock), found " +
                      std::to_string(fields.size()));
  }
  check_item_name(fields[0]);
  return Item{std::string(fields[0]), parse_price(fields[1]), parse_count(fields[2])};
}

// Appends `item`, refusing a name already in `names`.
void append_unique(Catalog& catalog, std::set<std::string, std::less<>>& names, Item item) {
  if (!names.insert(item.name).second) {
    throw parse_error("duplicate item name " + shown(item.name));
  }
  catalog.push_back(std::move(item));
}

std::string read_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw parse_error("cannot read: " + ec.message());
  if (size > kMaxCatalogFileBytes) throw parse_error("file is larger than 16 MiB");
  std::ifstream in(path, std::ios::binary);
  std::string text(std::istreambuf_iterator<char>(in), {});
  if (!in && !in.eof()) throw parse_error("cannot read the file");
  return text;
}

std::string lower_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return ext;
}

}  // namespace

Catalog default_catalog() {
  return {{"瓜子", 450, 100}, {"西瓜", 200, 100}, {"矿泉水", 250, 100}};
}

std::int64_t parse_price(std::string_view text) {
  if (!text.empty() && text.front() == '-') throw parse_error("price must not be negative");
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view decimals = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  const auto bad = [&] {
    return parse_error("bad price " + shown(text) + ": expected a decimal like 4.5");
  };
  if (whole.empty() || (dot != std::string_view::npos && decimals.empty())) throw bad();
  if (!std::all_of(decimals.begin(), decimals.end(), is_digit)) throw bad();
  if (decimals.size() > 2) {
    throw parse_error("bad price " + shown(text) + ": at most two decimals (cents)");
  }
  std::int64_t units = 0;
  if (!std::all_of(whole.begin(), whole.end(), is_digit)) throw bad();
  if (!digits_value(whole, units) || units > kMaxInt / 100) {
    throw parse_error("price " + shown(text) + " is too large");
  }
  std::int64_t cents = 0;
  digits_value(decimals, cents);
  return units * 100 + (decimals.size() == 1 ? cents * 10 : cents);
}

std::string format_price(std::int64_t cents) {
  const bool negative = cents < 0;
  // Unsigned magnitude, so the smallest int64 has a magnitude too.
  const std::uint64_t magnitude =
      negative ? 0 - static_cast<std::uint64_t>(cents) : static_cast<std::uint64_t>(cents);
  std::string text = negative ? "-" : "";  // appended: GCC 12's -Wrestrict misfires on "-" + s
  text += std::to_string(magnitude / 100);
  const std::uint64_t fraction = magnitude % 100;
  if (fraction == 0) return text;
  text += '.';
  text += static_cast<char>('0' + fraction / 10);
  if (fraction % 10 != 0) text += static_cast<char>('0' + fraction % 10);
  return text;
}

std::int64_t parse_count(std::string_view text) {
  if (!text.empty() && text.front() == '-') throw parse_error("stock must not be negative");
  std::int64_t value = 0;
  if (text.empty() || !digits_value(text, value)) {
    throw parse_error("bad stock " + shown(text) + ": expected a whole number like 100");
  }
  return value;
}

bool is_valid_utf8(std::string_view text) noexcept {
  return first_bad_utf8(text) == std::string_view::npos;
}

void check_item_name(std::string_view name) {
  if (name.empty()) throw parse_error("item name is empty");
  if (name.size() > kMaxItemNameBytes) throw parse_error("item name is longer than 256 bytes");
  if (!is_valid_utf8(name)) throw parse_error("item name is not valid UTF-8");
  if (has_control(name)) throw parse_error("item name " + shown(name) + " has control characters");
  if (trim(name) != name) {
    throw parse_error("item name " + shown(name) + " starts or ends with whitespace");
  }
}

void check_catalog(const Catalog& catalog) {
  if (catalog.empty()) throw parse_error("catalog has no items");
  std::set<std::string_view> seen;  // views into `catalog`, which does not change here
  for (const Item& item : catalog) {
    check_item_name(item.name);
    if (item.price_cents < 0) throw parse_error("price of " + shown(item.name) + " is negative");
    if (item.stock < 0) throw parse_error("stock of " + shown(item.name) + " is negative");
    if (!seen.insert(item.name).second) {
      throw parse_error("duplicate item name " + shown(item.name));
    }
  }
}

Catalog parse_catalog_json(std::string_view text) {
  const boost::json::value root = parse_json_text(text);
  const boost::json::array* entries = root.if_array();
  if (entries == nullptr) throw parse_error("expected a JSON array of items");
  Catalog catalog;
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    try {
      append_unique(catalog, names, json_item((*entries)[i]));
    } catch (const parse_error& e) {
      throw parse_error("entry " + std::to_string(i + 1) + ": " + e.what());
    }
  }
  check_catalog(catalog);
  return catalog;
}

Catalog parse_catalog_csv(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a spreadsheet's BOM
  Catalog catalog;
  std::set<std::string, std::less<>> names;
  bool header_seen = false;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    const std::string_view line = trim(text.substr(0, newline));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    if (line.empty()) continue;
    try {
      if (!header_seen) {
        check_csv_header(split_fields(line));
        header_seen = true;
        continue;
      }
      append_unique(catalog, names, csv_item(line));
    } catch (const parse_error& e) {
      throw parse_error("line " + std::to_string(line_number) + ": " + e.what());
    }
  }
  if (!header_seen) throw parse_error("expected the header \"name,price,stock\"");
  check_catalog(catalog);
  return catalog;
}

Catalog load_catalog(const std::filesystem::path& path) {
  const std::string where = "catalog " + path.string() + ": ";
  try {
    const std::string ext = lower_extension(path);
    if (ext != ".json" && ext != ".csv") {
      throw parse_error("unknown format, expected a .json or .csv file");
    }
    const std::string text = read_file(path);
    return ext == ".json" ? parse_catalog_json(text) : parse_catalog_csv(text);
  } catch (const parse_error& e) {
    throw parse_error(where + e.what());
  }
}

}  // namespace sockit::shop
