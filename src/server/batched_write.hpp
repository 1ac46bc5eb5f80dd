// Internal: a connection's write that joins the other writes its loop makes in the same turn —
// one io_uring submission for all of them, posted to run after the turn's ready handlers
// (server/send_ring.hpp). For servers whose connections each write from their own coroutine
// (the echo server, an HTTP answer); the chat server batches at its own end-of-turn flush
// instead.
#pragma once

#include <cstddef>
#include <span>
#include <tuple>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>

#include "sockit/server/async_server.hpp"

namespace sockit::server {

/// Writes all of `data` (its buffers in order) to `socket`: through the loop's SendRing when
/// there is one, and what the ring could not send at once (a full socket, part of a large
/// write) with async_write; on the sendmsg path (SendPath, or io_uring refused), or for more
/// than kMaxPieces buffers, with async_write alone. The buffers and their bytes must stay
/// valid until it returns. On the socket's loop.
boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> batched_write(
    AsyncStream& socket, std::span<const boost::asio::const_buffer> data);

/// The most buffers one batched_write sends through the ring.
inline constexpr std::size_t kMaxPieces = 4;

}  // namespace sockit::server
