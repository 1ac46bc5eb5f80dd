// Internal: one HTTP/1.1 server connection on Beast, for every web port of sockit — the
// static server's and the chat's — over a plain socket or TLS. The rules live here once: a
// request is a head of at most max_header_bytes, a target of at most max_target_bytes and
// no body, with strict framing (RFC 9112 §6); the first request must come within
// header_timeout and each next one within idle_timeout; keep-alive and pipelining; Date and
// Server on every answer; one access-log line a request; and after a refusal the connection
// lingers, so that the answer is not lost to a reset. What to answer is the caller's
// (Routes): a Reply, or the whole connection (a WebSocket upgrade).
#pragma once

#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http.hpp>

#include "server/batched_write.hpp"
#include "sockit/http/ranges.hpp"
#include "sockit/server/async_server.hpp"
#include "sockit/server/reusable.hpp"
#include "sockit/server/with_timeout.hpp"

namespace sockit::http {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::empty_body>;
using Head = bhttp::response<bhttp::empty_body>;
using TlsStream = boost::asio::ssl::stream<server::AsyncStream&>;

/// One answer: a generated body, the bytes of a cached file, a byte range of an open file
/// (closed with the Reply), or several ranges of it as multipart/byteranges. Used on one
/// connection's loop.
struct Reply {
  Reply() = default;
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  ~Reply() {
    if (fd >= 0) ::close(fd);
  }

  Head head;
  std::string body;
  int fd = -1;
  std::shared_ptr<const std::string> cached;  ///< a small file's bytes, from a cache
  std::uint64_t offset = 0, length = 0;       ///< the range of `fd` or `cached` to send
  Byteranges multipart;                       ///< parts of `fd` to send (length: all of it)
  bool close = false;                         ///< end the connection after this answer
};

/// A text/plain answer.
void plain(Reply& r, bhttp::status status, std::string text);

/// The methods every web port of sockit answers (both serve files or pages, nothing more).
inline constexpr std::string_view kAllowedMethods = "GET, HEAD";

/// Value type.
struct ConnectionOptions {
  std::size_t max_header_bytes = 8192;              ///< request line + headers; more: 431
  std::size_t max_target_bytes = 4096;              ///< request target; more: 414
  std::chrono::milliseconds header_timeout{10000};  ///< the first request must arrive this fast
  std::chrono::milliseconds idle_timeout{30000};    ///< keep-alive wait, and each write
  bool access_log = true;                           ///< one common-log-format line a request
};

/// What a web port answers. Shared by its connections: the functions must be thread safe.
template <class Stream>
struct Routes {
  /// Fills the answer to a GET, HEAD or other request; `reply` comes with status 200, the
  /// request's version, Date and Server set. Runs on the connection's loop: must not block.
  std::function<void(const Request& req, Reply& reply)> answer;
  /// Optional: when true for a request, the connection goes to `take_over` (a WebSocket
  /// upgrade) and ends when it returns; no timeout of the loop applies to it. The request is
  /// handed over, and the connection's read buffer freed first: what an upgraded connection
  /// keeps for its life is its own.
  std::function<bool(const Request& req)> wants_upgrade;
  std::function<boost::asio::awaitable<void>(Stream& stream, Request req)> take_over;
};

namespace detail {

using server::tuple_awaitable;

const std::string& current_http_date();
/// One line for each answer; `req` is null when the request could not be parsed.
void access_log(const Address& peer, const Request* req, const Reply& r);
bool framing_acceptable(const Request& req);
void start_reply(Reply& r, unsigned version);
/// The answer to a request that could not be read whole (`ec`), with `head` its request line
/// and fields if they were read: 431, 405 (a method no web port takes; before its body's
/// size is looked at), 413 or 400.
void refuse(Reply& r, const boost::system::error_code& ec, const Request* head);

template <class Stream>
inline constexpr bool kPlainSocket = std::is_same_v<Stream, server::AsyncStream>;

// The connection being served. Every wait on the client first moves `deadline`, which one
// watchdog per connection enforces (serve_http). While it waits for a request to begin, a
// full server may close it to make room (`reusable`, plain sockets only).
template <class Stream>
struct Connection {
  Stream& stream;
  server::Reusable* reusable;
  const ConnectionOptions& options;
  std::chrono::steady_clock::time_point deadline;
  void allow(std::chrono::milliseconds limit) { deadline = std::chrono::steady_clock::now() + limit; }
  auto& socket() { return boost::beast::get_lowest_layer(stream); }
};

// A file range: on a plain socket from the page cache with sendfile(2), at most 1 MiB a
// call, waiting for the socket to drain in between (flat memory whatever the size); over
// TLS read and written in 64 KiB pieces.
template <class Stream>
boost::asio::awaitable<bool> send_file_range(Connection<Stream>& c, int fd, std::uint64_t offset,
                                             std::uint64_t length) {
  auto at = static_cast<off_t>(offset);
  std::uint64_t left = length;
  if constexpr (kPlainSocket<Stream>) {
    boost::system::error_code ec;
    c.socket().native_non_blocking(true, ec);
    if (ec) co_return false;
    while (left > 0) {
      c.allow(c.options.idle_timeout);
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, 1 << 20));
      const ssize_t n = ::sendfile(c.socket().native_handle(), fd, &at, want);
      if (n > 0) {
        left -= static_cast<std::uint64_t>(n);
      } else if (n == 0) {
        co_return false;  // the file shrank: the promised length is now a lie; close
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        const auto [wait_ec] =
            co_await c.socket().async_wait(boost::asio::socket_base::wait_write, tuple_awaitable);
        if (wait_ec) co_return false;
      } else if (errno != EINTR) {
        co_return false;
      }
    }
  } else {
    std::array<char, 65536> piece;
    while (left > 0) {
      c.allow(c.options.idle_timeout);
      const ssize_t n = ::pread(fd, piece.data(), std::min<std::uint64_t>(left, piece.size()), at);
      if (n <= 0) co_return false;
      const auto [ec, written] = co_await boost::asio::async_write(
          c.stream, boost::asio::buffer(piece.data(), static_cast<std::size_t>(n)), tuple_awaitable);
      if (ec) co_return false;
      at += n;
      left -= static_cast<std::uint64_t>(n);
    }
  }
  co_return true;
}

// A multipart/byteranges body of an open file: each part's head, then its range.
template <class Stream>
boost::asio::awaitable<bool> send_parts(Connection<Stream>& c, Reply& r) {
  for (const auto& part : r.multipart.parts) {
    c.allow(c.options.idle_timeout);
    const auto [ec, n] = co_await boost::asio::async_write(c.stream, boost::asio::buffer(part.head),
                                                           tuple_awaitable);
    if (ec || !co_await send_file_range(c, r.fd, part.range.first, part.range.length()))
      co_return false;
  }
  c.allow(c.options.idle_timeout);
  const auto [ec, n] = co_await boost::asio::async_write(
      c.stream, boost::asio::buffer(r.multipart.close), tuple_awaitable);
  co_return !ec;
}

// An answer's head, serialized for a plain socket's gathered write (into `out`).
boost::system::error_code serialize_head(const Head& head, std::string& out);

template <class Stream>
boost::asio::awaitable<bool> send(Connection<Stream>& c, Reply& r, bool head_only, bool keep_alive) {
  r.head.keep_alive(keep_alive);
  const bool has_body = r.head.result() != bhttp::status::not_modified;
  if (r.fd < 0 && !r.cached) r.length = r.body.size();
  r.head.content_length(r.length);
  if (!has_body) r.head.erase(bhttp::field::content_length);
  c.allow(c.options.idle_timeout);
  // An answer held in memory goes out in one write, head and body together.
  const bool in_memory = !head_only && has_body && (r.cached || r.fd < 0);
  const char* data = r.cached ? r.cached->data() + r.offset : r.body.data();
  if constexpr (kPlainSocket<Stream>) {
    // Gathered, and joined with the other answers of the loop's turn (server/batched_write.hpp).
    std::string head;
    if (serialize_head(r.head, head)) co_return false;
    const std::array<boost::asio::const_buffer, 2> pieces{
        boost::asio::buffer(head), boost::asio::buffer(data, in_memory ? static_cast<std::size_t>(r.length) : 0)};
    if (const auto [ec, n] = co_await server::batched_write(c.stream, pieces); ec) co_return false;
  } else if (in_memory) {
    bhttp::response<bhttp::span_body<const char>> whole(std::move(r.head.base()));
    whole.body() = {data, static_cast<std::size_t>(r.length)};
    const auto [ec, n] = co_await bhttp::async_write(c.stream, whole, tuple_awaitable);
    co_return !ec;
  } else {
    bhttp::response_serializer<bhttp::empty_body> sr(r.head);
    if (const auto [ec, n] = co_await bhttp::async_write_header(c.stream, sr, tuple_awaitable); ec) {
      co_return false;
    }
  }
  if (in_memory || head_only || !has_body) co_return true;
  if (!r.multipart.parts.empty()) co_return co_await send_parts(c, r);
  co_return co_await send_file_range(c, r.fd, r.offset, r.length);
}

// After refusing a request whose bytes we did not read: stop sending, then read and drop what
// the client still sends (for at most a second), so that the answer is not destroyed by a reset.
template <class Stream>
boost::asio::awaitable<void> linger(Connection<Stream>& c) {
  boost::system::error_code ignored;  // the client may already be gone
  c.socket().shutdown(boost::asio::socket_base::shutdown_send, ignored);
  std::array<char, 16384> sink;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    const auto r = co_await server::with_timeout(
        c.socket().async_read_some(boost::asio::buffer(sink), tuple_awaitable), left);
    if (!r || std::get<0>(*r)) co_return;
  }
}

using Parser = bhttp::request_parser<bhttp::empty_body>;

// The head first, its framing checked before anything else about the body; then the body,
// if there is one. No request bodies are taken: a non-empty one is body_limit.
template <class Stream>
boost::asio::awaitable<boost::system::error_code> read_request(Connection<Stream>& c,
                                                               boost::beast::flat_buffer& buffer,
                                                               Parser& parser) {
  if constexpr (kPlainSocket<Stream>) {
    if (buffer.size() == 0 && c.reusable) {  // else a pipelined request has begun already
      // While nothing has come, a full server may close it. A read, not a wait for
      // readability: Asio re-arms epoll for every wait, but not for a read.
      server::IdleWait idle(*c.reusable);
      const auto [ec, n] =
          co_await c.socket().async_read_some(buffer.prepare(c.options.max_header_bytes), tuple_awaitable);
      if (ec) co_return ec;
      buffer.commit(n);
    }
  }
  parser.body_limit(boost::none);  // so an unclear framing is what the head is refused for
  auto [ec, n] = co_await bhttp::async_read_header(c.stream, buffer, parser, tuple_awaitable);
  if (ec) co_return ec;
  if (!framing_acceptable(parser.get())) co_return bhttp::error::bad_transfer_encoding;
  if (parser.content_length().value_or(0) > 0) co_return bhttp::error::body_limit;
  parser.body_limit(0);  // a chunked body must be empty
  if (parser.is_done()) co_return ec;
  std::tie(ec, n) = co_await bhttp::async_read(c.stream, buffer, parser, tuple_awaitable);
  co_return ec;
}

// Until the connection ends, or a request asks to be taken over: that one is left in `upgrade`.
template <class Stream>
boost::asio::awaitable<void> serve_requests(Connection<Stream>& c, const Address& peer,
                                            const Routes<Stream>& routes, std::optional<Request>& upgrade) {
  boost::beast::flat_buffer buffer;
  for (bool first = true;; first = false) {
    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(c.options.max_header_bytes));
    c.allow(first ? c.options.header_timeout : c.options.idle_timeout);  // idle or trickling
    const auto ec = co_await read_request(c, buffer, parser);
    if (ec == bhttp::error::end_of_stream || ec == boost::asio::error::eof) co_return;
    if (ec) {
      Reply r;
      start_reply(r, 11);
      const Request* head = parser.is_header_done() ? &parser.get() : nullptr;
      refuse(r, ec, head);
      if (c.options.access_log) access_log(peer, head, r);
      co_await send(c, r, false, false);
      co_await linger(c);
      co_return;
    }
    const Request& req = parser.get();
    if (routes.wants_upgrade && routes.wants_upgrade(req)) {
      upgrade.emplace(parser.release());  // (a client waits for its answer before it sends more)
      co_return;
    }
    Reply r;
    start_reply(r, req.version());
    if (req.target().size() > c.options.max_target_bytes) {
      plain(r, bhttp::status::uri_too_long, "request target too long\n");
    } else {
      routes.answer(req, r);
    }
    const bool keep = req.keep_alive() && !r.close;
    if (c.options.access_log) access_log(peer, &req, r);
    if (!co_await send(c, r, req.method() == bhttp::verb::head, keep) || !keep) co_return;
  }
}

}  // namespace detail

/// Serves one connection on `stream` until the client closes, a timeout, or a take-over ends.
/// `reusable` (plain sockets; may be null) lets a full server close it while it waits for a
/// request. `options` and `routes` must outlive the coroutine.
template <class Stream>
boost::asio::awaitable<void> serve_http(Stream& stream, const Address& peer, server::Reusable* reusable,
                                        const ConnectionOptions& options, const Routes<Stream>& routes) {
  using namespace boost::asio::experimental::awaitable_operators;
  detail::Connection<Stream> c{stream, reusable, options, std::chrono::steady_clock::now()};
  std::optional<Request> upgrade;
  co_await (detail::serve_requests(c, peer, routes, upgrade) || server::watchdog(c.deadline));
  // Taken over once the request loop and its watchdog are gone: the new protocol keeps none of
  // their memory (buffer, parser, frames) and has its own rules for time.
  if (upgrade) co_await routes.take_over(stream, std::move(*upgrade));
}

/// HTTPS on `socket`: the TLS handshake within options.header_timeout (a failure is logged,
/// naming `peer`), serve_http over it, then our close_notify within a second. `context`,
/// `options` and `routes` must outlive the coroutine.
boost::asio::awaitable<void> serve_https(server::AsyncStream& socket, const Address& peer,
                                         boost::asio::ssl::context& context, const ConnectionOptions& options,
                                         const Routes<TlsStream>& routes);

}  // namespace sockit::http
