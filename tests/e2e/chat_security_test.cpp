// The chat room's locks, end to end through Python scripts: TLS on both ports with a
// throwaway CA (tests/e2e/chat_tls.py: Python's ssl module, openssl s_client, `sockit chat
// connect --tls`, HTTPS and wss://, a plain client refused, SIGHUP, the metrics token) and
// accounts (tests/e2e/chat_accounts.py: passwords, tokens, throttling, `sockit chat user`)
// and private rooms (tests/e2e/chat_private_rooms.py).
#include <gtest/gtest.h>

#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace sockit::test {
namespace {

void script(const std::string& name, const std::string& done) {
  TempDir dir("sockit-" + name);
  const auto r = run({"python3", std::string(SOCKIT_TEST_DIR) + "/e2e/chat_" + name + ".py",
                      SOCKIT_BINARY, dir.path().string()},
                     {}, std::chrono::seconds(150));
  EXPECT_FALSE(r.timed_out) << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(done), std::string::npos) << r.out << r.err;
  ::testing::Test::RecordProperty(name, r.out);
}

TEST(ChatTls, BothPortsSpeakTlsAndSighupRenewsTheCertificate) { script("tls", "tls: ok"); }

TEST(ChatAccounts, PasswordsTokensThrottlingAndTheAdminCommandWhileRunning) {
  script("accounts", "accounts: ok");
}

TEST(ChatAccounts, APrivateRoomLeaksNothingToANonMember) {
  script("private_rooms", "private rooms: ok");
}

}  // namespace
}  // namespace sockit::test
