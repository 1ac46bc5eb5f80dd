// TLS over OpenSSL on a Socket: nc's --ssl and the chat terminal client's --tls.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "sockit/socket/socket.hpp"
#include "sockit/socket/tls_profile.hpp"

struct ssl_ctx_st;
struct ssl_st;

namespace sockit {

/// TLS settings and keys. Immutable after construction; thread safe to share.
class TlsContext {
 public:
  /// A client: with `verify`, the peer's certificate must chain to `trustfile` (or, when
  /// empty, the system's CA store) and match the host name.
  static TlsContext client(bool verify, const std::string& trustfile);
  /// A server: `profile`'s versions and ciphers, no compression, no renegotiation, the
  /// client's cipher preference, buffers released while a connection is idle; `cert` (PEM,
  /// the chain) and `key` (PEM; empty: in `cert`) loaded and checked against each other.
  /// With both empty, a fresh self-signed certificate, as ncat does. Every TLS server in
  /// sockit (chat, http, nc) is built here. Throws std::runtime_error naming the file and
  /// OpenSSL's reason.
  static TlsContext server(const std::string& cert, const std::string& key,
                           TlsProfile profile = TlsProfile::intermediate);
  ~TlsContext();
  TlsContext(TlsContext&&) noexcept;
  TlsContext& operator=(TlsContext&&) noexcept;

  ssl_ctx_st* native() const noexcept { return ctx_; }
  /// Gives the context up to its new owner (such as boost::asio::ssl::context, which frees
  /// it); this object is left empty.
  ssl_ctx_st* release() noexcept { return std::exchange(ctx_, nullptr); }
  bool verify() const noexcept { return verify_; }

 private:
  explicit TlsContext(ssl_ctx_st* ctx, bool verify) : ctx_(ctx), verify_(verify) {}
  ssl_ctx_st* ctx_ = nullptr;
  bool verify_ = false;
};

/// One TLS connection over a socket it borrows (which must outlive it). Not thread safe.
class TlsStream {
 public:
  /// Runs the handshake (blocking, bounded by `timeout`); `host` is for SNI and, when the
  /// context verifies, the name check. Throws std::runtime_error with OpenSSL's reason.
  TlsStream(const TlsContext& context, Socket& socket, bool server, const std::string& host,
            std::chrono::milliseconds timeout);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  enum class Io { done, would_block, closed };
  /// Non-blocking: decrypted bytes into `buffer` (`n` set), or would_block, or closed.
  Io read(std::span<char> buffer, std::size_t& n);
  /// Non-blocking: how much of `data` was taken (`n`), or would_block.
  Io write(std::string_view data, std::size_t& n);
  /// Bytes decrypted and waiting (no socket read needed to get them).
  bool pending() const;
  /// Sends close_notify (our half of a TLS close).
  void close_notify();

 private:
  Io outcome(int result, const char* operation);
  ssl_st* ssl_ = nullptr;
};

}  // namespace sockit
