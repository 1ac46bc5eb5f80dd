#include "tls_certs.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

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

TlsCerts::TlsCerts(std::string cert, std::string key)
    : cert_(std::move(cert)), key_(std::move(key)), current_(load()) {}

std::shared_ptr<ssl::context> TlsCerts::load() const {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_alpn_select_cb(native, select_http, nullptr);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_, ec);
  if (ec) throw std::runtime_error("--tls-cert " + cert_ + ": " + ec.message());
  ctx->use_private_key_file(key_, ssl::context::pem, ec);
  if (ec) throw std::runtime_error("--tls-key " + key_ + ": " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    throw std::runtime_error("--tls-key " + key_ + " does not match --tls-cert " + cert_);
  }
  return ctx;
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
