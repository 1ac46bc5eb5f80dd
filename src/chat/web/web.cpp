#include "chat/web/web.hpp"

#include <fmt/core.h>

#include <openssl/crypto.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/url/parse.hpp>

#include "http/connection.hpp"
#include "http/request_conditions.hpp"
#include "chat/core/hub.hpp"
#include "chat/web/metrics.hpp"
#include "chat/web/origin.hpp"
#include "server/tls_certs.hpp"
#include "chat/core/session.hpp"
#include "sockit/core/log.hpp"
#include "sockit/http/preconditions.hpp"
#include "sockit/server/with_timeout.hpp"
#include "chat/web/web_assets.hpp"
#include "chat/transport/ws_transport.hpp"

namespace sockit::chat {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::awaitable;
using http::Reply;
using HttpRequest = http::Request;

namespace {

using server::tuple_awaitable;
// The web port's requests are small: the page, its assets, /auth, /healthz, /metrics, /ws.
// Each is logged, as `sockit http serve` does; the scrapes of a metrics-only port are not.
const http::ConnectionOptions kConnection{16 * 1024, 4096, std::chrono::seconds(15),
                                          std::chrono::seconds(15), true};
const http::ConnectionOptions kMetricsConnection{16 * 1024, 4096, std::chrono::seconds(15),
                                                 std::chrono::seconds(15), false};

const http::ConnectionOptions& connection_options(const WebContext& ctx) {
  return ctx.metrics_only ? kMetricsConnection : kConnection;
}
// The page loads its own script and style and talks to its own host only.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// A text answer no cache keeps.
void text_reply(Reply& r, bhttp::status status, std::string text) {
  http::plain(r, status, std::move(text));
  r.head.set(bhttp::field::cache_control, "no-store");
}

// An embedded file: its ETag is its only validator (no Last-Modified, no ranges), checked
// as `sockit http serve` checks a file's (If-Match 412, If-None-Match 304; no Content-Type).
void asset(Reply& r, const HttpRequest& req, const WebAsset& file) {
  r.head.set(bhttp::field::etag, file.etag);
  // Revalidate every time (a cheap 304): a new binary must never meet an old cached page.
  r.head.set(bhttp::field::cache_control, "no-cache");
  r.head.set("X-Content-Type-Options", "nosniff");
  switch (http::evaluate_preconditions(http::conditions_of(req),
                                       http::Validators{file.etag, std::nullopt})) {
    case http::Verdict::not_modified:
      return r.head.result(bhttp::status::not_modified);
    case http::Verdict::precondition_failed:
      return text_reply(r, bhttp::status::precondition_failed, "precondition failed\n");
    case http::Verdict::proceed:
    case http::Verdict::ignore_range:
      break;
  }
  r.head.set(bhttp::field::content_type, file.content_type);
  if (file.content_type.starts_with("text/html")) {
    r.head.set("Content-Security-Policy", kPagePolicy);
    r.head.set("Referrer-Policy", "no-referrer");
  }
  r.body = std::string(file.body);
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

// A WebSocket upgrade the chat does not take: why, as an answer that closes the connection.
void refuse_upgrade(Reply& r, const HttpRequest& req, const WebContext& ctx, const std::string& path) {
  r.close = true;
  if (path != "/ws") return text_reply(r, bhttp::status::not_found, "no WebSocket here; use /ws\n");
  if (!origin_allowed(req[bhttp::field::origin], req[bhttp::field::host], ctx.allow_origins)) {
    return text_reply(r, bhttp::status::forbidden, "origin not allowed\n");
  }
  text_reply(r, bhttp::status::bad_request, "Sec-WebSocket-Key must be 16 bytes in base64\n");
}

bool upgrade_acceptable(const HttpRequest& req, const WebContext& ctx) {
  return !ctx.metrics_only && beast::websocket::is_upgrade(req) && path_of(req.target()) == "/ws" &&
         origin_allowed(req[bhttp::field::origin], req[bhttp::field::host], ctx.allow_origins) &&
         valid_websocket_key(req[bhttp::field::sec_websocket_key]);
}

void answer(const HttpRequest& req, Reply& r, const WebContext& ctx) {
  const auto path = path_of(req.target());
  if (path.empty()) return text_reply(r, bhttp::status::bad_request, "bad request target\n");
  if (!ctx.metrics_only && beast::websocket::is_upgrade(req)) return refuse_upgrade(r, req, ctx, path);
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
    r.head.set(bhttp::field::allow, http::kAllowedMethods);
    return text_reply(r, bhttp::status::method_not_allowed, "method not allowed\n");
  }
  if (path == "/healthz") {
    if (!ctx.hub.directory().healthy()) {
      return text_reply(r, bhttp::status::service_unavailable, "degraded: Redis unreachable\n");
    }
    return text_reply(r, bhttp::status::ok, "ok\n");
  }
  if (path == "/metrics" && ctx.serve_metrics) {
    if (!bearer_matches(req[bhttp::field::authorization], ctx.metrics_token)) {
      r.head.set(bhttp::field::www_authenticate, "Bearer realm=\"sockit metrics\"");
      return text_reply(r, bhttp::status::unauthorized, "a bearer token is needed (--metrics-token)\n");
    }
    text_reply(r, bhttp::status::ok, render_metrics(ctx.hub, ctx.store));
    r.head.set(bhttp::field::content_type, kMetricsContentType);
    return;
  }
  if (ctx.metrics_only) return text_reply(r, bhttp::status::not_found, "only /metrics and /healthz here\n");
  if (path == "/auth") {  // tells the page whether to ask for a password
    text_reply(r, bhttp::status::ok, fmt::format("{{\"accounts\":{},\"guests\":{}}}\n", ctx.hub.accounts(), ctx.hub.guests()));
    r.head.set(bhttp::field::content_type, "application/json");
    return;
  }
  if (path == "/ws") return text_reply(r, bhttp::status::upgrade_required, "WebSocket only\n");
  if (const auto* file = find_web_asset(path)) return asset(r, req, *file);
  text_reply(r, bhttp::status::not_found, "not found\n");
}

// The /ws upgrade (Origin and key checked already): the handshake, then a chat session over
// the WebSocket, with the same protocol and limits as TCP. The request is dropped once
// answered: an idle user keeps only its session.
template <typename Stream>
awaitable<void> upgrade(Stream& stream, const Address& peer, HttpRequest req, const WebContext& ctx) {
  WebSocketOver<Stream> ws(stream);
  configure_chat_websocket<Stream>(ws, ctx.ws_idle);
  const auto [ec] = co_await ws.async_accept(req, tuple_awaitable);
  req = {};
  if (ec) {
    log_debug("{} WebSocket handshake failed: {}", peer.to_string(), ec.message());
    co_return;
  }
  WsTransport<Stream> transport(ws, ctx.limits.max_frame_bytes);
  co_await serve_chat_connection(transport, peer, ctx.hub, ctx.limits);
}

// The web port's routes on sockit's HTTP connection loop (http/connection.hpp). The peer is
// the connection's: the routes are made for each connection.
template <typename Stream>
http::Routes<Stream> routes(const WebContext& ctx, const Address& peer) {
  return {[&ctx](const HttpRequest& req, Reply& r) { answer(req, r, ctx); },
          [&ctx, &peer](const HttpRequest& req) {
            if (upgrade_acceptable(req, ctx)) return true;
            if (!ctx.metrics_only && beast::websocket::is_upgrade(req) && path_of(req.target()) == "/ws" &&
                !origin_allowed(req[bhttp::field::origin], req[bhttp::field::host], ctx.allow_origins)) {
              log_warn("{} refused: WebSocket from origin '{}'", peer.to_string(),
                       std::string(req[bhttp::field::origin]));
            }
            return false;
          },
          [&ctx, &peer](Stream& stream, HttpRequest req) { return upgrade(stream, peer, std::move(req), ctx); }};
}

awaitable<void> serve_web(server::AsyncStream& socket, const Address& peer, server::Reusable& reusable,
                          const WebContext& ctx) {
  const auto r = routes<server::AsyncStream>(ctx, peer);
  co_await http::serve_http(socket, peer, &reusable, connection_options(ctx), r);
}

// HTTPS: the same routes over TLS; the handshake is bounded like a request.
awaitable<void> serve_web_tls(server::AsyncStream& socket, const Address& peer, const WebContext& ctx) {
  const auto context = ctx.tls->current();  // kept for the connection's life
  const auto r = routes<http::TlsStream>(ctx, peer);
  co_await http::serve_https(socket, peer, *context, connection_options(ctx), r);
}

}  // namespace

server::ReusableStreamCoroutine web_coroutine(const WebContext& context) {
  return [&context](server::AsyncStream& socket, const Address& peer,
                    server::Reusable& reusable) -> awaitable<void> {
    if (context.tls) return serve_web_tls(socket, peer, context);
    return serve_web(socket, peer, reusable, context);
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
