// The snack shop without sockets: money text, catalog files, the SQLite store (in memory and
// on disk), the seed's dialogue, and many sessions buying from one store at once.
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <latch>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

#include "sockit/core/error.hpp"
#include "sockit/shop/catalog.hpp"
#include "sockit/shop/session.hpp"
#include "sockit/shop/store.hpp"

namespace sockit::shop {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSeedGreeting =
    "目前商店还有:瓜子(4.5),西瓜(2),矿泉水(2.5)。请问您需要什么?";
constexpr std::string_view kUnknown = "抱歉,您购买的商品目前没有,请选购其他的。";

using test::TempDir;

// what() of the parse_error that `parse` throws, or "no error".
template <typename Parse>
std::string parse_failure(Parse parse) {
  try {
    parse();
  } catch (const parse_error& e) {
    return e.what();
  }
  return "no error";
}

// --- money ----------------------------------------------------------------------------------

TEST(ShopPrice, ParsesExactDecimalText) {
  const std::vector<std::pair<std::string_view, std::int64_t>> rows = {
      {"4.5", 450}, {"2", 200},
      {"2.5", 250}, {"2.55", 255},
      {"0", 0},     {"0.05", 5},
      {"0.1", 10},  {"10.00", 1000},
      {"007", 700}, {"92233720368547758", 9223372036854775800}};
  for (const auto& [text, cents] : rows) EXPECT_EQ(parse_price(text), cents) << text;
}

TEST(ShopPrice, RefusesBadText) {
  for (const std::string_view text : {"2.555", "-1", "-0.5", "", ".5", "2.", "1e2", "+1", "1,5",
                                      " 1", "abc", "1.2.3", "92233720368547759", "4.5x"}) {
    EXPECT_THROW(parse_price(text), parse_error) << text;
  }
  EXPECT_NE(parse_failure([] { parse_price("2.555"); }).find("two decimals"), std::string::npos);
  EXPECT_NE(parse_failure([] { parse_price("-1"); }).find("negative"), std::string::npos);
}

TEST(ShopPrice, FormatsShortestDecimal) {
  const std::vector<std::pair<std::int64_t, std::string_view>> rows = {
      {450, "4.5"}, {200, "2"},  {255, "2.55"}, {250, "2.5"},   {0, "0"},
      {5, "0.05"},  {50, "0.5"}, {1000, "10"},  {-150, "-1.5"}, {101, "1.01"}};
  for (const auto& [cents, text] : rows) EXPECT_EQ(format_price(cents), text) << cents;
}

TEST(ShopText, ChecksUtf8) {
  EXPECT_TRUE(is_valid_utf8("西瓜 abc"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x8D\x89"));  // 🍉
  for (const std::string_view bad :
       {"\xFF", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE8\xA5", "\x80", "a\xE8"}) {
    EXPECT_FALSE(is_valid_utf8(bad));
  }
}

// --- catalog files --------------------------------------------------------------------------

TEST(ShopCatalog, DefaultIsTheSeeds) {
  const Catalog expected = {{"瓜子", 450, 100}, {"西瓜", 200, 100}, {"矿泉水", 250, 100}};
  EXPECT_EQ(default_catalog(), expected);
}

TEST(ShopCatalog, LoadsJson) {
  TempDir dir;
  const fs::path file = dir.write("goods.json", R"([
    {"name": "瓜子", "price": 4.5, "stock": 3},
    {"name": "西瓜", "price": 2, "stock": 0},
    {"name": "可乐", "price": "2.55", "stock": 7},
    {"name": "贵", "price": 0.07, "stock": 1}])");
  const Catalog expected = {{"瓜子", 450, 3}, {"西瓜", 200, 0}, {"可乐", 255, 7}, {"贵", 7, 1}};
  EXPECT_EQ(load_catalog(file), expected);
}

TEST(ShopCatalog, LoadsCsv) {
  TempDir dir;
  const fs::path file =
      dir.write("goods.CSV", "\xEF\xBB\xBFname, price ,stock\r\n瓜子,4.5,3\r\n\r\n 西瓜 ,2,0\n");
  const Catalog expected = {{"瓜子", 450, 3}, {"西瓜", 200, 0}};
  EXPECT_EQ(load_catalog(file), expected);
}

struct BadInput {
  std::string_view text;
  std::string_view message;  // a part of what()
};

TEST(ShopCatalog, RefusesBadJson) {
  const std::vector<BadInput> rows = {
      {R"([{"price": 1, "stock": 1}])", "entry 1: missing \"name\""},
      {R"([{"name": "a", "stock": 1}])", "entry 1: \"a\": missing \"price\""},
      {R"([{"name": "a", "price": 1}])", "missing \"stock\""},
      {R"([{"name": "a", "price": -1, "stock": 1}])", "negative"},
      {R"([{"name": "a", "price": -0.5, "stock": 1}])", "negative"},
      {R"([{"name": "a", "price": 1, "stock": -1}])", "negative"},
      {R"([{"name": "a", "price": 1, "stock": 1.5}])", "whole number"},
      {R"([{"name": "a", "price": 2.555, "stock": 1}])", "two decimals"},
      {R"([{"name": "a", "price": "x", "stock": 1}])", "bad price"},
      {R"([{"name": "a", "price": true, "stock": 1}])", "price must be"},
      {R"([{"name": "a", "price": 1e300, "stock": 1}])", "bad price"},
      {R"([{"name": "", "price": 1, "stock": 1}])", "empty"},
      {R"([{"name": " a", "price": 1, "stock": 1}])", "whitespace"},
      {R"([{"name": "a\u0007", "price": 1, "stock": 1}])", "control"},
      {R"([{"name": 5, "price": 1, "stock": 1}])", "must be a string"},
      {R"([{"name": "a", "price": 1, "stock": 1, "cost": 2}])", "unknown field \"cost\""},
      {R"([{"name": "a", "price": 1, "stock": 1}, {"name": "a", "price": 2, "stock": 1}])",
       "entry 2: duplicate item name \"a\""},
      {"[{\"name\": \"\xFF\", \"price\": 1, \"stock\": 1}]", "not valid UTF-8 at line 1"},
      {"[1]", "entry 1: expected an object"},
      {R"({"name": "a"})", "expected a JSON array"},
      {"[]", "no items"},
      {"[\n{\"name\": \"a\",,}]", "bad JSON at line 2"},
      {"", "bad JSON"},
  };
  for (const BadInput& row : rows) {
    const std::string what = parse_failure([&] { parse_catalog_json(row.text); });
    EXPECT_NE(what.find(row.message), std::string::npos) << row.text << " -> " << what;
  }
}

TEST(ShopCatalog, RefusesBadCsv) {
  const std::vector<BadInput> rows = {
      {"name,cost,stock\na,1,1\n", "line 1: expected the header"},
      {"name,price,stock\na,1\n", "line 2: expected 3 fields"},
      {"name,price,stock\na,1,1,1\n", "line 2: expected 3 fields"},
      {"name,price,stock\na,-1,1\n", "line 2: price must not be negative"},
      {"name,price,stock\na,1,-1\n", "line 2: stock must not be negative"},
      {"name,price,stock\na,1,x\n", "line 2: bad stock"},
      {"name,price,stock\na,2.555,1\n", "two decimals"},
      {"name,price,stock\na,1,1\n\nb,1,1\na,2,2\n", "line 5: duplicate item name \"a\""},
      {"name,price,stock\n,1,1\n", "line 2: item name is empty"},
      {"name,price,stock\n\xE8\xA5,1,1\n", "line 2: not valid UTF-8"},
      {"name,price,stock\n", "no items"},
      {"", "expected the header"},
  };
  for (const BadInput& row : rows) {
    const std::string what = parse_failure([&] { parse_catalog_csv(row.text); });
    EXPECT_NE(what.find(row.message), std::string::npos) << row.text << " -> " << what;
  }
}

TEST(ShopCatalog, RefusesMissingFilesAndUnknownFormats) {
  TempDir dir;
  const fs::path missing = dir.path() / "none.json";
  EXPECT_NE(parse_failure([&] { load_catalog(missing); }).find(missing.string()),
            std::string::npos);
  const fs::path text = dir.write("goods.txt", "name,price,stock\na,1,1\n");
  EXPECT_NE(parse_failure([&] { load_catalog(text); }).find(".json or .csv"), std::string::npos);
  const fs::path bad = dir.write("goods.json", "[{\"name\": \"a\"}]");
  EXPECT_NE(parse_failure([&] { load_catalog(bad); }).find("goods.json: entry 1"),
            std::string::npos);
}

// --- the store ------------------------------------------------------------------------------

TEST(ShopStore, BuysAndRecords) {
  ShopStore store = ShopStore::open_memory(default_catalog());
  const BuyResult ok = store.buy("c1", "西瓜", 1000);
  EXPECT_EQ(ok.status, BuyStatus::ok);
  EXPECT_EQ(ok.price_cents, 200);
  EXPECT_EQ(ok.balance_cents, 800);
  EXPECT_EQ(ok.stock_left, 99);
  EXPECT_EQ(store.buy("c1", "红牛", 1000).status, BuyStatus::unknown_item);
  EXPECT_EQ(store.buy("c1", "瓜子", 449).status, BuyStatus::insufficient_balance);
  EXPECT_EQ(store.orders_count(), 1);
  const std::vector<Order> orders = store.orders_for("c1");
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].item, "西瓜");
  EXPECT_EQ(orders[0].price_cents, 200);
  EXPECT_EQ(orders[0].balance_after_cents, 800);
  EXPECT_GT(orders[0].ts_ms, 0);
  EXPECT_TRUE(store.orders_for("c2").empty());
  EXPECT_EQ(store.items()[1], (Item{"西瓜", 200, 99}));
}

TEST(ShopStore, RefusesBadCatalogs) {
  EXPECT_THROW(ShopStore::open_memory({}), parse_error);
  EXPECT_THROW(ShopStore::open_memory({{"a", 1, 1}, {"a", 2, 2}}), parse_error);
  EXPECT_THROW(ShopStore::open_memory({{"a", -1, 1}}), parse_error);
  EXPECT_THROW(ShopStore::open_memory({{"a", 1, -1}}), parse_error);
  EXPECT_THROW(ShopStore::open_memory({{"", 1, 1}}), parse_error);
}

TEST(ShopStore, KeepsStockAndOrdersAcrossRestarts) {
  TempDir dir;
  const fs::path file = dir.path() / "data" / "shop.db";  // the parent is created
  {
    ShopStore store = ShopStore::open_file(file, default_catalog());
    EXPECT_EQ(store.buy("c1", "西瓜", 1000).status, BuyStatus::ok);
    EXPECT_EQ(store.buy("c2", "西瓜", 1000).status, BuyStatus::ok);
  }
  {
    ShopStore store = ShopStore::open_file(file, default_catalog());
    EXPECT_EQ(store.items()[1].stock, 98);
    EXPECT_EQ(store.orders_count(), 2);
    EXPECT_EQ(store.orders_for("c2").size(), 1u);
  }
  // A new catalog: prices and new items from it, stock from the store, dropped items unsold.
  ShopStore store = ShopStore::open_file(file, {{"可乐", 300, 5}, {"西瓜", 250, 100}});
  const Catalog expected = {{"可乐", 300, 5}, {"西瓜", 250, 98}};
  EXPECT_EQ(store.items(), expected);
  EXPECT_EQ(store.buy("c3", "瓜子", 1000).status, BuyStatus::unknown_item);
  EXPECT_EQ(store.orders_count(), 2);
}

TEST(ShopStore, TwoConnectionsOnOneFileShareTheStock) {
  constexpr int kPerStore = 20;
  TempDir dir;
  const fs::path file = dir.path() / "shop.db";
  ShopStore first = ShopStore::open_file(file, {{"西瓜", 200, 10}});
  ShopStore second = ShopStore::open_file(file, {{"西瓜", 200, 10}});
  std::atomic<int> sold{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2 * kPerStore; ++i) {
    threads.emplace_back([&, i] {
      ShopStore& store = i % 2 == 0 ? first : second;
      if (store.buy("c" + std::to_string(i), "西瓜", 1000).status == BuyStatus::ok) ++sold;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(sold.load(), 10);
  EXPECT_EQ(first.items()[0].stock, 0);
  EXPECT_EQ(second.orders_count(), 10);
}

TEST(ShopStore, ReportsUnusablePaths) {
  TempDir dir;
  const fs::path blocker = dir.write("file", "x");
  EXPECT_THROW(ShopStore::open_file(blocker / "shop.db", default_catalog()), store_error);
  EXPECT_THROW(ShopStore::open_file(dir.path(), default_catalog()), store_error);
  const fs::path junk = dir.write("junk.db", std::string(4096, 'j'));
  EXPECT_THROW(ShopStore::open_file(junk, default_catalog()), store_error);
}

// --- the dialogue ---------------------------------------------------------------------------

TEST(ShopSession, PlaysTheSeedsDialogue) {
  ShopStore store = ShopStore::open_memory(default_catalog());
  ShopSession session(store, "127.0.0.1:54321");
  EXPECT_EQ(session.greeting(), kSeedGreeting);
  EXPECT_EQ(session.on_line("红牛").text, kUnknown);
  const Reply bought = session.on_line("西瓜");
  EXPECT_EQ(bought.text, "购买成功,余额 8");
  EXPECT_FALSE(bought.close);
  const Reply bye = session.on_line("拜拜");
  EXPECT_EQ(bye.text, "欢迎下次光临");
  EXPECT_TRUE(bye.close);
  EXPECT_TRUE(session.closed());
  EXPECT_EQ(session.on_line("西瓜").text, "");  // nothing more once closed
  ASSERT_EQ(store.orders_for("127.0.0.1:54321").size(), 1u);
  EXPECT_EQ(store.orders_count(), 1);
}

TEST(ShopSession, UnderstandsEnglishKeywords) {
  ShopStore store = ShopStore::open_memory(default_catalog());
  ShopSession session(store, "c", 1000);
  EXPECT_EQ(session.on_line("list").text, kSeedGreeting);
  EXPECT_EQ(session.on_line("buy 瓜子").text, "购买成功,余额 5.5");
  EXPECT_EQ(session.on_line("BUY   矿泉水").text, "购买成功,余额 3");
  EXPECT_EQ(session.on_line("balance").text, "您的余额是 3");
  EXPECT_EQ(session.on_line("余额").text, "您的余额是 3");
  EXPECT_EQ(session.on_line("buy 红牛").text, kUnknown);
  EXPECT_NE(session.on_line("buy").text.find("buy"), std::string::npos);
  const std::string help = session.on_line("Help").text;
  EXPECT_NE(help.find("list"), std::string::npos);
  EXPECT_NE(help.find('\n'), std::string::npos);
  EXPECT_NE(help.back(), '\n');  // the server adds the last newline
  EXPECT_EQ(session.on_line("buyer").text, kUnknown);
  for (const std::string_view word : {"bye", "quit", "QUIT", "exit"}) {
    ShopSession other(store, "d");
    const Reply reply = other.on_line(word);
    EXPECT_EQ(reply.text, "欢迎下次光临") << word;
    EXPECT_TRUE(reply.close) << word;
  }
}

TEST(ShopSession, CleansEveryLine) {
  ShopStore store = ShopStore::open_memory(default_catalog());
  ShopSession session(store, "c", 10000);
  for (const std::string_view line : {" 西瓜\r", "西瓜\r\n", "\t西瓜 \n", "\xE3\x80\x80西瓜"}) {
    EXPECT_EQ(session.on_line(line).text.rfind("购买成功", 0), 0u) << line;
  }
  for (const std::string_view line : {"", "  \r", "\r\n"}) {
    EXPECT_NE(session.on_line(line).text.find("help"), std::string::npos);
  }
  EXPECT_NE(session.on_line("\xFF\xFE").text.find("UTF-8"), std::string::npos);
  EXPECT_NE(session.on_line("西\xE7").text.find("UTF-8"), std::string::npos);
  EXPECT_NE(session.on_line(std::string(kMaxLineBytes + 1, 'a')).text.find("4096"),
            std::string::npos);
  EXPECT_EQ(session.on_line(std::string(kMaxLineBytes, 'a')).text, kUnknown);
  EXPECT_EQ(session.on_line(std::string_view("\0", 1)).text, kUnknown);
  EXPECT_FALSE(session.closed());
  EXPECT_EQ(session.balance_cents(), 10000 - 4 * 200);
}

TEST(ShopSession, SaysWhenSoldOut) {
  ShopStore store = ShopStore::open_memory({{"西瓜", 200, 1}, {"可乐", 300, 2}});
  ShopSession first(store, "a");
  ShopSession second(store, "b");
  EXPECT_EQ(first.on_line("西瓜").text, "购买成功,余额 8");
  EXPECT_EQ(second.on_line("西瓜").text, "抱歉,西瓜已经卖完了,请选购其他的。");
  EXPECT_EQ(second.balance_cents(), 1000);
  EXPECT_EQ(second.greeting(), "目前商店还有:可乐(3)。请问您需要什么?");
  second.on_line("可乐");
  second.on_line("可乐");
  EXPECT_EQ(first.greeting(), "抱歉,目前商店的商品都卖完了。");
  EXPECT_EQ(first.on_line("list").text, "抱歉,目前商店的商品都卖完了。");
}

TEST(ShopSession, NeverGoesBelowZero) {
  ShopStore store = ShopStore::open_memory(default_catalog());
  ShopSession session(store, "c", 300);
  EXPECT_EQ(session.on_line("瓜子").text, "余额不足,瓜子需要 4.5,您的余额只有 3。");
  EXPECT_EQ(session.balance_cents(), 300);
  EXPECT_EQ(session.on_line("西瓜").text, "购买成功,余额 1");
  EXPECT_EQ(session.on_line("西瓜").text.rfind("余额不足", 0), 0u);
  EXPECT_EQ(session.balance_cents(), 100);
  EXPECT_EQ(store.orders_count(), 1);
  EXPECT_EQ(store.items()[1].stock, 99);

  ShopStore free_store = ShopStore::open_memory({{"水", 0, 1}});
  ShopSession broke(free_store, "d", 0);
  EXPECT_EQ(broke.on_line("水").text, "购买成功,余额 0");
  EXPECT_THROW(ShopSession(store, "e", -1), std::invalid_argument);
}

TEST(ShopSession, ManyCustomersNeverBuyTheSameStockTwice) {
  constexpr int kCustomers = 50;
  ShopStore store = ShopStore::open_memory({{"西瓜", 200, 10}});
  std::atomic<int> sold{0};
  std::atomic<int> refused{0};
  std::latch start(kCustomers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCustomers; ++i) {
    threads.emplace_back([&, i] {
      ShopSession session(store, "customer-" + std::to_string(i));
      start.arrive_and_wait();
      const std::string text = session.on_line("西瓜").text;
      if (text == "购买成功,余额 8") {
        ++sold;
      } else if (text == "抱歉,西瓜已经卖完了,请选购其他的。") {
        ++refused;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(sold.load(), 10);
  EXPECT_EQ(refused.load(), kCustomers - 10);
  EXPECT_EQ(store.items()[0].stock, 0);
  EXPECT_EQ(store.orders_count(), 10);
}

}  // namespace
}  // namespace sockit::shop
