#include "sockit/server/service.hpp"

#include <stdexcept>
#include <utility>

namespace sockit::server {

Service::~Service() = default;

void Service::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) throw std::logic_error("Service::start called twice");
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
  std::thread serving;
  {
    std::lock_guard lock(mu_);
    serving = std::move(thread_);
  }
  if (serving.joinable()) serving.join();
  std::lock_guard lock(mu_);
  if (auto failure = std::exchange(failure_, nullptr)) std::rethrow_exception(failure);
}

void Service::stop() {
  request_stop();
  wait();
}

}  // namespace sockit::server
