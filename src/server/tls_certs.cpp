#include "tls_certs.hpp"

#include <openssl/ssl.h>

#include <stdexcept>

#include "sockit/socket/tls.hpp"

namespace sockit::server {
namespace ssl = boost::asio::ssl;

namespace {

// Picks "http/1.1" if the client offers it; otherwise no ALPN (a protocol v1 client).
int select_http(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                unsigned int in_len, void*) {
  static const unsigned char kHttp[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, out_len, kHttp, sizeof kHttp, in, in_len) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

TlsCerts::TlsCerts(std::string cert, std::string key, TlsProfile profile)
    : cert_(std::move(cert)), key_(std::move(key)), profile_(profile), current_(load()) {}

// The context every TLS server builds (TlsContext::server), handed to Asio, which frees it.
std::shared_ptr<ssl::context> TlsCerts::load() const {
  try {
    auto ctx = std::make_shared<ssl::context>(TlsContext::server(cert_, key_, profile_).release());
    SSL_CTX_set_alpn_select_cb(ctx->native_handle(), select_http, nullptr);
    return ctx;
  } catch (const std::runtime_error& e) {  // also boost::system::system_error from Asio
    throw std::runtime_error(std::string("--tls-cert/--tls-key: ") + e.what());
  }
}

std::optional<std::string> TlsCerts::reload() {
  try {
    auto fresh = load();
    std::lock_guard lock(mu_);
    current_ = std::move(fresh);
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}

std::shared_ptr<ssl::context> TlsCerts::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

}  // namespace sockit::server
