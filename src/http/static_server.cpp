#include "sockit/http/static_server.hpp"

#include <ctime>
#include <tuple>
#include <vector>

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>

#include "file_cache.hpp"
#include "sockit/core/log.hpp"
#include "sockit/http/files.hpp"
#include "sockit/server/async_server.hpp"
#include "sockit/server/with_timeout.hpp"

namespace sockit::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;
using asio::awaitable;

namespace {

using server::tuple_awaitable;
using Request = bhttp::request<bhttp::empty_body>;
using Head = bhttp::response<bhttp::empty_body>;

// What to send: a generated body, or a byte range of an open file.
struct Reply {
  Head head;
  std::string body;
  int fd = -1;
  std::shared_ptr<const std::string> cached;  // a small file's bytes, from the cache
  std::uint64_t offset = 0, length = 0;
  ~Reply() {
    if (fd >= 0) ::close(fd);
  }
};

// The connection being served. Every wait on the client first moves `deadline`, which one
// watchdog per connection enforces (serve_connection). While it waits for a request to
// begin, a full server may close it to make room (`reusable`).
struct Client {
  server::AsyncStream& socket;
  server::Reusable& reusable;
  std::chrono::steady_clock::time_point deadline;
  void allow(std::chrono::milliseconds limit) { deadline = std::chrono::steady_clock::now() + limit; }
};

// The Date every answer carries (RFC 9110 §6.6.1), formatted once a second per thread.
const std::string& current_http_date() {
  thread_local std::time_t formatted_at = -1;
  thread_local std::string text;
  const std::time_t now = std::time(nullptr);
  if (now != formatted_at) {
    text = http_date(now);
    formatted_at = now;
  }
  return text;
}

void plain(Reply& r, bhttp::status status, std::string text) {
  r.head.result(status);
  r.head.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  r.body = std::move(text);
}

void file_reply(Reply& r, const Request& req, const TargetResult& t, const struct stat& st,
                FileCache& cache) {
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const auto mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  const auto etag = make_etag(size, mtime_ns);
  r.head.set(bhttp::field::etag, etag);
  r.head.set(bhttp::field::last_modified, http_date(st.st_mtim.tv_sec));
  r.head.set(bhttp::field::accept_ranges, "bytes");
  r.head.set(bhttp::field::content_type, mime_type(t.path.filename().string()));
  const auto inm = req[bhttp::field::if_none_match];
  const auto ims = parse_http_date(req[bhttp::field::if_modified_since]);
  if ((!inm.empty() && etag_matches(inm, etag)) || (inm.empty() && ims && st.st_mtim.tv_sec <= *ims)) {
    r.head.result(bhttp::status::not_modified);
    return;
  }
  const auto range = parse_range(req[bhttp::field::range], size);
  if (range.unsatisfiable) {
    plain(r, bhttp::status::range_not_satisfiable, "range not satisfiable\n");
    r.head.set(bhttp::field::content_range, fmt::format("bytes */{}", size));
    return;
  }
  r.fd = ::open(t.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (r.fd < 0) return plain(r, bhttp::status::forbidden, "forbidden\n");
  r.cached = cache.get(t.path.string(), size, mtime_ns, r.fd);
  r.length = size;
  if (range.range) {
    r.head.result(bhttp::status::partial_content);
    r.offset = range.range->first;
    r.length = range.range->last - range.range->first + 1;
    r.head.set(bhttp::field::content_range,
               fmt::format("bytes {}-{}/{}", range.range->first, range.range->last, size));
  }
}

void directory_reply(Reply& r, const Request& req, const TargetResult& t) {
  const auto target = std::string(req.target());
  if (!t.decoded.ends_with('/')) {  // /dir -> /dir/ so relative links resolve
    r.head.result(bhttp::status::moved_permanently);
    r.head.set(bhttp::field::location, target.substr(0, target.find('?')) + "/");
    return;
  }
  std::error_code ec;
  if (fs::is_regular_file(t.path / "index.html", ec)) return;  // the caller serves it
  std::vector<ListingEntry> entries;
  for (const auto& e : fs::directory_iterator(t.path, ec)) {
    ListingEntry le;
    le.name = e.path().filename().string();
    le.is_directory = e.is_directory(ec);
    struct stat st {};
    if (::stat(e.path().c_str(), &st) == 0) {
      le.size = static_cast<std::uint64_t>(st.st_size);
      le.mtime = st.st_mtim.tv_sec;
    }
    entries.push_back(std::move(le));
  }
  r.head.result(bhttp::status::ok);
  r.head.set(bhttp::field::content_type, "text/html; charset=utf-8");
  r.body = directory_listing(t.decoded, std::move(entries));
}

void build(Reply& r, const Request& req, const fs::path& root, FileCache& cache) {
  r.head.version(req.version());
  r.head.set(bhttp::field::server, "sockit");
  r.head.set(bhttp::field::date, current_http_date());
  r.head.result(bhttp::status::ok);
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
    r.head.set(bhttp::field::allow, "GET, HEAD");
    return plain(r, bhttp::status::method_not_allowed, "method not allowed\n");
  }
  auto t = resolve_target(root, req.target());
  if (t.status == 400) return plain(r, bhttp::status::bad_request, "bad request\n");
  if (t.status == 403) return plain(r, bhttp::status::forbidden, "forbidden\n");
  if (t.status) return plain(r, bhttp::status::not_found, "not found\n");
  if (t.is_directory) {
    directory_reply(r, req, t);
    if (r.head.result() != bhttp::status::ok || !r.body.empty()) return;
    t.path /= "index.html";
  }
  struct stat st {};
  if (::stat(t.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return plain(r, bhttp::status::not_found, "not found\n");
  }
  file_reply(r, req, t, st, cache);
}

// The file's bytes go from the page cache to the socket with sendfile(2), at most 1 MiB a
// call, waiting for the socket to drain in between: flat memory whatever the file size.
awaitable<bool> send_file_range(Client& c, Reply& r, std::chrono::milliseconds limit) {
  boost::system::error_code ec;
  c.socket.native_non_blocking(true, ec);
  if (ec) co_return false;
  auto at = static_cast<off_t>(r.offset);
  std::uint64_t left = r.length;
  while (left > 0) {
    c.allow(limit);
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, 1 << 20));
    const ssize_t n = ::sendfile(c.socket.native_handle(), r.fd, &at, want);
    if (n > 0) {
      left -= static_cast<std::uint64_t>(n);
    } else if (n == 0) {
      co_return false;  // the file shrank: the promised length is now a lie; close
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      const auto [wait_ec] = co_await c.socket.async_wait(asio::socket_base::wait_write, tuple_awaitable);
      if (wait_ec) co_return false;
    } else if (errno != EINTR) {
      co_return false;
    }
  }
  co_return true;
}

awaitable<bool> send(Client& c, Reply& r, bool head_only, bool keep_alive,
                     std::chrono::milliseconds limit) {
  r.head.keep_alive(keep_alive);
  const bool has_body = r.head.result() != bhttp::status::not_modified;
  r.head.content_length(r.fd >= 0 ? r.length : r.body.size());
  if (!has_body) r.head.erase(bhttp::field::content_length);
  c.allow(limit);
  if (!head_only && has_body && (r.cached || r.fd < 0)) {
    // An answer held in memory goes out in one write, head and body together.
    const char* data = r.cached ? r.cached->data() + r.offset : r.body.data();
    const auto size = r.cached ? static_cast<std::size_t>(r.length) : r.body.size();
    bhttp::response<bhttp::span_body<const char>> whole(std::move(r.head.base()));
    whole.body() = {data, size};
    const auto [ec, n] = co_await bhttp::async_write(c.socket, whole, tuple_awaitable);
    co_return !ec;
  }
  bhttp::response_serializer<bhttp::empty_body> sr(r.head);
  if (const auto [ec, n] = co_await bhttp::async_write_header(c.socket, sr, tuple_awaitable); ec) {
    co_return false;
  }
  if (head_only || !has_body) co_return true;
  co_return co_await send_file_range(c, r, limit);
}

// After refusing a request whose bytes we did not read, close gently: stop sending, then
// read and drop what the client still sends (for at most a second), so the answer is not
// destroyed by a reset.
awaitable<void> linger(server::AsyncStream& socket) {
  boost::system::error_code ignored;  // the client may already be gone
  socket.shutdown(asio::socket_base::shutdown_send, ignored);
  std::array<char, 16384> sink;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    const auto r = co_await server::with_timeout(
        socket.async_read_some(asio::buffer(sink), tuple_awaitable), left);
    if (!r || std::get<0>(*r)) co_return;
  }
}

// Common Log Format: host ident user [date] "request" status bytes.
void access_log(const Address& peer, const Request& req, const Reply& r) {
  const auto bytes = r.fd >= 0 ? r.length : r.body.size();
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[64];
  std::strftime(date, sizeof date, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  log_info("{} - - [{}] \"{} {} HTTP/{}.{}\" {} {}", peer.host(), date,
           std::string(req.method_string()), std::string(req.target()), req.version() / 10,
           req.version() % 10, r.head.result_int(), bytes);
}

// RFC 9112 §6.1-6.3: we decode no transfer coding but chunked, so a request with
// Transfer-Encoding must say exactly "chunked", on HTTP/1.1, without Content-Length.
// Anything else leaves its length unknown: a smuggled request could hide in the body.
bool framing_acceptable(const Request& req) {
  if (req.count(bhttp::field::transfer_encoding) == 0) return true;
  if (req.version() < 11 || req.count(bhttp::field::content_length) > 0) return false;
  std::vector<beast::string_view> codings;
  const auto [first, last] = req.equal_range(bhttp::field::transfer_encoding);
  for (auto field = first; field != last; ++field) {
    const bhttp::opt_token_list list(field->value());
    if (!bhttp::validate_list(list)) return false;  // "chunked;x=1", stray characters...
    codings.insert(codings.end(), list.begin(), list.end());
  }
  return codings.size() == 1 && beast::iequals(codings.front(), "chunked");
}

using Parser = bhttp::request_parser<bhttp::empty_body>;

// Waits for the first byte of a request, as a connection a full server may close.
awaitable<boost::system::error_code> wait_for_request(Client& c) {
  server::IdleWait idle(c.reusable);
  const auto [ec] = co_await c.socket.async_wait(asio::socket_base::wait_read, tuple_awaitable);
  co_return ec;
}

// The head first, its framing checked before anything else about the body; then the body,
// if there is one. We take no request bodies: a non-empty one is body_limit.
awaitable<boost::system::error_code> read_request(Client& c, beast::flat_buffer& buffer,
                                                  Parser& parser) {
  if (buffer.size() == 0) {  // else a pipelined request has begun already
    if (const auto ec = co_await wait_for_request(c)) co_return ec;
  }
  parser.body_limit(boost::none);  // so an unclear framing is what the head is refused for
  auto [ec, n] = co_await bhttp::async_read_header(c.socket, buffer, parser, tuple_awaitable);
  if (ec) co_return ec;
  if (!framing_acceptable(parser.get())) co_return bhttp::error::bad_transfer_encoding;
  if (parser.content_length().value_or(0) > 0) co_return bhttp::error::body_limit;
  parser.body_limit(0);  // a chunked body must be empty
  if (parser.is_done()) co_return ec;
  std::tie(ec, n) = co_await bhttp::async_read(c.socket, buffer, parser, tuple_awaitable);
  co_return ec;
}

awaitable<void> serve_requests(Client& c, const Address& peer, const StaticOptions& o,
                               const fs::path& root, FileCache& cache) {
  beast::flat_buffer buffer;
  for (bool first = true;; first = false) {
    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(o.max_header_bytes));
    c.allow(first ? o.header_timeout : o.idle_timeout);  // idle or trickling: the watchdog ends it
    const auto ec = co_await read_request(c, buffer, parser);
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof) co_return;
    if (ec) {
      Reply r;
      r.head.version(11);
      if (ec == bhttp::error::header_limit) {
        plain(r, bhttp::status::request_header_fields_too_large, "request header too large\n");
      } else if (ec == bhttp::error::body_limit) {
        plain(r, bhttp::status::payload_too_large, "request bodies are not accepted\n");
      } else {
        plain(r, bhttp::status::bad_request, "bad request\n");
      }
      co_await send(c, r, false, false, o.idle_timeout);
      co_await linger(c.socket);
      co_return;
    }
    const Request& req = parser.get();
    Reply r;
    if (req.target().size() > o.max_target_bytes) {
      r.head.version(req.version());
      plain(r, bhttp::status::uri_too_long, "request target too long\n");
    } else {
      build(r, req, root, cache);
    }
    const bool keep = req.keep_alive();
    if (o.access_log) access_log(peer, req, r);
    if (!co_await send(c, r, req.method() == bhttp::verb::head, keep, o.idle_timeout) || !keep) {
      co_return;
    }
  }
}

awaitable<void> serve_connection(server::AsyncStream& socket, const Address& peer,
                                 server::Reusable& reusable, const StaticOptions& o,
                                 const fs::path& root, FileCache& cache) {
  using namespace asio::experimental::awaitable_operators;
  Client c{socket, reusable, std::chrono::steady_clock::now() + o.header_timeout};
  co_await (serve_requests(c, peer, o, root, cache) || server::watchdog(c.deadline));
}

fs::path checked_root(const fs::path& root) {
  std::error_code ec;
  auto canonical = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canonical)) throw std::invalid_argument("not a directory: " + root.string());
  return canonical;
}

server::ServerConfig server_config(const StaticOptions& options) {
  server::ServerConfig config;
  config.model = server::Model::async;
  config.threads = options.threads;
  config.max_connections = options.max_connections;
  return config;
}

}  // namespace

struct StaticServer::Impl {
  Impl(const Endpoint& endpoint, StaticOptions o)
      : options(std::move(o)),
        root(checked_root(options.root)),
        cache(options.cache_bytes, options.cache_file_bytes),
        server(endpoint,
               server::ReusableStreamCoroutine([this](server::AsyncStream& socket, const Address& peer,
                                                      server::Reusable& reusable) {
                 return serve_connection(socket, peer, reusable, options, root, cache);
               }),
               server_config(options)) {}

  const StaticOptions options;
  const fs::path root;
  FileCache cache;
  server::AsyncServer server;
};

StaticServer::StaticServer(const Endpoint& endpoint, StaticOptions options)
    : impl_(std::make_unique<Impl>(endpoint, std::move(options))) {}

StaticServer::~StaticServer() { stop(); }

const Address& StaticServer::local_address() const noexcept { return impl_->server.server_address(); }

void StaticServer::request_stop() noexcept { impl_->server.request_stop(); }

void StaticServer::run() { impl_->server.serve_forever(); }

}  // namespace sockit::http
