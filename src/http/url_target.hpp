// Internal: what `sockit http get` takes from a URL — where to connect, what to ask for — and
// where a redirect leads. Pure: no I/O, every input is safe (fuzzed by fuzz/targets/http_url).
#pragma once

#include <string>
#include <string_view>

#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

namespace sockit::http {

/// One request's destination. A value type.
struct UrlTarget {
  bool tls = false;       ///< https
  std::string host;       ///< name or address to resolve and verify; IPv6 without brackets
  std::string port;       ///< the URL's, or 80/443
  std::string target;     ///< origin-form request target, "/" at least
  std::string authority;  ///< the Host field: host[:port] as written, brackets kept
};

/// Parses the command line's URL. Throws parse_error naming the URL and what is wrong.
boost::urls::url parse_get_url(std::string_view text);

/// The destination of `url`. Throws parse_error for a scheme other than http or https, or a
/// URL without a host.
UrlTarget url_target(const boost::urls::url_view& url);

/// Where a Location header leads from `base` (relative references resolved). Throws
/// parse_error if it does not parse or resolve.
boost::urls::url follow_location(const boost::urls::url_view& base, std::string_view location);

}  // namespace sockit::http
