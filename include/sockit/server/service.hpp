// Service: a server a program embeds. It is bound when constructed, serves on threads of its
// own between start() and stop(), and installs no signal handler: a program that wants
// SIGINT/SIGTERM to stop it says so with StopOnSignals (stoppable.hpp).
#pragma once

#include <exception>
#include <mutex>
#include <thread>

#include "sockit/server/stoppable.hpp"

namespace sockit::server {

/// The life of an embedded server. start(), wait() and stop() are thread safe (not from the
/// service's own threads); request_stop() is also async-signal-safe.
class Service : public Stoppable {
 public:
  Service() = default;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Serves on a thread of its own (which may start more); returns at once. Once only
  /// (std::logic_error after that).
  void start();
  /// Waits until serving has ended (after request_stop(), or a failure); the first caller
  /// after the end gets the exception serving ended with, if any. Returns at once if never
  /// started.
  void wait();
  /// request_stop() and wait(): clients get the server's goodbye and its grace period.
  /// Idempotent.
  void stop();

 protected:
  /// Derived classes call stop_before_destruction() in their destructor, before their
  /// members go.
  ~Service() override;
  /// stop(), with a failure logged instead of thrown.
  void stop_before_destruction() noexcept;
  /// Serves until request_stop(). Runs on the service's thread.
  virtual void run() = 0;

 private:
  std::mutex mu_;  // guards started_, failure_, and thread_ until it starts
  bool started_ = false;
  std::thread thread_;
  std::once_flag joined_;
  std::exception_ptr failure_;
};

}  // namespace sockit::server
