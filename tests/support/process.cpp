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

Child::Child(const std::vector<std::string>& argv) { pid_ = spawn(argv, in_, out_, err_); }

Child::~Child() {
  if (!status_) {
    signal(SIGKILL);
    wait(5s);
  }
  for (int fd : {in_, out_, err_}) {
    if (fd >= 0) ::close(fd);
  }
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

bool Child::fill(int fd, std::string& buffer, Clock::time_point deadline) {
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  const int ready = ::poll(&p, 1, remaining_ms(deadline));
  if (ready <= 0) return false;
  char chunk[65536];
  const ssize_t n = ::read(fd, chunk, sizeof chunk);
  if (n <= 0) return false;
  buffer.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> Child::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto nl = out_buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = out_buf_.substr(0, nl);
      out_buf_.erase(0, nl + 1);
      return line;
    }
    if (!fill(out_, out_buf_, deadline)) return std::nullopt;
  }
}

std::optional<std::string> Child::read_until(const std::string& needle,
                                             std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto at = out_buf_.find(needle);
    if (at != std::string::npos) {
      std::string text = out_buf_.substr(0, at + needle.size());
      out_buf_.erase(0, at + needle.size());
      return text;
    }
    if (!fill(out_, out_buf_, deadline)) return std::nullopt;
  }
}

std::optional<std::string> Child::read_err_line_containing(const std::string& needle,
                                                           std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::size_t nl;
    while ((nl = err_buf_.find('\n')) != std::string::npos) {
      std::string line = err_buf_.substr(0, nl);
      err_buf_.erase(0, nl + 1);
      if (line.find(needle) != std::string::npos) return line;
    }
    if (!fill(err_, err_buf_, deadline)) return std::nullopt;
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
    // Keep the pipes drained so a chatty child cannot block on a full pipe.
    const bool progressed = fill(out_, out_buf_, Clock::now() + 5ms) |
                            fill(err_, err_buf_, Clock::now() + 5ms);
    if (!progressed) std::this_thread::sleep_for(2ms);
  }
}

std::string Child::drain_out(std::chrono::milliseconds quiet) {
  while (fill(out_, out_buf_, Clock::now() + quiet)) {
  }
  return std::exchange(out_buf_, {});
}

std::string Child::drain_err(std::chrono::milliseconds quiet) {
  while (fill(err_, err_buf_, Clock::now() + quiet)) {
  }
  return std::exchange(err_buf_, {});
}

}  // namespace sockit::test
