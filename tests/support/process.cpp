#include "support/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sockit::test {
namespace {

using Clock = std::chrono::steady_clock;

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

void make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
}

pid_t spawn(const std::vector<std::string>& argv, int& in, int& out, int& err) {
  // A child that exits before reading its input must fail the test, not kill the runner
  // with SIGPIPE: writes to its stdin then fail with EPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  int pin[2], pout[2], perr[2];
  make_pipe(pin);
  make_pipe(pout);
  make_pipe(perr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(pin[0], 0);
    ::dup2(pout[1], 1);
    ::dup2(perr[1], 2);
    ::signal(SIGPIPE, SIG_DFL);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(pin[0]);
  ::close(pout[1]);
  ::close(perr[1]);
  in = pin[1];
  out = pout[0];
  err = perr[0];
  ::fcntl(in, F_SETFL, O_NONBLOCK);
  return pid;
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

std::string sockit_binary() { return SOCKIT_BINARY; }

bool has_tool(const std::string& name) {
  return run({"sh", "-c", "command -v '" + name + "' >/dev/null"}).exit_code == 0;
}

std::vector<std::string> sockit_argv(const std::vector<std::string>& args) {
  std::vector<std::string> argv{sockit_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

RunResult run(const std::vector<std::string>& argv, const std::string& input,
              std::chrono::milliseconds timeout) {
  Child child(argv);
  if (!input.empty()) child.write(input);
  child.close_stdin();
  RunResult result;
  const auto deadline = Clock::now() + timeout;
  // Read both streams until the child exits and the pipes reach EOF.
  auto code = child.wait(timeout);
  if (!code) {
    child.signal(SIGKILL);
    result.timed_out = true;
    code = child.wait(5s);
  }
  result.exit_code = code.value_or(-1);
  result.out = child.drain_out(std::chrono::milliseconds(std::max(50, remaining_ms(deadline))));
  result.err = child.drain_err(50ms);
  return result;
}

RunResult run_sockit(const std::vector<std::string>& args, const std::string& input,
                     std::chrono::milliseconds timeout) {
  return run(sockit_argv(args), input, timeout);
}

Child::Child(const std::vector<std::string>& argv) {
  pid_ = spawn(argv, in_, out_, err_);
  pump_ = std::thread([this] { pump(); });
}

Child::~Child() {
  if (!status_) {
    signal(SIGKILL);
    wait(5s);
  }
  if (in_ >= 0) ::close(in_);
  stop_pump_ = true;  // a grandchild may still hold the pipes: do not wait for their EOF
  if (pump_.joinable()) pump_.join();
  ::close(out_);
  ::close(err_);
}

void Child::pump() {
  char chunk[65536];
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[2] = {{out_open ? out_ : -1, POLLIN, 0}, {err_open ? err_ : -1, POLLIN, 0}};
    if (::poll(fds, 2, 100) <= 0) {
      if (stop_pump_) break;
      continue;
    }
    for (int i = 0; i < 2; ++i) {
      if (!fds[i].revents) continue;
      const ssize_t n = ::read(fds[i].fd, chunk, sizeof chunk);
      std::lock_guard lock(mu_);
      if (n > 0) {
        (i == 0 ? out_buf_ : err_buf_).append(chunk, static_cast<std::size_t>(n));
      } else {
        (i == 0 ? out_open : err_open) = false;
        (i == 0 ? out_ended_ : err_ended_) = true;
      }
      cv_.notify_all();
    }
  }
}

template <class Ready>
bool Child::wait_for(std::string& buffer, const bool& ended, std::chrono::milliseconds timeout,
                     Ready ready) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return ready(buffer) || ended; }) && ready(buffer);
}

bool Child::write(const std::string& data) {
  std::size_t done = 0;
  const auto deadline = Clock::now() + 10s;
  while (done < data.size() && in_ >= 0) {
    const ssize_t n = ::write(in_, data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{in_, POLLOUT, 0};
      if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
    } else {
      return false;
    }
  }
  return done == data.size();
}

void Child::close_stdin() {
  if (in_ >= 0) ::close(in_);
  in_ = -1;
}

std::optional<std::string> Child::read_line(std::chrono::milliseconds timeout) {
  auto line = read_until("\n", timeout);
  if (line) line->pop_back();
  return line;
}

std::optional<std::string> Child::read_until(const std::string& needle,
                                             std::chrono::milliseconds timeout) {
  const auto has = [&](const std::string& b) { return b.find(needle) != std::string::npos; };
  if (!wait_for(out_buf_, out_ended_, timeout, has)) return std::nullopt;
  std::lock_guard lock(mu_);
  const auto end = out_buf_.find(needle) + needle.size();
  std::string text = out_buf_.substr(0, end);
  out_buf_.erase(0, end);
  return text;
}

std::optional<std::string> Child::read_err_line_containing(const std::string& needle,
                                                           std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto has_line = [](const std::string& b) { return b.find('\n') != std::string::npos; };
    if (!wait_for(err_buf_, err_ended_, std::chrono::milliseconds(remaining_ms(deadline)),
                  has_line)) {
      return std::nullopt;
    }
    std::lock_guard lock(mu_);
    const auto nl = err_buf_.find('\n');
    std::string line = err_buf_.substr(0, nl);
    err_buf_.erase(0, nl + 1);
    if (line.find(needle) != std::string::npos) return line;
  }
}

void Child::signal(int signo) {
  if (!status_ && pid_ > 0) ::kill(pid_, signo);
}

std::optional<int> Child::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      status_ = decode_status(status);
      return status_;
    }
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(2ms);
  }
}

std::string Child::drain_out(std::chrono::milliseconds quiet) {
  const auto never = [](const std::string&) { return false; };
  wait_for(out_buf_, out_ended_, quiet, never);  // until EOF or `quiet` passes
  std::lock_guard lock(mu_);
  return std::exchange(out_buf_, {});
}

std::string Child::drain_err(std::chrono::milliseconds quiet) {
  const auto never = [](const std::string&) { return false; };
  wait_for(err_buf_, err_ended_, quiet, never);
  std::lock_guard lock(mu_);
  return std::exchange(err_buf_, {});
}

}  // namespace sockit::test
