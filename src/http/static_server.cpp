#include "sockit/http/static_server.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <utility>
#include <vector>

#include "connection.hpp"
#include "file_cache.hpp"
#include "file_reply.hpp"
#include "server/tls_certs.hpp"
#include "sockit/http/files.hpp"
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

// What every answer needs of the server: where files are, and how to send them.
struct Site {
  const Root& root;
  FileCache& cache;
  std::size_t max_ranges;
};

namespace {

// The fast way to a regular file: one openat2(2) below the root's descriptor, which the kernel
// refuses if any step — a `..` or a symlink — would leave the root. False when it does not
// lead to a regular file (a directory, nothing, an absolute symlink, a kernel without
// openat2): the caller then takes the slow way, resolve_target, which decides.
bool serve_beneath(Reply& r, const Request& req, const Site& site, const LexicalTarget& target) {
  if (target.relative.empty() || target.decoded.ends_with('/')) return false;  // "/" and "/dir/"
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;  // a FIFO must not block the loop
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  const int fd = static_cast<int>(
      ::syscall(SYS_openat2, site.root.fd, target.relative.c_str(), &how, sizeof how));
  if (fd < 0) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return false;
  }
  const auto slash = target.relative.rfind('/');
  const auto name = slash == std::string::npos ? std::string_view(target.relative)
                                               : std::string_view(target.relative).substr(slash + 1);
  file_reply(r, req, OpenFile{fd, st, name}, site.cache, site.max_ranges);
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

void build(Reply& r, const Request& req, const Site& site) {
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
    r.head.set(bhttp::field::allow, kAllowedMethods);
    return plain(r, bhttp::status::method_not_allowed, "method not allowed\n");
  }
  if (const auto lexical = lexical_target(req.target());
      lexical.status == 0 && serve_beneath(r, req, site, lexical)) {
    return;
  }
  auto t = resolve_target(site.root.path, req.target());
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
  const auto name = t.path.filename().string();
  file_reply(r, req, OpenFile{fd, st, name}, site.cache, site.max_ranges);
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
        site{root, cache, options.max_ranges},
        routes{[this](const Request& req, Reply& r) { build(r, req, site); }, {}, {}},
        tls_routes{[this](const Request& req, Reply& r) { build(r, req, site); }, {}, {}},
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
  const Site site;
  const Routes<server::AsyncStream> routes;
  const Routes<TlsStream> tls_routes;
  server::AsyncServer server;
};

StaticServer::StaticServer(const Endpoint& endpoint, StaticOptions options) {
  server::use_send_path(options.send_path);
  impl_ = std::make_unique<Impl>(endpoint, std::move(options));
}

StaticServer::~StaticServer() { stop_before_destruction(); }

const Address& StaticServer::local_address() const noexcept { return impl_->server.server_address(); }

void StaticServer::request_stop() noexcept { impl_->server.request_stop(); }

void StaticServer::run() { impl_->server.serve_forever(); }

std::optional<std::string> StaticServer::reload_certificate() {
  return impl_->certs ? impl_->certs->reload() : std::nullopt;
}

}  // namespace sockit::http
