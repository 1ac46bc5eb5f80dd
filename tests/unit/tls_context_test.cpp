// TlsContext::server, the one builder of every TLS server's context: what each profile sets.
#include <gtest/gtest.h>

#include <openssl/ssl.h>

#include "sockit/core/error.hpp"
#include "sockit/socket/tls.hpp"
#include "sockit/socket/tls_profile.hpp"

namespace sockit {
namespace {

// The TLS 1.2 ciphers a fresh connection on `ctx` would offer, ':'-separated.
std::string tls12_ciphers(SSL_CTX* ctx) {
  SSL* ssl = SSL_new(ctx);
  std::string names;
  STACK_OF(SSL_CIPHER)* list = SSL_get1_supported_ciphers(ssl);
  for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(list, i);
    if (std::string(SSL_CIPHER_get_version(c)) == "TLSv1.3") continue;
    names += std::string(names.empty() ? "" : ":") + SSL_CIPHER_get_name(c);
  }
  sk_SSL_CIPHER_free(list);
  SSL_free(ssl);
  return names;
}

TEST(TlsContext, IntermediateIsEcdheAndAeadOnTls12) {
  const auto ctx = TlsContext::server("", "");  // a self-signed certificate, as nc makes
  SSL_CTX* native = ctx.native();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
  const auto options = SSL_CTX_get_options(native);
  EXPECT_TRUE(options & SSL_OP_NO_COMPRESSION);
  EXPECT_TRUE(options & SSL_OP_NO_RENEGOTIATION);
  EXPECT_FALSE(options & SSL_OP_CIPHER_SERVER_PREFERENCE);
  EXPECT_TRUE(SSL_CTX_get_mode(native) & SSL_MODE_RELEASE_BUFFERS);
  EXPECT_EQ(tls12_ciphers(native),
            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
            "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
            "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
}

TEST(TlsContext, ModernIsTls13Only) {
  const auto ctx = TlsContext::server("", "", TlsProfile::modern);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx.native()), TLS1_3_VERSION);
}

TEST(TlsContext, NamesTheFileItCannotLoad) {
  try {
    TlsContext::server("/nonexistent/cert.pem", "/nonexistent/key.pem");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/cert.pem"), std::string::npos) << e.what();
  }
}

TEST(TlsProfile, ParsesItsTwoNames) {
  EXPECT_EQ(parse_tls_profile("intermediate"), TlsProfile::intermediate);
  EXPECT_EQ(parse_tls_profile("modern"), TlsProfile::modern);
  EXPECT_EQ(to_string(TlsProfile::modern), "modern");
  EXPECT_THROW(parse_tls_profile("old"), parse_error);
}

}  // namespace
}  // namespace sockit
