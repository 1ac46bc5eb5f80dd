// MIME types, validators, dates and listings for the static server.
#include <algorithm>
#include <ctime>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <fmt/core.h>

#include "sockit/http/files.hpp"

namespace sockit::http {
namespace {

struct Mime {
  std::string_view ext;
  std::string_view type;
};

constexpr Mime kMimes[] = {
    {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"}, {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"}, {".md", "text/markdown; charset=utf-8"},
    {".csv", "text/csv; charset=utf-8"},   {".xml", "application/xml"},
    {".svg", "image/svg+xml"},             {".png", "image/png"},
    {".jpg", "image/jpeg"},                {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},                 {".webp", "image/webp"},
    {".ico", "image/vnd.microsoft.icon"},  {".pdf", "application/pdf"},
    {".wasm", "application/wasm"},         {".mp4", "video/mp4"},
    {".mp3", "audio/mpeg"},                {".wav", "audio/wav"},
    {".woff", "font/woff"},                {".woff2", "font/woff2"},
    {".zip", "application/zip"},           {".gz", "application/gzip"},
    {".tar", "application/x-tar"},
};

bool equal_ci(std::string_view a, std::string_view lower) {
  return a.size() == lower.size() && std::equal(a.begin(), a.end(), lower.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == y;
         });
}

}  // namespace

std::string_view mime_type(std::string_view filename) {
  const auto dot = filename.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const auto ext = filename.substr(dot);
  for (const auto& m : kMimes) {
    if (equal_ci(ext, m.ext)) return m.type;
  }
  return "application/octet-stream";
}

std::string make_etag(std::uint64_t size, std::int64_t mtime_ns) {
  return fmt::format("\"{:x}-{:x}\"", size, static_cast<std::uint64_t>(mtime_ns));
}

std::string http_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  // IMF-fixdate, then RFC 850's "Sunday, 06-Nov-94 08:49:37 GMT" and asctime's
  // "Sun Nov  6 08:49:37 1994" (strptime skips the padding space).
  constexpr const char* kForms[] = {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                                    "%a %b %e %H:%M:%S %Y"};
  const std::string s(text);
  for (const char* form : kForms) {
    std::tm tm{};
    const char* end = ::strptime(s.c_str(), form, &tm);
    if (end && *end == '\0') return static_cast<std::int64_t>(::timegm(&tm));
  }
  return std::nullopt;
}

std::string html_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string directory_listing(std::string_view title, std::vector<ListingEntry> entries) {
  std::sort(entries.begin(), entries.end(), [](const ListingEntry& a, const ListingEntry& b) {
    if (a.is_directory != b.is_directory) return a.is_directory;
    return a.name < b.name;
  });
  const auto t = html_escape(title);
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of {0}</title></head>\n"
      "<body><h1>Index of {0}</h1>\n<table>\n<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n",
      t);
  if (title != "/") html += "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n";
  for (const auto& e : entries) {
    const auto suffix = e.is_directory ? "/" : "";
    const auto link = boost::urls::encode(e.name, boost::urls::pchars);
    html += fmt::format("<tr><td><a href=\"{}{}\">{}{}</a></td><td>{}</td><td>{}</td></tr>\n",
                        html_escape(link), suffix, html_escape(e.name), suffix,
                        e.is_directory ? std::string("-") : std::to_string(e.size),
                        http_date(e.mtime));
  }
  html += "</table></body></html>\n";
  return html;
}

}  // namespace sockit::http
