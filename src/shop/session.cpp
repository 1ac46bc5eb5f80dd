// ShopSession: line hygiene, keywords, and the seed's answers.
#include "sockit/shop/session.hpp"

#include <stdexcept>
#include <utility>

namespace sockit::shop {
namespace {

constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";  // U+3000, typed by Chinese IMEs

constexpr std::string_view kUnknownItem = "抱歉,您购买的商品目前没有,请选购其他的。";
constexpr std::string_view kGoodbye = "欢迎下次光临";
constexpr std::string_view kEmptyLine = "请输入想购买的商品名称,输入 help 查看帮助。";
constexpr std::string_view kBadUtf8 = "抱歉,无法识别您的输入(不是有效的 UTF-8 文本),请重新输入。";
constexpr std::string_view kTooLong = "抱歉,您的输入太长了(超过 4096 字节),请重新输入。";
constexpr std::string_view kBuyUsage = "请告诉我您要买什么,例如: buy 商品名称";
constexpr std::string_view kStoreFailed = "抱歉,商店暂时无法处理您的请求,请稍后再试。";
constexpr std::string_view kHelp =
    "直接输入商品名称即可购买,也可以输入: buy 商品名称\n"
    "list 查看商品, balance 查看余额, help 查看帮助\n"
    "拜拜 (或 bye, quit) 离开商店";

bool is_line_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// Strips ASCII whitespace (so a trailing '\r' or '\n' too) and U+3000 from both ends.
std::string_view trim_line(std::string_view text) {
  for (;;) {
    if (!text.empty() && is_line_space(text.front())) {
      text.remove_prefix(1);
    } else if (text.starts_with(kIdeographicSpace)) {
      text.remove_prefix(kIdeographicSpace.size());
    } else if (!text.empty() && is_line_space(text.back())) {
      text.remove_suffix(1);
    } else if (text.ends_with(kIdeographicSpace)) {
      text.remove_suffix(kIdeographicSpace.size());
    } else {
      return text;
    }
  }
}

// ASCII letters folded to lower case; other bytes unchanged.
std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
  return out;
}

// True for a `buy` command, with `item` set: "buy 西瓜" -> "西瓜", "buy" alone -> "".
bool split_buy(std::string_view line, std::string_view& item) {
  const std::size_t space = line.find_first_of(" \t");
  const std::string_view word = line.substr(0, space);
  if (lower(word) != "buy") return false;
  item = space == std::string_view::npos ? std::string_view() : trim_line(line.substr(space));
  return true;
}

std::string stock_list(const Catalog& items) {
  std::string list;
  for (const Item& item : items) {
    if (item.stock <= 0) continue;
    if (!list.empty()) list += ',';
    list += item.name + '(' + format_price(item.price_cents) + ')';
  }
  return list;
}

Reply say(std::string_view text) {
  return Reply{std::string(text), false, {}};
}

}  // namespace

ShopSession::ShopSession(ShopStore& store, std::string customer, std::int64_t balance_cents)
    : store_(store), customer_(std::move(customer)), balance_cents_(balance_cents) {
  if (balance_cents < 0) throw std::invalid_argument("shop session: negative balance");
}

std::string ShopSession::greeting() const {
  const std::string list = stock_list(store_.items());
  if (list.empty()) return "抱歉,目前商店的商品都卖完了。";
  return "目前商店还有:" + list + "。请问您需要什么?";
}

Reply ShopSession::on_line(std::string_view line) {
  if (closed_) return Reply{{}, true, {}};
  if (line.size() > kMaxLineBytes) return say(kTooLong);
  if (!is_valid_utf8(line)) return say(kBadUtf8);
  try {
    return command(trim_line(line));
  } catch (const store_error& e) {
    return Reply{std::string(kStoreFailed), false, e.what()};
  }
}

Reply ShopSession::command(std::string_view line) {
  if (line.empty()) return say(kEmptyLine);
  const std::string word = lower(line);
  if (line == "拜拜" || word == "bye" || word == "quit" || word == "exit") {
    closed_ = true;
    return Reply{std::string(kGoodbye), true, {}};
  }
  if (word == "list") return say(greeting());
  if (word == "balance" || line == "余额") return say("您的余额是 " + format_price(balance_cents_));
  if (word == "help" || line == "帮助") return say(kHelp);
  std::string_view item;
  if (split_buy(line, item)) return item.empty() ? say(kBuyUsage) : buy(item);
  return buy(line);
}

Reply ShopSession::buy(std::string_view item) {
  const BuyResult result = store_.buy(customer_, item, balance_cents_);
  switch (result.status) {
    case BuyStatus::ok:
      balance_cents_ = result.balance_cents;
      return say("购买成功,余额 " + format_price(balance_cents_));
    case BuyStatus::sold_out:
      return say("抱歉," + std::string(item) + "已经卖完了,请选购其他的。");
    case BuyStatus::insufficient_balance:
      return say("余额不足," + std::string(item) + "需要 " + format_price(result.price_cents) +
                 ",您的余额只有 " + format_price(balance_cents_) + "。");
    case BuyStatus::unknown_item:
      break;
  }
  return say(kUnknownItem);
}

}  // namespace sockit::shop
