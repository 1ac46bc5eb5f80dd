// `sockit http get`: an HTTP/1.1 and HTTPS client that reads whole responses (Content-Length,
// chunked or close-delimited), follows redirects, checks certificates, and replaces a file only
// when the body is complete (a device or FIFO is written through, as curl does).
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

namespace sockit::http {

/// Value type; mirrors the command's flags.
struct GetOptions {
  bool head_only = false;      ///< -I: HEAD, print the status line and headers
  bool follow = false;         ///< -L: follow up to max_redirects redirects
  int max_redirects = 10;
  std::string output;          ///< -o FILE ("-": stdout): replaced when complete; a device
                               ///< or FIFO (/dev/null) written through
  std::chrono::milliseconds timeout{30000};  ///< the whole exchange, per request
  std::string cacert;          ///< --cacert FILE: trust these CAs instead of the system's
  bool insecure = false;       ///< -k: do not check certificates (said loudly on stderr)
};

/// Fetches `url`; the body goes to `out` (or the -o file), messages to stderr. Returns the
/// exit code: 0 for a 2xx answer, 1 otherwise (non-2xx, DNS, connect, TLS, timeout), each
/// failure as one line on stderr. Throws parse_error for a URL that does not parse.
int get(const std::string& url, const GetOptions& options, std::FILE* out);

}  // namespace sockit::http
