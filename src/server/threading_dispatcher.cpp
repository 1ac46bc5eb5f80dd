// The threading model: a thread per request, at most max_threads at once, all joined on stop.
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <sys/socket.h>

#include "dispatchers.hpp"
#include "sockit/core/log.hpp"

namespace sockit::server {
namespace {

using namespace std::chrono_literals;

class ThreadingDispatcher final : public Dispatcher {
 public:
  explicit ThreadingDispatcher(std::size_t max_threads) : max_(max_threads ? max_threads : 1) {}
  ~ThreadingDispatcher() override { stop(0ms); }

  bool dispatch(Job job) override {
    std::unique_lock lock(mu_);
    if (!wait_locked(lock)) return false;
    join_finished(lock);
    const auto id = next_id_++;
    fds_[id] = job.connection.fileno();
    threads_.emplace(id, std::thread(&ThreadingDispatcher::run, this, id, std::move(job)));
    return true;
  }

  bool wait_for_room() override {
    std::unique_lock lock(mu_);
    return wait_locked(lock);
  }

  void reap() override {
    std::unique_lock lock(mu_);
    join_finished(lock);
  }

  void stop(std::chrono::milliseconds grace) override {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, grace, [this] { return fds_.empty(); })) {
      // Wake handlers blocked on their connection: they see end of stream and finish.
      for (const auto& [id, fd] : fds_) ::shutdown(fd, SHUT_RDWR);
      if (!cv_.wait_for(lock, 5s, [this] { return fds_.empty(); })) {
        log_error("{} request thread(s) ignored the stop; leaving them detached", fds_.size());
        for (auto& [id, t] : threads_) {
          if (fds_.count(id)) t.detach();
        }
      }
    }
    join_finished(lock);
    for (auto& [id, t] : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }

  std::size_t active() const override {
    std::lock_guard lock(mu_);
    return fds_.size();
  }

 private:
  void run(std::uint64_t id, Job job) {
    job.run(job.connection);
    std::lock_guard lock(mu_);
    // Closed under the lock, so stop() never shuts down a descriptor number reused since.
    job.connection = Socket();
    fds_.erase(id);
    finished_.push_back(id);
    cv_.notify_all();
  }

  // Until fewer than max_ requests run (a slot is freed after its connection is closed).
  bool wait_locked(std::unique_lock<std::mutex>& lock) {
    while (fds_.size() >= max_) {
      if (interrupted()) return false;
      make_room();  // an idle connection's thread, shut down, finishes and frees its slot
      cv_.wait_for(lock, 50ms);
    }
    return true;
  }

  void join_finished(std::unique_lock<std::mutex>& lock) {
    std::vector<std::thread> done;
    for (const auto id : finished_) {
      auto it = threads_.find(id);
      if (it == threads_.end()) continue;
      done.push_back(std::move(it->second));
      threads_.erase(it);
    }
    finished_.clear();
    lock.unlock();
    for (auto& t : done) t.join();  // each has finished its work; join is immediate
    lock.lock();
  }

  const std::size_t max_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, int> fds_;  // requests in flight and their connection descriptors
  std::map<std::uint64_t, std::thread> threads_;
  std::vector<std::uint64_t> finished_;
};

}  // namespace

std::unique_ptr<Dispatcher> make_threading_dispatcher(std::size_t max_threads) {
  return std::make_unique<ThreadingDispatcher>(max_threads);
}

}  // namespace sockit::server
