// Which TLS versions and ciphers a server accepts, named after Mozilla's server-side TLS
// recommendations (https://wiki.mozilla.org/Security/Server_Side_TLS, version 5.7).
#pragma once

#include <string_view>

namespace sockit {

/// A server's TLS configuration. Value type.
enum class TlsProfile {
  /// TLS 1.2 with ECDHE and AEAD ciphers only (AES-GCM, ChaCha20-Poly1305), and TLS 1.3:
  /// every client of the last ten years or so. The default.
  intermediate,
  /// TLS 1.3 only.
  modern,
};

/// "intermediate" | "modern"; throws parse_error otherwise. Pure.
TlsProfile parse_tls_profile(std::string_view text);
std::string_view to_string(TlsProfile profile) noexcept;

}  // namespace sockit
