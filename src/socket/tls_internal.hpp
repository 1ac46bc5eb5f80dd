// Internal: what tls.cpp and tls_server_context.cpp share.
#pragma once

#include <string>

#include <openssl/ssl.h>

namespace sockit::detail {

/// Throws std::runtime_error "TLS: WHAT: OpenSSL's reason" and clears OpenSSL's error queue
/// (a thread's own). Thread safe.
[[noreturn]] void tls_fail(const std::string& what);

/// A context with what clients and servers share: TLS 1.2 or newer, partial writes, and a
/// peer that closes without close_notify taken as having ended. Owned by the caller; throws
/// like tls_fail. Thread safe.
SSL_CTX* new_tls_context(const SSL_METHOD* method);

}  // namespace sockit::detail
