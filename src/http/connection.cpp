#include "connection.hpp"

#include <ctime>
#include <vector>

#include <fmt/core.h>

#include "server/first_byte.hpp"
#include "sockit/core/log.hpp"
#include "sockit/http/files.hpp"
#include "sockit/server/with_timeout.hpp"

namespace sockit::http {

void plain(Reply& r, bhttp::status status, std::string text) {
  r.head.result(status);
  r.head.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  r.body = std::move(text);
}

namespace detail {

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

boost::system::error_code serialize_head(const Head& head, std::string& out) {
  bhttp::response_serializer<bhttp::empty_body> sr(head);
  sr.split(true);
  boost::system::error_code ec;
  do {
    sr.next(ec, [&](boost::system::error_code&, const auto& buffers) {
      const std::size_t n = boost::asio::buffer_size(buffers);
      const std::size_t at = out.size();
      out.resize(at + n);
      boost::asio::buffer_copy(boost::asio::buffer(out.data() + at, n), buffers);
      sr.consume(n);
    });
  } while (!ec && !sr.is_header_done());
  return ec;
}

void start_reply(Reply& r, unsigned version) {
  r.head.version(version);
  r.head.set(bhttp::field::server, "sockit");
  r.head.set(bhttp::field::date, current_http_date());
  r.head.result(bhttp::status::ok);
}

// Common Log Format: host ident user [date] "request" status bytes; "-" for a request that
// could not be parsed, as nginx writes it.
void access_log(const Address& peer, const Request* req, const Reply& r) {
  const auto bytes = r.fd >= 0 || r.cached ? r.length : r.body.size();
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[64];
  std::strftime(date, sizeof date, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  const auto line =
      req ? fmt::format("{} {} HTTP/{}.{}", std::string_view(req->method_string()),
                        std::string_view(req->target()), req->version() / 10, req->version() % 10)
          : std::string("-");
  log_info("{} - - [{}] \"{}\" {} {}", peer.host(), date, line, r.head.result_int(), bytes);
}

void refuse(Reply& r, const boost::system::error_code& ec, const Request* head) {
  if (ec == bhttp::error::header_limit) {
    return plain(r, bhttp::status::request_header_fields_too_large, "request header too large\n");
  }
  const bool readable = head && ec != bhttp::error::bad_transfer_encoding;
  if (readable && head->method() != bhttp::verb::get && head->method() != bhttp::verb::head) {
    r.head.set(bhttp::field::allow, kAllowedMethods);
    return plain(r, bhttp::status::method_not_allowed, "method not allowed\n");
  }
  if (ec == bhttp::error::body_limit) {
    return plain(r, bhttp::status::payload_too_large, "request bodies are not accepted\n");
  }
  plain(r, bhttp::status::bad_request, "bad request\n");
}

// RFC 9112 §6.1-6.3: no transfer coding is decoded but chunked, so a request with
// Transfer-Encoding must say exactly "chunked", on HTTP/1.1, without Content-Length.
// Anything else leaves its length unknown: a smuggled request could hide in the body.
bool framing_acceptable(const Request& req) {
  if (req.count(bhttp::field::transfer_encoding) == 0) return true;
  if (req.version() < 11 || req.count(bhttp::field::content_length) > 0) return false;
  std::vector<boost::beast::string_view> codings;
  const auto [first, last] = req.equal_range(bhttp::field::transfer_encoding);
  for (auto field = first; field != last; ++field) {
    const bhttp::opt_token_list list(field->value());
    if (!bhttp::validate_list(list)) return false;  // "chunked;x=1", stray characters...
    codings.insert(codings.end(), list.begin(), list.end());
  }
  return codings.size() == 1 && boost::beast::iequals(codings.front(), "chunked");
}

}  // namespace detail
boost::asio::awaitable<void> serve_https(server::AsyncStream& socket, const Address& peer,
                                         boost::asio::ssl::context& context, const ConnectionOptions& options,
                                         const Routes<TlsStream>& routes) {
  // The TLS stream (an SSL object and ~70 KiB of buffers) is made once the client's first
  // byte is there: a connection that says nothing costs only its socket.
  const auto deadline = std::chrono::steady_clock::now() + options.header_timeout;
  const auto first = co_await server::first_byte(socket, deadline);
  if (first != server::FirstByte::arrived) {
    if (first == server::FirstByte::timed_out) {
      log_warn("{} TLS handshake failed: timed out", peer.to_string());
    }
    co_return;
  }
  TlsStream tls(socket, context);
  const auto shaken = co_await server::with_timeout(
      tls.async_handshake(boost::asio::ssl::stream_base::server, server::tuple_awaitable),
      deadline);
  if (!shaken || std::get<0>(*shaken)) {
    log_warn("{} TLS handshake failed: {}", peer.to_string(),
             shaken ? std::get<0>(*shaken).message() : std::string("timed out"));
    co_return;
  }
  co_await serve_http(tls, peer, nullptr, options, routes);
  co_await server::with_timeout(tls.async_shutdown(server::tuple_awaitable), std::chrono::seconds(1));
}

}  // namespace sockit::http
