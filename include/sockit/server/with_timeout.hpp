// with_timeout and watchdog: how sockit's coroutine servers bound every wait on a peer — one
// operation raced against a deadline, or a whole connection against a deadline it keeps moving.
#pragma once

#include <chrono>
#include <optional>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sockit::server {

/// The completion token of every coroutine here: errors come back as values, never thrown.
inline constexpr auto tuple_awaitable = boost::asio::as_tuple(boost::asio::use_awaitable);

/// The result of `op`, or nullopt when `deadline` came first (the operation is then
/// cancelled). Pass operations made with as_tuple(use_awaitable), so errors come back as
/// values. Runs on the caller's executor.
template <class T>
boost::asio::awaitable<std::optional<T>> with_timeout(
    boost::asio::awaitable<T> op, std::chrono::steady_clock::time_point deadline) {
  using namespace boost::asio::experimental::awaitable_operators;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, deadline);
  auto result = co_await (std::move(op) ||
                          timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable)));
  if (result.index() == 1) co_return std::nullopt;
  co_return std::get<0>(std::move(result));
}

/// The same with a time limit from now.
template <class T>
boost::asio::awaitable<std::optional<T>> with_timeout(boost::asio::awaitable<T> op,
                                                      std::chrono::steady_clock::duration limit) {
  return with_timeout(std::move(op), std::chrono::steady_clock::now() + limit);
}

/// Completes once steady_clock::now() has passed `deadline`, which the caller keeps moving
/// (before each wait on the peer). Race it with the connection's work,
/// `co_await (work(deadline) || watchdog(deadline))`: one timer per connection instead of a
/// parallel group per operation, which is what with_timeout costs on a hot path.
inline boost::asio::awaitable<void> watchdog(const std::chrono::steady_clock::time_point& deadline) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  for (;;) {
    timer.expires_at(deadline);
    const auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    // Cancelled: the work ended first. Waiting again would throw (a cancelled coroutine's
    // next wait does), and an exception per connection is measurable.
    if (ec || std::chrono::steady_clock::now() >= deadline) co_return;
  }
}

}  // namespace sockit::server
