// TLS on both chat ports (--tls-cert/--tls-key), end to end with a throwaway CA that
// tests/e2e/chat_tls.py makes with the openssl command: Python's ssl module, openssl
// s_client, `sockit chat connect --tls`, HTTPS and wss://, a plain client refused, SIGHUP.
#include <gtest/gtest.h>

#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace sockit::test {
namespace {

TEST(ChatTls, BothPortsSpeakTlsAndSighupRenewsTheCertificate) {
  TempDir dir("sockit-tls");
  const auto r = run({"python3", std::string(SOCKIT_TEST_DIR) + "/e2e/chat_tls.py", SOCKIT_BINARY,
                      dir.path().string()},
                     {}, std::chrono::seconds(150));
  EXPECT_FALSE(r.timed_out) << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("tls: ok"), std::string::npos) << r.out << r.err;
  RecordProperty("tls", r.out);
}

}  // namespace
}  // namespace sockit::test
