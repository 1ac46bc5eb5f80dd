// TlsContext::server: the one place a TLS server's context is built (chat, http, nc).
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sockit/socket/tls.hpp"
#include "tls_internal.hpp"

namespace sockit {
namespace {

using detail::tls_fail;

// Mozilla's intermediate ciphers for TLS 1.2 (v5.7) without the DHE ones: ECDHE key exchange
// and AEAD only, so no CBC (Lucky13, padding oracles) and no RSA key exchange (no forward
// secrecy). Clients old enough to need DHE cannot do TLS 1.2 with AEAD anyway.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// TLS 1.3: all three suites (both profiles).
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:prime256v1:secp384r1";

// Versions, ciphers and options of `profile` on a fresh server context.
void apply_profile(SSL_CTX* ctx, TlsProfile profile) {
  const int lowest = profile == TlsProfile::modern ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx, lowest) != 1) tls_fail("cannot set the TLS versions");
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) tls_fail("cannot set the ciphers");
  if (SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1) tls_fail("cannot set the TLS 1.3 suites");
  // SSL_CTX_set1_groups_list without its C cast.
  if (SSL_CTX_ctrl(ctx, SSL_CTRL_SET_GROUPS_LIST, 0, const_cast<char*>(kGroups)) != 1) {
    tls_fail("cannot set the key exchange groups");
  }
  // Compression leaks secrets (CRIME); a client-started renegotiation costs the server a
  // handshake for nothing. Mozilla leaves the cipher choice to the client for these
  // profiles: all are strong, and the client knows whether it has AES hardware.
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  // An idle connection gives its record buffers back (about 34 KiB each).
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
}

// A throwaway self-signed certificate for a server given no keys (ncat does the same).
void use_self_signed(SSL_CTX* ctx) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  if (!key || !cert) {
    X509_free(cert);
    EVP_PKEY_free(key);
    tls_fail("cannot make a temporary key");
  }
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 60L * 60 * 24 * 365);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sockit nc"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  const bool ok = X509_sign(cert, key, EVP_sha256()) > 0 &&
                  SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok) tls_fail("cannot use the temporary certificate");
}

// The certificate chain and its key from PEM files, checked to belong together.
void use_files(SSL_CTX* ctx, const std::string& cert, const std::string& key) {
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1) {
    tls_fail("cannot load the certificate " + cert);
  }
  const std::string& key_file = key.empty() ? cert : key;
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    tls_fail("cannot load the key " + key_file);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    tls_fail("the key " + key_file + " does not match the certificate " + cert);
  }
}

}  // namespace

TlsContext TlsContext::server(const std::string& cert, const std::string& key, TlsProfile profile) {
  TlsContext out(detail::new_tls_context(TLS_server_method()), false);  // freed if we throw
  apply_profile(out.ctx_, profile);
  if (cert.empty() && key.empty()) {
    use_self_signed(out.ctx_);
  } else {
    use_files(out.ctx_, cert, key);
  }
  return out;
}

}  // namespace sockit
