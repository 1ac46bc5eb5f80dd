// Echo for the async model: coroutines with an idle timeout on every read.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <span>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/core.h>

#include "server/batched_write.hpp"
#include "sockit/core/line_framer.hpp"
#include "sockit/core/log.hpp"
#include "sockit/echo/echo.hpp"
#include "sockit/server/with_timeout.hpp"

namespace sockit::echo {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using namespace asio::experimental::awaitable_operators;
using server::tuple_awaitable;

// Reads some bytes, or gives up after `limit`: 0 bytes means end of stream or error,
// nullopt means the time ran out.
awaitable<std::optional<std::size_t>> read_some_within(server::AsyncStream& socket,
                                                       std::span<char> buffer,
                                                       std::chrono::milliseconds limit) {
  const auto r = co_await server::with_timeout(
      socket.async_read_some(asio::buffer(buffer.data(), buffer.size()), tuple_awaitable), limit);
  if (!r) co_return std::nullopt;
  const auto [ec, n] = *r;
  co_return ec ? 0 : n;
}

std::chrono::milliseconds idle_of(const EchoOptions& options) {
  return options.limits.idle.value_or(std::chrono::hours(24 * 365));
}

using Deadline = std::chrono::steady_clock::time_point;

// Everything sent so far has come back: the wait for more may be closed to make room.
awaitable<std::tuple<boost::system::error_code, std::size_t>> read_idle(
    server::AsyncStream& socket, std::span<char> buffer, server::Reusable& reusable) {
  server::IdleWait wait(reusable);
  co_return co_await socket.async_read_some(asio::buffer(buffer.data(), buffer.size()),
                                            tuple_awaitable);
}

// A pipe between a connection's input and its output, for splice(2). Owns both ends.
class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_NONBLOCK | O_CLOEXEC) != 0) fds_[0] = fds_[1] = -1;
  }
  ~Pipe() {
    if (fds_[0] >= 0) ::close(fds_[0]);
    if (fds_[1] >= 0) ::close(fds_[1]);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  bool ok() const noexcept { return fds_[0] >= 0; }
  int read_end() const noexcept { return fds_[0]; }
  int write_end() const noexcept { return fds_[1]; }

 private:
  int fds_[2];
};

// The echo of a streaming client without copying the bytes through user space: socket ->
// pipe -> socket with splice(2), the kernel moving page references. The pipe holds what was
// read and not yet written (64 KiB, like the copying loop's buffer); it is emptied before
// reading more, so a client that stops reading stops being read.
awaitable<void> splice_loop(server::AsyncStream& socket, const Pipe& pipe, server::Reusable& reusable,
                            Deadline& deadline, std::chrono::milliseconds idle) {
  const int fd = socket.native_handle();
  constexpr unsigned kFlags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
  std::size_t held = 0;  // bytes in the pipe
  for (;;) {
    if (held == 0) {
      const ssize_t n = ::splice(fd, nullptr, pipe.write_end(), nullptr, 1 << 16, kFlags);
      if (n > 0) {
        held = static_cast<std::size_t>(n);
        deadline = std::chrono::steady_clock::now() + idle;
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        co_return;  // end of stream, or the connection failed
      } else if (errno == EAGAIN) {
        server::IdleWait wait(reusable);  // everything sent so far has come back
        const auto [ec] = co_await socket.async_wait(asio::socket_base::wait_read, tuple_awaitable);
        if (ec) co_return;
      }
      continue;
    }
    const ssize_t n = ::splice(pipe.read_end(), nullptr, fd, nullptr, held, kFlags);
    if (n > 0) {
      held -= static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EAGAIN) {
      const auto [ec] = co_await socket.async_wait(asio::socket_base::wait_write, tuple_awaitable);
      if (ec) co_return;
    } else if (n == 0 || errno != EINTR) {
      co_return;
    }
  }
}

// A read this large says the client streams: from then on the bytes go by splice_loop.
constexpr std::size_t kStreaming = 32 << 10;

// Reads and writes back through a buffer: the cheapest way for small messages (one recv, one
// send). When the client turns out to stream, hands over to splice_loop, which does not copy.
awaitable<void> echo_loop(server::AsyncStream& socket, server::Reusable& reusable,
                          Deadline& deadline, std::chrono::milliseconds idle) {
  std::array<char, 65536> buffer;
  for (;;) {
    auto [ec, n] = co_await read_idle(socket, buffer, reusable);
    if (ec) co_return;
    deadline = std::chrono::steady_clock::now() + idle;
    const asio::const_buffer echo = asio::buffer(buffer.data(), n);
    auto [wec, wn] = co_await server::batched_write(socket, std::span(&echo, 1));
    if (wec) co_return;
    if (n >= kStreaming) {
      boost::system::error_code nb;
      socket.native_non_blocking(true, nb);
      const Pipe pipe;  // without one (out of descriptors), the copying goes on
      if (pipe.ok() && !nb) co_return co_await splice_loop(socket, pipe, reusable, deadline, idle);
    }
  }
}

// Echoes until the peer closes or stays idle: whichever finishes first cancels the other.
awaitable<void> echo_bytes(server::AsyncStream& socket, server::Reusable& reusable,
                           const EchoOptions& options) {
  const auto idle = idle_of(options);
  Deadline deadline = std::chrono::steady_clock::now() + idle;
  co_await (echo_loop(socket, reusable, deadline, idle) || server::watchdog(deadline));
}

awaitable<void> answer(server::AsyncStream& socket, const LineFramer::Line& line,
                       const EchoOptions& options) {
  const std::string text = line.too_long ? fmt::format("error: line longer than {} bytes\n",
                                                       options.limits.max_line)
                                         : *options.reply;
  co_await asio::async_write(socket, asio::buffer(text), asio::use_awaitable);
}

awaitable<void> answer_messages(server::AsyncStream& socket, server::Reusable& reusable,
                                const EchoOptions& options) {
  LineFramer framer(options.limits.max_line);
  std::array<char, 16384> buffer;
  for (;;) {
    while (auto line = framer.next()) co_await answer(socket, *line, options);
    const bool partial = framer.pending() > 0;
    std::optional<server::IdleWait> between_messages;
    if (!partial) between_messages.emplace(reusable);
    const auto n =
        co_await read_some_within(socket, buffer, partial ? options.limits.quiet : idle_of(options));
    between_messages.reset();
    if (n && *n > 0) {
      framer.feed(std::string_view(buffer.data(), *n));
      continue;
    }
    // A pause after a message with no newline ends it; so does the end of the stream.
    if (auto rest = framer.flush()) co_await answer(socket, *rest, options);
    if (!n && partial) continue;
    co_return;
  }
}

}  // namespace

server::ReusableStreamCoroutine stream_coroutine(const EchoOptions& options) {
  return [options](server::AsyncStream& socket, const Address& peer,
                   server::Reusable& reusable) -> awaitable<void> {
    log_info("{} connected", peer.to_string());
    // The captures live in this lambda, which the server keeps for its lifetime.
    if (options.reply) {
      co_await answer_messages(socket, reusable, options);
    } else {
      co_await echo_bytes(socket, reusable, options);
    }
    log_info("{} left", peer.to_string());
  };
}

server::DatagramCoroutine datagram_coroutine(const EchoOptions& options) {
  return [options](server::AsyncDatagram& socket, std::string packet,
                   const Address& peer) -> awaitable<void> {
    const std::string& out = options.reply ? *options.reply : packet;
    asio::generic::datagram_protocol::endpoint to(peer.data(), peer.size(), 0);
    co_await socket.async_send_to(asio::buffer(out), to, asio::use_awaitable);
  };
}

}  // namespace sockit::echo
