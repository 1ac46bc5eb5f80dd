#include "support/server_process.hpp"

#include <csignal>
#include <stdexcept>

namespace sockit::test {

ServerProcess::ServerProcess(const std::vector<std::string>& args)
    : child_(std::make_unique<Child>(sockit_argv(args))) {
  const auto line = child_->read_until("\n", 20s);
  const std::string marker = "listening on ";
  const auto at = line ? line->find(marker) : std::string::npos;
  if (at == std::string::npos) {
    throw std::runtime_error("server did not start: " + line.value_or("") + child_->drain_err());
  }
  const auto start = at + marker.size();
  address_ = line->substr(start, line->find(' ', start) - start);
  if (!address_.empty() && address_.back() == '\n') address_.pop_back();
}

int ServerProcess::port() const { return std::stoi(address_.substr(address_.rfind(':') + 1)); }

std::optional<int> ServerProcess::stop(int signo) {
  child_->signal(signo);
  return child_->wait(10s);
}

bool wait_listening(Child& listener) {
  return listener.read_err_line_containing("istening on", 20s).has_value();
}

RunResult run_python(const std::string& script, const std::vector<std::string>& args,
                     const std::string& input, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{"python3", "-c", script};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, input, timeout);
}

}  // namespace sockit::test
