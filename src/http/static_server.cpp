#include "sockit/http/static_server.hpp"

#include <vector>

#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/core.h>

#include "connection.hpp"
#include "file_cache.hpp"
#include "sockit/http/files.hpp"
#include "sockit/server/async_server.hpp"

namespace sockit::http {
namespace fs = std::filesystem;

namespace {

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

fs::path checked_root(const fs::path& root) {
  std::error_code ec;
  auto canonical = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canonical)) throw std::invalid_argument("not a directory: " + root.string());
  return canonical;
}

ConnectionOptions connection_options(const StaticOptions& o) {
  return {o.max_header_bytes, o.max_target_bytes, o.header_timeout, o.idle_timeout, o.access_log};
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
        connection(connection_options(options)),
        root(checked_root(options.root)),
        cache(options.cache_bytes, options.cache_file_bytes),
        routes{[this](const Request& req, Reply& r) { build(r, req, root, cache); }, {}, {}},
        server(endpoint,
               server::ReusableStreamCoroutine([this](server::AsyncStream& socket, const Address& peer,
                                                      server::Reusable& reusable) {
                 return serve_http(socket, peer, &reusable, connection, routes);
               }),
               server_config(options)) {}

  const StaticOptions options;
  const ConnectionOptions connection;
  const fs::path root;
  FileCache cache;
  const Routes<server::AsyncStream> routes;
  server::AsyncServer server;
};

StaticServer::StaticServer(const Endpoint& endpoint, StaticOptions options)
    : impl_(std::make_unique<Impl>(endpoint, std::move(options))) {}

StaticServer::~StaticServer() { stop_before_destruction(); }

const Address& StaticServer::local_address() const noexcept { return impl_->server.server_address(); }

void StaticServer::request_stop() noexcept { impl_->server.request_stop(); }

void StaticServer::run() { impl_->server.serve_forever(); }

}  // namespace sockit::http
