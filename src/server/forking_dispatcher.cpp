// The forking model: a child process per request, at most max_children at once; every
// child is reaped (no zombies), and on stop the stragglers get SIGTERM, then SIGKILL.
#include <cerrno>
#include <csignal>
#include <set>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "dispatchers.hpp"
#include "sockit/core/error.hpp"
#include "sockit/core/log.hpp"

namespace sockit::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class ForkingDispatcher final : public Dispatcher {
 public:
  explicit ForkingDispatcher(std::size_t max_children) : max_(max_children ? max_children : 1) {}
  ~ForkingDispatcher() override { stop(0ms); }

  bool dispatch(Job job) override {
    if (!wait_for_room()) return false;
    const pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) run_child(job);
    children_.insert(pid);
    count_ = children_.size();
    return true;  // the parent's copy of the connection closes with `job`
  }

  bool wait_for_room() override {
    reap();
    while (children_.size() >= max_) {
      if (interrupted()) return false;
      std::this_thread::sleep_for(5ms);
      reap();
    }
    return true;
  }

  void reap() override {
    for (auto it = children_.begin(); it != children_.end();) {
      int status = 0;
      const pid_t r = ::waitpid(*it, &status, WNOHANG);
      it = (r == *it || (r < 0 && errno == ECHILD)) ? children_.erase(it) : std::next(it);
    }
    count_ = children_.size();
  }

  void stop(std::chrono::milliseconds grace) override {
    wait_all(Clock::now() + grace);
    if (children_.empty()) return;
    signal_all(SIGTERM);
    wait_all(Clock::now() + 1s);
    if (children_.empty()) return;
    log_error("{} child process(es) ignored SIGTERM; killing", children_.size());
    signal_all(SIGKILL);
    for (const pid_t pid : children_) ::waitpid(pid, nullptr, 0);  // SIGKILL cannot be ignored
    children_.clear();
    count_ = 0;
  }

  std::size_t active() const override { return count_.load(); }

 private:
  [[noreturn]] static void run_child(Job& job) {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    job.run(job.connection);
    ::_exit(0);  // no atexit handlers, no parent state torn down twice
  }

  void wait_all(Clock::time_point deadline) {
    reap();
    while (!children_.empty() && Clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
      reap();
    }
  }

  void signal_all(int signo) {
    for (const pid_t pid : children_) ::kill(pid, signo);
  }

  const std::size_t max_;
  std::set<pid_t> children_;
  std::atomic<std::size_t> count_{0};
};

}  // namespace

std::unique_ptr<Dispatcher> make_forking_dispatcher(std::size_t max_children) {
  return std::make_unique<ForkingDispatcher>(max_children);
}

}  // namespace sockit::server
