#include "sockit/socket/tls.hpp"

#include "tls_internal.hpp"

#include <chrono>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>

namespace sockit {
namespace detail {

void tls_fail(const std::string& what) {
  const unsigned long code = ERR_get_error();
  char reason[256] = "unknown error";
  if (code) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  throw std::runtime_error("TLS: " + what + ": " + reason);
}

SSL_CTX* new_tls_context(const SSL_METHOD* method) {
  SSL_CTX* ctx = SSL_CTX_new(method);
  if (!ctx) tls_fail("cannot create a context");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);  // a peer that just closes has ended
  return ctx;
}

}  // namespace detail

namespace {

using detail::tls_fail;

// Waits until the socket is ready for what OpenSSL asked, or the deadline passes.
void wait_for(int fd, int ssl_error, std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  pollfd p{fd, static_cast<short>(ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
  if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) == 0) {
    throw std::runtime_error("TLS: handshake timed out");
  }
}

}  // namespace

TlsContext TlsContext::client(bool verify, const std::string& trustfile) {
  SSL_CTX* ctx = detail::new_tls_context(TLS_client_method());
  TlsContext out(ctx, verify);
  if (verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    const int ok = trustfile.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                                     : SSL_CTX_load_verify_locations(ctx, trustfile.c_str(), nullptr);
    if (ok != 1) tls_fail("cannot load trusted certificates " + trustfile);
  }
  return out;
}

TlsContext::~TlsContext() {
  if (ctx_) SSL_CTX_free(ctx_);
}
TlsContext::TlsContext(TlsContext&& o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)), verify_(o.verify_) {}
TlsContext& TlsContext::operator=(TlsContext&& o) noexcept {
  std::swap(ctx_, o.ctx_);
  verify_ = o.verify_;
  return *this;
}

TlsStream::TlsStream(const TlsContext& context, Socket& socket, bool server,
                     const std::string& host, std::chrono::milliseconds timeout) {
  ssl_ = SSL_new(context.native());
  if (!ssl_ || SSL_set_fd(ssl_, socket.fileno()) != 1) tls_fail("cannot start a connection");
  if (!server && !host.empty()) {
    // SNI (what the SSL_set_tlsext_host_name macro expands to, without its C cast).
    SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
    // An address is checked against the certificate's IP names, a host name against its DNS names.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    const bool is_ip = X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
    if (context.verify() && !is_ip && SSL_set1_host(ssl_, host.c_str()) != 1)
      tls_fail("bad host name");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const int r = server ? SSL_accept(ssl_) : SSL_connect(ssl_);
    if (r == 1) break;
    const int e = SSL_get_error(ssl_, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
      const long verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK) {
        ERR_clear_error();
        throw std::runtime_error(std::string("TLS: certificate check failed: ") +
                                 X509_verify_cert_error_string(verify));
      }
      tls_fail("handshake failed");
    }
    wait_for(socket.fileno(), e, deadline);
  }
}

TlsStream::~TlsStream() {
  if (ssl_) SSL_free(ssl_);
}

// What a failed SSL_read/SSL_write means for the poll loop.
TlsStream::Io TlsStream::outcome(int result, const char* operation) {
  const int e = SSL_get_error(ssl_, result);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return Io::would_block;
  if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL) {
    ERR_clear_error();
    return Io::closed;  // close_notify, or the peer just went away
  }
  tls_fail(operation);
}

TlsStream::Io TlsStream::read(std::span<char> buffer, std::size_t& n) {
  n = 0;
  const int r = SSL_read(ssl_, buffer.data(), static_cast<int>(buffer.size()));
  if (r <= 0) return outcome(r, "read");
  n = static_cast<std::size_t>(r);
  return Io::done;
}

TlsStream::Io TlsStream::write(std::string_view data, std::size_t& n) {
  n = 0;
  const int r = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
  if (r <= 0) return outcome(r, "write");
  n = static_cast<std::size_t>(r);
  return Io::done;
}

bool TlsStream::pending() const { return SSL_pending(ssl_) > 0; }

void TlsStream::close_notify() {
  SSL_shutdown(ssl_);  // one-way: our close_notify; the peer's answer is not awaited
  ERR_clear_error();
}

}  // namespace sockit
