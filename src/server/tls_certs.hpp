// Internal: a server's certificate and key for TLS (the chat's ports, HTTPS) — loaded at
// start, loaded again on SIGHUP without dropping a connection: a connection keeps the
// context it was accepted with; new ones get the new one.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "sockit/socket/tls_profile.hpp"

namespace sockit::server {

/// Thread safe.
class TlsCerts {
 public:
  /// Loads `cert` (PEM, the chain) and `key` (PEM) into a context with `profile`
  /// (TlsContext::server builds it). Throws std::runtime_error naming the file and OpenSSL's
  /// reason. ALPN "http/1.1" is chosen when a client offers it (browsers on the web port).
  TlsCerts(std::string cert, std::string key, TlsProfile profile = TlsProfile::intermediate);
  /// Loads the files again. On failure the current certificate stays and the reason is
  /// returned.
  std::optional<std::string> reload();
  /// The context for a new connection; the connection keeps it alive.
  std::shared_ptr<boost::asio::ssl::context> current() const;

 private:
  std::shared_ptr<boost::asio::ssl::context> load() const;

  const std::string cert_;
  const std::string key_;
  const TlsProfile profile_;
  mutable std::mutex mu_;  // guards current_
  std::shared_ptr<boost::asio::ssl::context> current_;
};

}  // namespace sockit::server
