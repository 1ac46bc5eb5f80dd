#include "url_target.hpp"

#include <boost/url/parse.hpp>

#include "sockit/core/error.hpp"

namespace sockit::http {

boost::urls::url parse_get_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) throw parse_error("bad URL '" + std::string(text) + "': " + parsed.error().message());
  return *parsed;
}

UrlTarget url_target(const boost::urls::url_view& url) {
  UrlTarget t;
  t.tls = url.scheme() == "https";
  if (!t.tls && url.scheme() != "http") {
    throw parse_error("unsupported scheme '" + std::string(url.scheme()) + "' (http or https)");
  }
  t.host = url.host_address();
  if (t.host.empty()) throw parse_error("no host in URL '" + std::string(url.buffer()) + "'");
  t.port = url.port();  // "http://h:/" has an empty port: the default (RFC 3986 §3.2.3)
  if (t.port.empty()) t.port = t.tls ? "443" : "80";
  // Boost.URL 1.81 takes "http://h:80x/y" as port 80 and the path "x/y"; RFC 3986 has no such
  // URL, and "GET x/y" would be no request line (found by fuzz/targets/http_url).
  const auto path = url.encoded_path();
  if (!path.empty() && path.front() != '/') {
    throw parse_error("bad URL '" + std::string(url.buffer()) + "': the path must start with /");
  }
  t.target = url.encoded_target();
  if (t.target.empty() || t.target.front() == '?') t.target.insert(0, "/");
  t.authority = url.encoded_host_and_port();
  return t;
}

boost::urls::url follow_location(const boost::urls::url_view& base, std::string_view location) {
  auto next = boost::urls::parse_uri_reference(location);
  if (!next) throw parse_error("bad redirect location '" + std::string(location) + "'");
  boost::urls::url resolved;
  if (auto r = boost::urls::resolve(base, *next, resolved); !r) {
    throw parse_error("redirect location '" + std::string(location) + "' does not resolve");
  }
  return resolved;
}

}  // namespace sockit::http
