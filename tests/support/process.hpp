// Test support: start the real `sockit` binary (or any program) as a user would, feed its
// stdin, capture its output, and never wait without a deadline.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include <sys/types.h>

namespace sockit::test {

using namespace std::chrono_literals;

struct RunResult {
  int exit_code = -1;  ///< exit status, or 128 + signal when killed
  bool timed_out = false;
  std::string out;
  std::string err;
};

/// Runs argv[0] with argv, writes `input` to its stdin then closes it, and waits at most
/// `timeout` (then SIGKILL, timed_out = true).
RunResult run(const std::vector<std::string>& argv, const std::string& input = {},
              std::chrono::milliseconds timeout = 20s);

/// Runs the sockit binary under test with the given arguments.
RunResult run_sockit(const std::vector<std::string>& args, const std::string& input = {},
                     std::chrono::milliseconds timeout = 20s);

/// Whether a program is on the PATH (a peer such as ncat or nginx that `make test` installs).
bool has_tool(const std::string& name);

/// Path of the sockit binary under test.
std::string sockit_binary();

/// A long-running child (a server, an interactive client) with pipes to its stdin, stdout
/// and stderr. A pump thread keeps reading both outputs, so a chatty child never blocks on a
/// full pipe. The destructor kills it if still running. Not thread safe.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /// Writes to the child's stdin. Returns false if the pipe is closed.
  bool write(const std::string& data);
  /// Closes the child's stdin (EOF for it).
  void close_stdin();
  /// Reads stdout until a full line ('\n' stripped) arrives; nullopt at EOF or timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = 10s);
  /// Reads stdout until `needle` appears; returns everything read up to and including it.
  std::optional<std::string> read_until(const std::string& needle,
                                        std::chrono::milliseconds timeout = 10s);
  /// Reads stderr until a line containing `needle` arrives; returns that line.
  std::optional<std::string> read_err_line_containing(const std::string& needle,
                                                      std::chrono::milliseconds timeout = 10s);
  /// Sends a signal to the child.
  void signal(int signo);
  /// Waits for exit at most `timeout`; returns the exit code (128 + signal) or nullopt.
  std::optional<int> wait(std::chrono::milliseconds timeout = 10s);
  /// Everything read from stdout / stderr so far that no read_* call has consumed.
  std::string drain_out(std::chrono::milliseconds quiet = 200ms);
  std::string drain_err(std::chrono::milliseconds quiet = 200ms);
  pid_t pid() const { return pid_; }

 private:
  void pump();
  // Waits until `ready(buffer)` holds or the deadline passes or the stream ended.
  template <class Ready>
  bool wait_for(std::string& buffer, const bool& ended, std::chrono::milliseconds timeout,
                Ready ready);

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string out_buf_, err_buf_;
  bool out_ended_ = false, err_ended_ = false;
  std::thread pump_;
  std::atomic<bool> stop_pump_{false};  // set once the child is gone: drain, then stop
  std::optional<int> status_;
};

/// Starts `sockit ARGS...` as a Child.
std::vector<std::string> sockit_argv(const std::vector<std::string>& args);

}  // namespace sockit::test
