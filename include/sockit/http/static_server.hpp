// `sockit http serve`: a static web server on Beast — keep-alive, pipelining, HEAD, Range
// (multipart too), conditional requests (RFC 9110 §13), directory listings — that never
// serves anything outside its root.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "sockit/server/send_path.hpp"
#include "sockit/server/service.hpp"
#include "sockit/socket/address.hpp"
#include "sockit/socket/endpoint.hpp"
#include "sockit/socket/tls_profile.hpp"

namespace sockit::http {

/// Value type.
struct StaticOptions {
  std::filesystem::path root = ".";
  std::size_t max_connections = 1024;
  std::size_t max_header_bytes = 8192;     ///< request line + headers; more: 431
  std::size_t max_target_bytes = 4096;     ///< request target; more: 414
  std::chrono::milliseconds header_timeout{10000};  ///< a request must arrive this fast
  std::chrono::milliseconds idle_timeout{30000};    ///< keep-alive wait between requests
  std::size_t threads = 0;                 ///< 0: one event loop per core
  bool access_log = true;                  ///< one common-log-format line per request
  std::size_t cache_bytes = 64 << 20;      ///< memory for small hot files (0: no cache)
  std::size_t cache_file_bytes = 256 << 10;  ///< files up to this size are cached
  std::size_t max_ranges = 16;  ///< a Range naming more is ignored (200), as nginx's max_ranges
  std::string tls_cert;                    ///< PEM certificate chain: HTTPS; empty: plain HTTP
  std::string tls_key;                     ///< PEM private key of tls_cert
  TlsProfile tls_profile = TlsProfile::intermediate;  ///< HTTPS versions and ciphers
  /// How each loop's answers over plain HTTP reach the kernel (process-wide).
  server::SendPath send_path = server::SendPath::automatic;
};

/// The static server, embeddable: bound when constructed, serving `options.root` on its own
/// event loops from start() until stop() (server/service.hpp). Thread safety as Service's.
class StaticServer : public server::Service {
 public:
  /// Throws std::invalid_argument when the root is not a directory, socket_error when it
  /// cannot listen.
  StaticServer(const Endpoint& endpoint, StaticOptions options);
  ~StaticServer() override;
  /// Where it listens (the real port when bound to port 0). Thread safe.
  const Address& local_address() const noexcept;
  void request_stop() noexcept override;
  /// HTTPS: loads the certificate and key files again, for new connections (a connection
  /// keeps the one it began with). The reason when they cannot be loaded (the current ones
  /// stay); nullopt on success, and without TLS. Thread safe.
  std::optional<std::string> reload_certificate();

 private:
  void run() override;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sockit::http
