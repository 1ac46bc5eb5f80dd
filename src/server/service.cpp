#include "sockit/server/service.hpp"

#include <stdexcept>
#include <utility>

#include "sockit/core/log.hpp"

namespace sockit::server {

Service::~Service() = default;

void Service::start() {
  std::lock_guard lock(mu_);
  if (started_) throw std::logic_error("Service::start called twice");
  started_ = true;
  thread_ = std::thread([this] {
    try {
      run();
    } catch (...) {
      std::lock_guard failure_lock(mu_);
      failure_ = std::current_exception();
    }
  });
}

void Service::wait() {
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
  }
  std::call_once(joined_, [this] { thread_.join(); });  // other callers wait for the first
  std::lock_guard lock(mu_);
  if (auto failure = std::exchange(failure_, nullptr)) std::rethrow_exception(failure);
}

void Service::stop() {
  request_stop();
  wait();
}

void Service::stop_before_destruction() noexcept {
  try {
    stop();
  } catch (const std::exception& e) {
    log_error("a server stopped with an error: {}", e.what());
  } catch (...) {
    log_error("a server stopped with an unknown error");
  }
}

}  // namespace sockit::server
