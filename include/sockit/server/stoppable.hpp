// Stoppable servers, and routing SIGINT/SIGTERM to one of them for a clean stop.
#pragma once

#include <csignal>

namespace sockit::server {

/// A server that can be asked to stop from anywhere, including a signal handler.
class Stoppable {
 public:
  virtual ~Stoppable();
  /// Makes the serving loop return after a clean stop. Thread safe; async-signal-safe.
  virtual void request_stop() noexcept = 0;
};

/// While alive, SIGINT and SIGTERM call target.request_stop(); the previous handlers come back
/// on destruction. One at a time per process. Construct and destroy on one thread.
class StopOnSignals {
 public:
  explicit StopOnSignals(Stoppable& target);
  ~StopOnSignals();
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

  /// The signal that asked for the stop, or 0. Thread safe.
  static int received() noexcept;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace sockit::server
