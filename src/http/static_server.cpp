#include "sockit/http/static_server.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "connection.hpp"
#include "file_cache.hpp"
#include "sockit/http/files.hpp"
#include "server/tls_certs.hpp"
#include "sockit/server/async_server.hpp"

namespace sockit::http {
namespace fs = std::filesystem;

// The served directory: its canonical path and a descriptor of it for openat2.
struct Root {
  explicit Root(const fs::path& dir);
  Root(const Root&) = delete;
  Root& operator=(const Root&) = delete;
  ~Root() { ::close(fd); }
  fs::path path;
  int fd = -1;
};

namespace {

// A file already open (`fd`, owned by the reply from here on) and its fstat.
void file_reply(Reply& r, const Request& req, std::string_view name, int fd, const struct stat& st,
                FileCache& cache) {
  r.fd = fd;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const auto file = cache.get(st, fd);
  if (file) {
    r.cached = std::shared_ptr<const std::string>(file, &file->bytes);
    r.head.set(bhttp::field::etag, file->etag);
    r.head.set(bhttp::field::last_modified, file->last_modified);
  } else {
    r.head.set(bhttp::field::etag, make_etag(size, mtime_ns(st)));
    r.head.set(bhttp::field::last_modified, http_date(st.st_mtim.tv_sec));
  }
  r.head.set(bhttp::field::accept_ranges, "bytes");
  r.head.set(bhttp::field::content_type, mime_type(name));
  const auto etag = r.head[bhttp::field::etag];
  const auto inm = req[bhttp::field::if_none_match];
  if (!inm.empty() ? etag_matches(inm, etag)
                   : req.count(bhttp::field::if_modified_since) &&
                         parse_http_date(req[bhttp::field::if_modified_since]) >= st.st_mtim.tv_sec) {
    r.head.result(bhttp::status::not_modified);
    return;
  }
  r.length = size;
  if (req.count(bhttp::field::range) == 0) return;
  const auto range = parse_range(req[bhttp::field::range], size);
  if (range.unsatisfiable) {
    ::close(std::exchange(r.fd, -1));  // the answer is the text below, not the file
    r.cached.reset();
    plain(r, bhttp::status::range_not_satisfiable, "range not satisfiable\n");
    r.head.set(bhttp::field::content_range, fmt::format("bytes */{}", size));
    return;
  }
  if (range.range) {
    r.head.result(bhttp::status::partial_content);
    r.offset = range.range->first;
    r.length = range.range->last - range.range->first + 1;
    r.head.set(bhttp::field::content_range,
               fmt::format("bytes {}-{}/{}", range.range->first, range.range->last, size));
  }
}

// The fast way to a regular file: one openat2(2) below the root's descriptor, which the kernel
// refuses if any step — a `..` or a symlink — would leave the root. False when it does not
// lead to a regular file (a directory, nothing, an absolute symlink, a kernel without
// openat2): the caller then takes the slow way, resolve_target, which decides.
bool serve_beneath(Reply& r, const Request& req, int root_fd, const LexicalTarget& target,
                   FileCache& cache) {
  if (target.relative.empty() || target.decoded.ends_with('/')) return false;  // "/" and "/dir/"
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;  // a FIFO must not block the loop
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  const int fd = static_cast<int>(::syscall(SYS_openat2, root_fd, target.relative.c_str(), &how, sizeof how));
  if (fd < 0) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return false;
  }
  const auto slash = target.relative.rfind('/');
  const auto name = slash == std::string::npos ? std::string_view(target.relative)
                                               : std::string_view(target.relative).substr(slash + 1);
  file_reply(r, req, name, fd, st, cache);
  return true;
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

void build(Reply& r, const Request& req, const Root& root, FileCache& cache) {
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
    r.head.set(bhttp::field::allow, "GET, HEAD");
    return plain(r, bhttp::status::method_not_allowed, "method not allowed\n");
  }
  if (const auto lexical = lexical_target(req.target());
      lexical.status == 0 && serve_beneath(r, req, root.fd, lexical, cache)) {
    return;
  }
  auto t = resolve_target(root.path, req.target());
  if (t.status == 400) return plain(r, bhttp::status::bad_request, "bad request\n");
  if (t.status == 403) return plain(r, bhttp::status::forbidden, "forbidden\n");
  if (t.status) return plain(r, bhttp::status::not_found, "not found\n");
  if (t.is_directory) {
    directory_reply(r, req, t);
    if (r.head.result() != bhttp::status::ok || !r.body.empty()) return;
    t.path /= "index.html";
  }
  const int fd = ::open(t.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return plain(r, bhttp::status::forbidden, "forbidden\n");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return plain(r, bhttp::status::not_found, "not found\n");
  }
  file_reply(r, req, t.path.filename().string(), fd, st, cache);
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

Root::Root(const fs::path& dir) {
  std::error_code ec;
  path = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(path)) throw std::invalid_argument("not a directory: " + dir.string());
  fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw std::invalid_argument("cannot open " + path.string() + ": " + std::strerror(errno));
}

std::unique_ptr<server::TlsCerts> tls_certs(const StaticOptions& o) {
  if (o.tls_cert.empty() && o.tls_key.empty()) return nullptr;
  if (o.tls_cert.empty() || o.tls_key.empty()) throw std::invalid_argument("HTTPS needs a certificate and its key");
  try {
    return std::make_unique<server::TlsCerts>(o.tls_cert, o.tls_key, o.tls_profile);
  } catch (const std::runtime_error& e) {
    throw std::invalid_argument(e.what());
  }
}

struct StaticServer::Impl {
  Impl(const Endpoint& endpoint, StaticOptions o)
      : options(std::move(o)),
        connection(connection_options(options)),
        root(options.root),
        cache(options.cache_bytes, options.cache_file_bytes),
        certs(tls_certs(options)),
        routes{[this](const Request& req, Reply& r) { build(r, req, root, cache); }, {}, {}},
        tls_routes{[this](const Request& req, Reply& r) { build(r, req, root, cache); }, {}, {}},
        server(endpoint,
               server::ReusableStreamCoroutine([this](server::AsyncStream& socket, const Address& peer,
                                                      server::Reusable& reusable) {
                 return certs ? serve_tls(socket, peer) : serve_http(socket, peer, &reusable, connection, routes);
               }),
               server_config(options)) {}

  boost::asio::awaitable<void> serve_tls(server::AsyncStream& socket, const Address& peer) {
    const auto context = certs->current();  // kept for the connection's life
    co_await serve_https(socket, peer, *context, connection, tls_routes);
  }

  const StaticOptions options;
  const ConnectionOptions connection;
  const Root root;
  FileCache cache;
  const std::unique_ptr<server::TlsCerts> certs;  // null: plain HTTP
  const Routes<server::AsyncStream> routes;
  const Routes<TlsStream> tls_routes;
  server::AsyncServer server;
};

StaticServer::StaticServer(const Endpoint& endpoint, StaticOptions options)
    : impl_(std::make_unique<Impl>(endpoint, std::move(options))) {}

StaticServer::~StaticServer() { stop_before_destruction(); }

const Address& StaticServer::local_address() const noexcept { return impl_->server.server_address(); }

void StaticServer::request_stop() noexcept { impl_->server.request_stop(); }

void StaticServer::run() { impl_->server.serve_forever(); }

std::optional<std::string> StaticServer::reload_certificate() {
  return impl_->certs ? impl_->certs->reload() : std::nullopt;
}

}  // namespace sockit::http
