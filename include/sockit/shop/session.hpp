// ShopSession: one customer's dialogue with the snack shop, as a state machine over
// lines, with no I/O of its own: the server feeds it each received line and sends its replies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sockit/shop/store.hpp"

namespace sockit::shop {

/// What to send back for one line. A plain value.
struct Reply {
  /// One or more lines joined by '\n', without a trailing newline; the server appends "\n".
  /// Empty only after the session has closed: then send nothing.
  std::string text;
  /// True when the customer said goodbye: send `text`, then close the connection.
  bool close = false;
  /// Non-empty when the store failed (the customer got a generic apology); log it.
  std::string internal_error;
};

/// Longest line accepted, in bytes, not counting the '\n' (the server frames at this size).
inline constexpr std::size_t kMaxLineBytes = 4096;
/// Balance a customer starts with when none is given: 10.00 (`sockit shop serve --balance`'s default).
inline constexpr std::int64_t kDefaultBalanceCents = 1000;

/// One customer's conversation: understands an item name (the seed), "拜拜", and the English
/// keywords list, buy NAME, balance, help, bye, quit (ASCII case-insensitive). Not thread
/// safe: one session per connection, used by one thread at a time; the shared ShopStore is.
class ShopSession {
 public:
  /// `store` must outlive the session. `customer` (e.g. "127.0.0.1:54321") is recorded with
  /// every order. Throws std::invalid_argument if `balance_cents` is negative.
  ShopSession(ShopStore& store, std::string customer,
              std::int64_t balance_cents = kDefaultBalanceCents);

  /// The first line to send: "目前商店还有:瓜子(4.5),西瓜(2),矿泉水(2.5)。请问您需要什么?",
  /// from current stock (sold-out items left out). Not thread safe. Throws store_error.
  std::string greeting() const;

  /// Answers one received line, with or without its '\n' / "\r\n". Pure function of the line,
  /// the balance and the store; any bytes are safe (fuzzable). Store failures are answered
  /// with an apology and Reply::internal_error, never thrown. Not thread safe.
  Reply on_line(std::string_view line);

  /// The customer's balance in cents, never negative. Not thread safe.
  std::int64_t balance_cents() const noexcept { return balance_cents_; }
  /// The customer identity given at construction. Not thread safe.
  const std::string& customer() const noexcept { return customer_; }
  /// True once a goodbye was answered. Not thread safe.
  bool closed() const noexcept { return closed_; }

 private:
  Reply buy(std::string_view item);
  Reply command(std::string_view line);

  ShopStore& store_;
  std::string customer_;
  std::int64_t balance_cents_;
  bool closed_ = false;
};

}  // namespace sockit::shop
