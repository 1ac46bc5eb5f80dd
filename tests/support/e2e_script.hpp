// A Python script of tests/e2e/ run against the real binary, to its end: it must exit 0 within
// `timeout` and print `expected`; its output is recorded as the test's property `property`.
// Header-only; for the binaries built with SOCKIT_BINARY and SOCKIT_TEST_DIR.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace sockit::test {

/// Runs `python3 tests/e2e/SCRIPT SOCKIT_BINARY ARGS...`, where an argument "WORK" stands for a
/// fresh temporary directory.
inline void expect_script(const std::string& script, const std::vector<std::string>& args,
                          const std::string& expected, std::chrono::seconds timeout, const std::string& property) {
  TempDir dir("sockit-" + property);
  std::vector<std::string> argv{"python3", std::string(SOCKIT_TEST_DIR) + "/e2e/" + script, SOCKIT_BINARY};
  for (const auto& a : args) argv.push_back(a == "WORK" ? dir.path().string() : a);
  const auto r = run(argv, {}, timeout);
  EXPECT_FALSE(r.timed_out) << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(expected), std::string::npos) << r.out << r.err;
  ::testing::Test::RecordProperty(property, r.out);
}

}  // namespace sockit::test
