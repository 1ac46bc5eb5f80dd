#include "web.hpp"

#include <fmt/core.h>

#include <openssl/crypto.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/url/parse.hpp>

#include "cluster.hpp"
#include "hub.hpp"
#include "metrics.hpp"
#include "origin.hpp"
#include "session.hpp"
#include "sockit/core/log.hpp"
#include "sockit/server/with_timeout.hpp"
#include "tls_certs.hpp"
#include "web_assets.hpp"
#include "ws_transport.hpp"

namespace sockit::chat {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::awaitable;

namespace {

using server::tuple_awaitable;
constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
constexpr std::chrono::seconds kRequestLimit{15};  // idle keep-alive or a slow request
constexpr std::chrono::seconds kWriteLimit{15};
// The page loads its own script and style and talks to its own host only.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

using Request = bhttp::request<bhttp::empty_body>;
using Response = bhttp::response<bhttp::string_body>;

Response plain(const Request& req, bhttp::status status, std::string text) {
  Response res(status, req.version());
  res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  res.set(bhttp::field::cache_control, "no-store");
  res.body() = std::move(text);
  return res;
}

bool etag_listed(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.find(etag) != std::string_view::npos) return true;
  return if_none_match.find('*') != std::string_view::npos;
}

Response asset(const Request& req, const WebAsset& file) {
  Response res(bhttp::status::ok, req.version());
  res.set(bhttp::field::etag, file.etag);
  // Revalidate every time (a cheap 304): a new binary must never meet an old cached page.
  res.set(bhttp::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  if (etag_listed(req[bhttp::field::if_none_match], file.etag)) {
    res.result(bhttp::status::not_modified);
    return res;
  }
  res.set(bhttp::field::content_type, file.content_type);
  if (file.content_type.starts_with("text/html")) {
    res.set("Content-Security-Policy", kPagePolicy);
    res.set("Referrer-Policy", "no-referrer");
  }
  res.body() = std::string(file.body);
  return res;
}

std::string path_of(std::string_view target) {
  const auto url = boost::urls::parse_origin_form(target);
  return url ? std::string(url->encoded_path()) : std::string();
}

// True when no token is set, or the header is "Bearer TOKEN" (compared in constant time).
bool bearer_matches(std::string_view header, const std::string& token) {
  if (token.empty()) return true;
  constexpr std::string_view kScheme = "Bearer ";
  if (!header.starts_with(kScheme)) return false;
  header.remove_prefix(kScheme.size());
  return header.size() == token.size() && CRYPTO_memcmp(header.data(), token.data(), token.size()) == 0;
}

Response answer(const Request& req, const WebContext& ctx) {
  const auto path = path_of(req.target());
  if (path.empty()) return plain(req, bhttp::status::bad_request, "bad request target\n");
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
    auto res = plain(req, bhttp::status::method_not_allowed, "method not allowed\n");
    res.set(bhttp::field::allow, "GET, HEAD");
    return res;
  }
  if (path == "/healthz") {
    const auto* cluster = ctx.hub.cluster();
    if (cluster && !cluster->healthy()) {
      return plain(req, bhttp::status::service_unavailable, "degraded: Redis unreachable\n");
    }
    return plain(req, bhttp::status::ok, "ok\n");
  }
  if (path == "/metrics" && ctx.serve_metrics) {
    if (!bearer_matches(req[bhttp::field::authorization], ctx.metrics_token)) {
      auto res = plain(req, bhttp::status::unauthorized, "a bearer token is needed (--metrics-token)\n");
      res.set(bhttp::field::www_authenticate, "Bearer realm=\"sockit metrics\"");
      return res;
    }
    auto res = plain(req, bhttp::status::ok, render_metrics(ctx.hub, ctx.store));
    res.set(bhttp::field::content_type, kMetricsContentType);
    return res;
  }
  if (ctx.metrics_only) return plain(req, bhttp::status::not_found, "only /metrics and /healthz here\n");
  if (path == "/auth") {  // tells the page whether to ask for a password
    auto res = plain(req, bhttp::status::ok,
                     fmt::format("{{\"accounts\":{},\"guests\":{}}}\n", ctx.hub.accounts(), ctx.hub.guests()));
    res.set(bhttp::field::content_type, "application/json");
    res.set(bhttp::field::cache_control, "no-store");
    return res;
  }
  if (path == "/ws") return plain(req, bhttp::status::upgrade_required, "WebSocket only\n");
  if (const auto* file = find_web_asset(path)) return asset(req, *file);
  return plain(req, bhttp::status::not_found, "not found\n");
}

template <typename Stream>
awaitable<bool> send(Stream& socket, Response& res, bool head_only) {
  res.set(bhttp::field::server, "sockit");
  res.prepare_payload();
  if (head_only) {
    bhttp::response_serializer<bhttp::string_body> sr(res);
    sr.split(true);
    const auto r = co_await server::with_timeout(
        bhttp::async_write_header(socket, sr, tuple_awaitable), kWriteLimit);
    co_return r && !std::get<0>(*r);
  }
  const auto r =
      co_await server::with_timeout(bhttp::async_write(socket, res, tuple_awaitable), kWriteLimit);
  co_return r && !std::get<0>(*r);
}

// The /ws upgrade: the Origin check, the handshake, then a chat session over the WebSocket.
template <typename Stream>
awaitable<void> upgrade(Stream& socket, const Address& peer, const Request& req,
                        const WebContext& ctx) {
  if (path_of(req.target()) != "/ws") {
    auto res = plain(req, bhttp::status::not_found, "no WebSocket here; use /ws\n");
    res.keep_alive(false);
    co_await send(socket, res, false);
    co_return;
  }
  const auto origin = req[bhttp::field::origin];
  if (!origin_allowed(origin, req[bhttp::field::host], ctx.allow_origins)) {
    log_warn("{} refused: WebSocket from origin '{}'", peer.to_string(), std::string(origin));
    auto res = plain(req, bhttp::status::forbidden, "origin not allowed\n");
    res.keep_alive(false);
    co_await send(socket, res, false);
    co_return;
  }
  if (!valid_websocket_key(req[bhttp::field::sec_websocket_key])) {
    auto res = plain(req, bhttp::status::bad_request, "Sec-WebSocket-Key must be 16 bytes in base64\n");
    res.keep_alive(false);
    co_await send(socket, res, false);
    co_return;
  }
  WebSocketOver<Stream> ws(socket);
  configure_chat_websocket<Stream>(ws, ctx.ws_idle);
  const auto [ec] = co_await ws.async_accept(req, tuple_awaitable);
  if (ec) {
    log_debug("{} WebSocket handshake failed: {}", peer.to_string(), ec.message());
    co_return;
  }
  WsTransport<Stream> transport(ws, ctx.limits.max_frame_bytes);
  co_await serve_chat_connection(transport, peer, ctx.hub, ctx.limits);
}

template <typename Stream>
awaitable<void> serve_web(Stream& socket, const Address& peer, const WebContext& ctx) {
  beast::flat_buffer buffer(kMaxHeaderBytes);
  for (;;) {
    bhttp::request_parser<bhttp::empty_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    const auto read = co_await server::with_timeout(
        bhttp::async_read(socket, buffer, parser, tuple_awaitable), kRequestLimit);
    if (!read) co_return;  // idle or too slow: close
    if (const auto ec = std::get<0>(*read)) {
      if (ec != bhttp::error::end_of_stream && ec != asio::error::eof) {
        const bool too_big = ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow;
        auto res = plain(Request{},
                         too_big ? bhttp::status::request_header_fields_too_large
                                 : bhttp::status::bad_request,
                         "bad request: " + ec.message() + "\n");
        res.keep_alive(false);
        co_await send(socket, res, false);
      }
      co_return;
    }
    const Request& req = parser.get();
    if (beast::websocket::is_upgrade(req) && !ctx.metrics_only) {
      co_await upgrade(socket, peer, req, ctx);
      co_return;
    }
    auto res = answer(req, ctx);
    res.keep_alive(req.keep_alive());
    if (!co_await send(socket, res, req.method() == bhttp::verb::head)) co_return;
    log_debug("{} \"{} {}\" {}", peer.to_string(), std::string(req.method_string()),
              std::string(req.target()), res.result_int());
    if (!res.keep_alive()) co_return;
  }
}


// HTTPS: the handshake (bounded like a request), the same loop over TLS, then our
// close_notify (bounded too).
awaitable<void> serve_web_tls(server::AsyncStream& socket, const Address& peer, const WebContext& ctx) {
  const auto context = ctx.tls->current();
  TlsStream tls(socket, *context);
  const auto shaken = co_await server::with_timeout(
      tls.async_handshake(asio::ssl::stream_base::server, tuple_awaitable), kRequestLimit);
  if (!shaken || std::get<0>(*shaken)) {
    log_warn("{} TLS handshake on the web port failed: {}", peer.to_string(),
             shaken ? std::get<0>(*shaken).message() : std::string("timed out"));
    co_return;
  }
  co_await serve_web(tls, peer, ctx);
  co_await server::with_timeout(tls.async_shutdown(tuple_awaitable), std::chrono::seconds(1));
}

}  // namespace

server::StreamCoroutine web_coroutine(const WebContext& context) {
  return [&context](server::AsyncStream& socket, const Address& peer) -> awaitable<void> {
    if (context.tls) return serve_web_tls(socket, peer, context);
    return serve_web(socket, peer, context);
  };
}

const WebAsset* find_web_asset(std::string_view path) noexcept {
  if (path == "/") path = "/index.html";
  for (const auto& file : web_assets()) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

}  // namespace sockit::chat
