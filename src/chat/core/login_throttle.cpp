#include "chat/core/login_throttle.hpp"

#include <algorithm>

namespace sockit::chat {

std::optional<std::chrono::seconds> LoginThrottle::wait_on(std::map<std::string, Failures>& by,
                                                           const std::string& name,
                                                           Clock::time_point now) {
  const auto it = by.find(name);
  if (it == by.end()) return std::nullopt;
  auto& failures = it->second;
  while (!failures.empty() && now - failures.front() >= kWindow) failures.pop_front();
  if (failures.empty()) {
    by.erase(it);
    return std::nullopt;
  }
  if (failures.size() < kMaxFailures) return std::nullopt;
  const auto left = failures.front() + kWindow - now;
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(left));
}

std::optional<std::chrono::seconds> LoginThrottle::wait(const std::string& source,
                                                        const std::string& account,
                                                        Clock::time_point now) {
  const auto a = wait_on(by_source_, source, now);
  const auto b = wait_on(by_account_, account, now);
  if (a && b) return std::max(*a, *b);
  return a ? a : b;
}

void LoginThrottle::count(std::map<std::string, Failures>& by, const std::string& name,
                          Clock::time_point now) {
  if (by.size() >= kMaxTracked && !by.count(name)) by.erase(by.begin());  // bounded memory
  auto& failures = by[name];
  failures.push_back(now);
  if (failures.size() > kMaxFailures) failures.pop_front();
}

void LoginThrottle::failed(const std::string& source, const std::string& account, Clock::time_point now) {
  count(by_source_, source, now);
  count(by_account_, account, now);
}

}  // namespace sockit::chat
