#include "first_byte.hpp"

#include <boost/asio/buffer.hpp>

#include "sockit/server/with_timeout.hpp"

namespace sockit::server {

// A receive with MSG_PEEK, not async_wait: Asio's epoll reactor is edge-triggered, and
// async_wait never looks before it waits, so a ClientHello that came with the connection
// (before the wait began) would go unnoticed until the deadline. A receive tries first.
boost::asio::awaitable<FirstByte> first_byte(AsyncStream& socket,
                                             std::chrono::steady_clock::time_point deadline) {
  char byte = 0;
  const auto peeked =
      co_await with_timeout(socket.async_receive(boost::asio::buffer(&byte, 1),
                                                 AsyncStream::message_peek, tuple_awaitable),
                            deadline);
  if (!peeked) co_return FirstByte::timed_out;
  const auto [ec, n] = *peeked;
  co_return !ec && n == 1 ? FirstByte::arrived : FirstByte::ended;
}

}  // namespace sockit::server
