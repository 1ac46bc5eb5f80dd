// Internal: the threads that check passwords. scrypt is slow on purpose (tens of ms of one core
// each), so these checks run apart from every other kind of blocking work (history reads, token
// and guest look-ups, private-room writes: the hub's store pool), on a bounded queue that is
// fair between source addresses, at a lower CPU priority than the event loops.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sockit/core/mutex.hpp"

namespace sockit::chat {

/// Thread safe. Jobs of one source run one at a time, sources in turn (round robin), so one
/// address flooding logins holds at most one thread and waits behind everybody else's turn.
class HashingPool {
 public:
  struct Limits {
    std::size_t threads = 1;         ///< at most the core count
    std::size_t max_queued = 256;    ///< jobs waiting in all, past which submit refuses
    std::size_t max_per_source = 8;  ///< jobs waiting per source address
  };
  enum class Submitted { queued, source_full, full, stopped };

  explicit HashingPool(const Limits& limits);
  ~HashingPool();
  HashingPool(const HashingPool&) = delete;
  HashingPool& operator=(const HashingPool&) = delete;

  /// Queues `job` for `source`. It runs on a pool thread unless `client` has expired by then
  /// (the connection that asked has gone): then it is dropped unrun.
  Submitted submit(const std::string& source, std::weak_ptr<const void> client,
                   std::function<void()> job) SOCKIT_EXCLUDES(mu_);
  /// Drops what waits and waits for the jobs running. Idempotent.
  void stop() SOCKIT_EXCLUDES(mu_);
  /// Jobs waiting (not running). For tests and metrics.
  std::size_t queued() const SOCKIT_EXCLUDES(mu_);

 private:
  struct Job {
    std::weak_ptr<const void> client;
    std::function<void()> fn;
  };
  void work() SOCKIT_EXCLUDES(mu_);
  void take(Job& job, std::string& source) SOCKIT_REQUIRES(mu_);
  void done(const std::string& source) SOCKIT_EXCLUDES(mu_);

  const Limits limits_;
  mutable Mutex mu_;
  std::condition_variable_any ready_cv_;
  std::map<std::string, std::deque<Job>, std::less<>> waiting_ SOCKIT_GUARDED_BY(mu_);
  std::deque<std::string> turns_ SOCKIT_GUARDED_BY(mu_);  // sources with a job and none running
  std::size_t queued_ SOCKIT_GUARDED_BY(mu_) = 0;
  std::set<std::string, std::less<>> running_ SOCKIT_GUARDED_BY(mu_);  // sources with a job running
  bool stopping_ SOCKIT_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // set in the constructor, joined by stop()
};

}  // namespace sockit::chat
