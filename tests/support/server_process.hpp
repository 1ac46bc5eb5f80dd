// Test support: a sockit server started as a child process on port 0, with the address it
// printed ("... listening on ADDR ...") parsed for the test to connect to.
#pragma once

#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace sockit::test {

class ServerProcess {
 public:
  /// Starts `sockit ARGS...` and waits (at most 20 s) for its "listening on" line.
  explicit ServerProcess(const std::vector<std::string>& args);
  /// The printed address, e.g. "127.0.0.1:40123", "[::1]:40123" or "unix:/tmp/x".
  const std::string& address() const { return address_; }
  /// The port of an IP address.
  int port() const;
  /// Sends SIGTERM and returns the exit code (nullopt if it did not exit within 10 s).
  std::optional<int> stop(int signo = SIGTERM);
  Child& child() { return *child_; }

 private:
  std::unique_ptr<Child> child_;
  std::string address_;
};

/// Waits (at most 20 s) for a listener (sockit nc -v, ncat -v) to say on stderr that it is
/// listening. Probing the port instead would use up a one-connection listener.
bool wait_listening(Child& listener);

/// Runs a Python 3 script (standard library only) with ARGS; 30 s hard timeout.
RunResult run_python(const std::string& script, const std::vector<std::string>& args = {},
                     const std::string& input = {},
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace sockit::test
