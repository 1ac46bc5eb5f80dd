#include "chat/core/hashing_pool.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sockit/core/log.hpp"

namespace sockit::chat {
namespace {

// Below the event loops (nice 0): a flood of password checks gets about a quarter of a core
// the loops want (CFS weights 335 against 1024), and all of what they leave idle. Not lower: at
// nice 10 a machine busy with anything else (a build) starved the checks past the login timeout.
constexpr int kNice = 5;

void lower_priority() {
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kNice) != 0) {
    log_warn("password check threads keep their priority: setpriority: {}", std::strerror(errno));
  }
}

}  // namespace

HashingPool::HashingPool(const Limits& limits) : limits_(limits) {
  const std::size_t n = limits_.threads == 0 ? 1 : limits_.threads;
  threads_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
}

HashingPool::~HashingPool() {
  stop();
}

HashingPool::Submitted HashingPool::submit(const std::string& source,
                                           std::weak_ptr<const void> client,
                                           std::function<void()> job) {
  MutexLock lock(mu_);
  if (stopping_) return Submitted::stopped;
  if (queued_ >= limits_.max_queued) return Submitted::full;
  auto& jobs = waiting_[source];
  if (jobs.size() >= limits_.max_per_source) return Submitted::source_full;
  jobs.push_back({std::move(client), std::move(job)});
  ++queued_;
  if (jobs.size() == 1 && !running_.count(source)) {
    turns_.push_back(source);
    ready_cv_.notify_one();
  }
  return Submitted::queued;
}

void HashingPool::stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    waiting_.clear();
    turns_.clear();
    queued_ = 0;
  }
  ready_cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::size_t HashingPool::queued() const {
  MutexLock lock(mu_);
  return queued_;
}

void HashingPool::work() {
  lower_priority();
  for (;;) {
    Job job;
    std::string source;
    {
      MutexLock lock(mu_);
      while (!stopping_ && turns_.empty()) ready_cv_.wait(mu_);
      if (stopping_) return;
      take(job, source);
    }
    if (job.client.lock()) {  // (the connection is there: the check is still wanted)
      try {
        job.fn();
      } catch (const std::exception& e) {
        log_error("password check: {}", e.what());
      }
    }
    done(source);
  }
}

// The next source in turn gives its oldest job; it gets no other turn until that one is done.
void HashingPool::take(Job& job, std::string& source) {
  source = std::move(turns_.front());
  turns_.pop_front();
  const auto it = waiting_.find(source);
  job = std::move(it->second.front());
  it->second.pop_front();
  if (it->second.empty()) waiting_.erase(it);
  --queued_;
  running_.insert(source);
}

void HashingPool::done(const std::string& source) {
  MutexLock lock(mu_);
  running_.erase(source);
  if (stopping_ || !waiting_.count(source)) return;
  turns_.push_back(source);
  ready_cv_.notify_one();
}

}  // namespace sockit::chat
