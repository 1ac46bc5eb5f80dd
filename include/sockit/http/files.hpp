// The pure parts of the static web server: request target to file (never outside the root),
// MIME types, validators and the directory listing (Range: ranges.hpp). No sockets; fuzzable.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sockit::http {

/// Where a request target leads. `status` is 0 when `path` may be served, else the HTTP
/// status to answer (400 malformed, 403 forbidden, 404 not found).
struct TargetResult {
  int status = 0;
  std::filesystem::path path;
  bool is_directory = false;
  std::string decoded;  ///< the percent-decoded path, for listings and redirects
};

/// A request target's path, percent-decoded and checked without touching the file system:
/// `status` 400 (malformed, NUL), 403 (a dot-dot segment) or 404 (an encoded slash), else 0
/// with `relative` the path below the root (empty for the root itself, "a/b.txt"; dot and
/// empty segments dropped). Pure.
struct LexicalTarget {
  int status = 0;
  std::string decoded;   ///< the percent-decoded path, for listings and redirects
  std::string relative;  ///< below the root, without a leading or doubled '/'
};
LexicalTarget lexical_target(std::string_view target);

/// Maps a request target ("/a%20b/c.txt?x=1") to a file under `root` (which must be
/// canonical). `..` segments, encoded slashes, NUL bytes and symlinks leading out of the root
/// are refused. Touches the file system only to canonicalise. Thread safe.
TargetResult resolve_target(const std::filesystem::path& root, std::string_view target);

/// The Content-Type for a file name ("index.html" -> "text/html; charset=utf-8"). Pure.
std::string_view mime_type(std::string_view filename);

/// A strong validator from size and modification time. Pure.
std::string make_etag(std::uint64_t size, std::int64_t mtime_ns);

/// RFC 9110 IMF-fixdate ("Sun, 22 Nov 2026 04:57:01 GMT"), and back from it or from the two
/// obsolete forms a recipient must accept (§5.6.7: RFC 850, asctime); nullopt if bad. Pure.
std::string http_date(std::int64_t unix_seconds);
std::optional<std::int64_t> parse_http_date(std::string_view text);

/// One entry of a directory listing.
struct ListingEntry {
  std::string name;
  bool is_directory = false;
  std::uint64_t size = 0;
  std::int64_t mtime = 0;  ///< Unix seconds
};
/// An HTML listing of `entries` (sorted here: directories first, then by name) for the
/// decoded request path `title`; every name is HTML-escaped and its link percent-encoded.
/// Pure.
std::string directory_listing(std::string_view title, std::vector<ListingEntry> entries);

/// Escapes & < > " ' for HTML text and attributes. Pure.
std::string html_escape(std::string_view text);

}  // namespace sockit::http
