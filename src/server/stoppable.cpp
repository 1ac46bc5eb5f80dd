#include "sockit/server/stoppable.hpp"

#include <atomic>

#include "sockit/core/error.hpp"

namespace sockit::server {
namespace {

std::atomic<Stoppable*> target{nullptr};
std::atomic<int> last_signal{0};

extern "C" void on_stop_signal(int signo) {
  last_signal.store(signo);
  if (Stoppable* t = target.load()) t->request_stop();
}

}  // namespace

Stoppable::~Stoppable() = default;

StopOnSignals::StopOnSignals(Stoppable& stoppable) {
  last_signal = 0;
  target = &stoppable;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (::sigaction(SIGINT, &action, &old_int_) != 0) throw_errno("sigaction(SIGINT)");
  if (::sigaction(SIGTERM, &action, &old_term_) != 0) throw_errno("sigaction(SIGTERM)");
}

StopOnSignals::~StopOnSignals() {
  ::sigaction(SIGINT, &old_int_, nullptr);
  ::sigaction(SIGTERM, &old_term_, nullptr);
  target = nullptr;
}

int StopOnSignals::received() noexcept { return last_signal.load(); }

}  // namespace sockit::server
