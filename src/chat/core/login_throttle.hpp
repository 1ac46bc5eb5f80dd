// Internal: slows down password guessing. Failed logins are counted per source address and
// per account over a sliding window; past the limit, logins from that address (or to that
// account) are refused until the oldest counted failure leaves the window. Pure logic.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace sockit::chat {

/// Not thread safe (the hub calls it under its own lock).
class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kMaxFailures = 5;             ///< within one window
  static constexpr std::chrono::seconds kWindow{60};
  static constexpr std::size_t kMaxTracked = 100000;         ///< sources and accounts remembered

  /// How long until `source` may try `account` again; nullopt when it may now.
  std::optional<std::chrono::seconds> wait(const std::string& source, const std::string& account,
                                           Clock::time_point now);
  /// Counts a failed login.
  void failed(const std::string& source, const std::string& account, Clock::time_point now);

 private:
  using Failures = std::deque<Clock::time_point>;
  std::optional<std::chrono::seconds> wait_on(std::map<std::string, Failures>& by,
                                              const std::string& name, Clock::time_point now);
  void count(std::map<std::string, Failures>& by, const std::string& name, Clock::time_point now);

  std::map<std::string, Failures> by_source_;
  std::map<std::string, Failures> by_account_;
};

}  // namespace sockit::chat
