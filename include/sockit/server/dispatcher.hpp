// Dispatcher: where a server runs each request — inline, on a thread, or in a child process.
// The three blocking models are siblings behind this one interface.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "sockit/server/config.hpp"
#include "sockit/socket/socket.hpp"

namespace sockit::server {

/// One request to run. `connection` is the accepted socket (empty for datagrams).
struct Job {
  Socket connection;
  std::function<void(Socket&)> run;  ///< runs the handler; must not throw
};

/// Used by the serving thread only, except where a member says otherwise.
class Dispatcher {
 public:
  virtual ~Dispatcher();
  /// Runs `job` by this model. May block while the model is at its limit; returns false
  /// (dropping the job) if stop was requested meanwhile.
  virtual bool dispatch(Job job) = 0;
  /// Blocks until a request could start at once (making room meanwhile, see on_full); false
  /// if stop was requested first. The server calls it before accepting a connection, so no
  /// connection is ever accepted over the limit to wait for a slot.
  virtual bool wait_for_room() { return true; }
  /// Reaps finished threads or children. Called on every turn of the serving loop.
  virtual void reap() {}
  /// Lets in-flight requests finish within `grace`, then cuts them off (shutting their
  /// sockets, or SIGTERM then SIGKILL to children) and waits for all of them.
  virtual void stop(std::chrono::milliseconds grace) = 0;
  /// Requests now in flight. Thread safe.
  virtual std::size_t active() const = 0;
  /// Makes dispatch() stop waiting for a free slot. Thread safe; async-signal-safe.
  void interrupt() noexcept { interrupted_.store(true); }
  /// What dispatch() calls while the model is at its limit, before each wait for a free
  /// slot: the server closes its longest-idle connection there. Set before serving. The
  /// threading model calls it; the sequential one is never full, and a forking server's
  /// connections live in other processes.
  void on_full(std::function<void()> make_room) { make_room_ = std::move(make_room); }

 protected:
  bool interrupted() const noexcept { return interrupted_.load(); }
  void make_room() const {
    if (make_room_) make_room_();
  }

 private:
  std::atomic<bool> interrupted_{false};  // lock-free, so safe in a signal handler
  std::function<void()> make_room_;
};

/// The dispatcher for config.model (sequential, threading or forking); throws
/// std::invalid_argument for Model::async, which AsyncServer runs instead.
std::unique_ptr<Dispatcher> make_dispatcher(const ServerConfig& config);

}  // namespace sockit::server
