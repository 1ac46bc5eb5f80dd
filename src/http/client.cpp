#include "sockit/http/client.hpp"

#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/url.hpp>
#include <fmt/core.h>

#include "output_sink.hpp"
#include "sockit/core/error.hpp"
#include "sockit/core/version.hpp"
#include "url_target.hpp"

namespace sockit::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

// One line on stderr and exit 1: the shape of every failure.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void progress(std::uint64_t done, std::optional<std::uint64_t> total) {
  if (total && *total > 0) {
    const int pct = static_cast<int>(done * 100 / *total);
    std::string bar(static_cast<std::size_t>(pct / 4), '#');
    bar.resize(25, ' ');
    std::fprintf(stderr, "\r[%s] %3d%% %llu bytes", bar.c_str(), pct, static_cast<unsigned long long>(done));
  } else {
    std::fprintf(stderr, "\r%llu bytes", static_cast<unsigned long long>(done));
  }
}

struct Answer {
  unsigned status = 0;
  std::string reason;
  std::string location;
};

class Fetch {
 public:
  Fetch(const GetOptions& o, OutputSink& sink, std::FILE* out) : o_(o), sink_(sink), out_(out) {}

  awaitable<Answer> once(const boost::urls::url_view& url) {
    const auto [tls, host, port, target, authority] = url_target(url);
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    auto [rec, endpoints] = co_await resolver.async_resolve(host, port, asio::as_tuple(use_awaitable));
    if (rec) throw Failure(fmt::format("cannot resolve {}: {}", host, rec.message()));
    beast::tcp_stream tcp_stream(ex);
    tcp_stream.expires_after(o_.timeout);
    auto [cec, ep] = co_await tcp_stream.async_connect(endpoints, asio::as_tuple(use_awaitable));
    if (cec) throw Failure(fmt::format("connect {}:{}: {}", host, port, timeout_or(cec)));
    if (!tls) co_return co_await exchange(tcp_stream, authority, target);
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    configure_tls(ctx, host);
    beast::ssl_stream<beast::tcp_stream&> stream(tcp_stream, ctx);
    // SNI; SSL_set_tlsext_host_name is a macro with a C cast, so its expansion is spelled out.
    if (!SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  const_cast<char*>(host.c_str()))) {
      throw Failure("cannot set the TLS server name");
    }
    if (!o_.insecure) stream.set_verify_callback(asio::ssl::host_name_verification(host));
    auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, asio::as_tuple(use_awaitable));
    if (hec) throw Failure(fmt::format("TLS handshake with {} failed: {}", host, timeout_or(hec)));
    co_return co_await exchange(stream, authority, target);
  }

 private:
  static std::string timeout_or(const boost::system::error_code& ec) {
    return ec == beast::error::timeout ? "timed out" : ec.message();
  }

  void configure_tls(asio::ssl::context& ctx, const std::string&) {
    if (o_.insecure) {
      std::fprintf(stderr, "sockit: warning: -k: the server's certificate is NOT checked\n");
      ctx.set_verify_mode(asio::ssl::verify_none);
      return;
    }
    ctx.set_verify_mode(asio::ssl::verify_peer);
    boost::system::error_code ec;
    if (o_.cacert.empty()) {
      ctx.set_default_verify_paths(ec);
    } else {
      ctx.load_verify_file(o_.cacert, ec);
    }
    if (ec) throw Failure(fmt::format("cannot load CA certificates {}: {}", o_.cacert, ec.message()));
  }

  template <class Stream>
  awaitable<Answer> exchange(Stream& stream, const std::string& authority, const std::string& target) {
    bhttp::request<bhttp::empty_body> req(o_.head_only ? bhttp::verb::head : bhttp::verb::get, target, 11);
    req.set(bhttp::field::host, authority);
    req.set(bhttp::field::user_agent, fmt::format("sockit/{}", version()));
    req.set(bhttp::field::accept, "*/*");
    req.set(bhttp::field::connection, "close");
    beast::get_lowest_layer(stream).expires_after(o_.timeout);
    auto [wec, wn] = co_await bhttp::async_write(stream, req, asio::as_tuple(use_awaitable));
    if (wec) throw Failure("send failed: " + timeout_or(wec));
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(boost::none);  // streamed to the sink, never held whole
    if (o_.head_only) parser.skip(true);
    auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(use_awaitable));
    if (hec) throw Failure("bad response: " + timeout_or(hec));
    const auto& head = parser.get();
    Answer a{head.result_int(), std::string(head.reason()), std::string(head[bhttp::field::location])};
    if (o_.head_only) {
      print_head(head);
      co_return a;
    }
    const bool redirect = o_.follow && a.status >= 300 && a.status < 400 && !a.location.empty();
    co_await read_body(stream, buffer, parser, redirect);
    co_return a;
  }

  template <class Head>
  void print_head(const Head& head) {
    std::fprintf(out_, "HTTP/%u.%u %u %s\r\n", head.version() / 10, head.version() % 10,
                 head.result_int(), std::string(head.reason()).c_str());
    for (const auto& f : head) {
      std::fprintf(out_, "%s: %s\r\n", std::string(f.name_string()).c_str(),
                   std::string(f.value()).c_str());
    }
    std::fprintf(out_, "\r\n");
  }

  template <class Stream, class Parser>
  awaitable<void> read_body(Stream& stream, beast::flat_buffer& buffer, Parser& parser, bool discard) {
    std::array<char, 65536> chunk;
    const auto total = parser.content_length();
    const bool show = !discard && sink_.to_file() && ::isatty(STDERR_FILENO);
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(use_awaitable));
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) throw Failure("the response broke off: " + timeout_or(ec));
      const auto got = chunk.size() - parser.get().body().size;
      if (!discard) sink_.write(chunk.data(), got);
      if (show) progress(sink_.written(), total ? std::optional<std::uint64_t>(*total) : std::nullopt);
    }
    if (show) std::fprintf(stderr, "\n");
  }

  const GetOptions& o_;
  OutputSink& sink_;
  std::FILE* out_;
};

int fetch_following(boost::urls::url url, const GetOptions& o, std::FILE* out) {
  OutputSink sink(o.output, out);
  Fetch fetch(o, sink, out);
  for (int hop = 0;; ++hop) {
    asio::io_context io;
    auto future = asio::co_spawn(io, fetch.once(url), asio::use_future);
    io.run();
    const Answer a = future.get();
    const bool redirect = a.status >= 300 && a.status < 400 && !a.location.empty();
    if (redirect && o.follow) {
      if (hop >= o.max_redirects) throw Failure(fmt::format("more than {} redirects", o.max_redirects));
      url = follow_location(url, a.location);
      continue;
    }
    if (a.status < 200 || a.status >= 300) {
      if (!sink.to_file()) sink.commit();  // the error page still shows; a -o file is not made
      std::fprintf(stderr, "sockit: HTTP %u %s\n", a.status, a.reason.c_str());
      return 1;
    }
    sink.commit();
    return 0;
  }
}

// The URL on the command line is the user's (parse_error: a usage error); one that cannot be
// fetched, or a redirect, is a failure of the fetch.
int run_get(const std::string& url_text, const GetOptions& o, std::FILE* out) {
  const boost::urls::url url = parse_get_url(url_text);
  try {
    return fetch_following(url, o, out);
  } catch (const parse_error& e) {
    throw Failure(e.what());
  }
}

}  // namespace

int get(const std::string& url, const GetOptions& options, std::FILE* out) {
  try {
    return run_get(url, options, out);
  } catch (const Failure& f) {
    std::fprintf(stderr, "sockit: %s\n", f.what());
    return 1;
  } catch (const OutputError& e) {
    std::fprintf(stderr, "sockit: %s\n", e.what());
    return 1;
  }
}

}  // namespace sockit::http
