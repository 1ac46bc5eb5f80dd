// The chat room's locks, end to end through Python scripts: TLS on both ports with a
// throwaway CA (tests/e2e/chat_tls.py: Python's ssl module, openssl s_client, `sockit chat
// connect --tls`, HTTPS and wss://, a plain client refused, SIGHUP, the metrics token) and
// accounts (tests/e2e/chat_accounts.py: passwords, tokens, throttling, `sockit chat user`)
// and private rooms (tests/e2e/chat_private_rooms.py).
#include <gtest/gtest.h>

#include <string>

#include "support/e2e_script.hpp"
#include "support/process.hpp"

namespace sockit::test {
namespace {

void script(const std::string& name, const std::string& done) {
  expect_script("chat_" + name + ".py", {"WORK"}, done, std::chrono::seconds(150), name);
}

TEST(ChatTls, BothPortsSpeakTlsAndSighupRenewsTheCertificate) { script("tls", "tls: ok"); }

TEST(ChatAccounts, PasswordsTokensThrottlingAndTheAdminCommandWhileRunning) {
  script("accounts", "accounts: ok");
}

TEST(ChatAccounts, APrivateRoomLeaksNothingToANonMember) {
  script("private_rooms", "private rooms: ok");
}

// A guard, with bounds far looser than bench/login_flood.py's targets (this is the ASan build,
// and the machine is shared): password checks must not hold up guests, tokens, history or acks.
TEST(ChatAccounts, AFloodOfPasswordLoginsDelaysNobodyElse) {
  const auto r = run({"python3", std::string(SOCKIT_TEST_DIR) + "/../bench/login_flood.py", "--json",
                      SOCKIT_BINARY, "120", "13"},
                     {}, std::chrono::seconds(150));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto p99 = [&](const std::string& kind) {
    const auto at = r.out.find("\"" + kind + "\": {");
    const auto p = r.out.find("\"p99_ms\": ", at);
    return at == std::string::npos || p == std::string::npos ? 1e9 : std::stod(r.out.substr(p + 10));
  };
  EXPECT_LT(p99("guest"), 2000) << r.out;
  EXPECT_LT(p99("token"), 2000) << r.out;
  EXPECT_LT(p99("history"), 2000) << r.out;
  EXPECT_LT(p99("ack"), 1000) << r.out;
  EXPECT_EQ(r.out.find("EOFError"), std::string::npos) << "a flood login timed out unanswered: " << r.out;
  RecordProperty("login_flood", r.out);
}

}  // namespace
}  // namespace sockit::test
