#include "signals.hpp"

#include <csignal>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "sockit/core/log.hpp"
#include "sockit/server/stoppable.hpp"

namespace sockit::app {
namespace asio = boost::asio;
namespace {

// While alive, SIGHUP runs `fn` on a thread of its own.
class OnHangup {
 public:
  explicit OnHangup(const std::function<void()>& fn) : fn_(fn) {
    if (!fn_) return;
    hangup_.emplace(io_, SIGHUP);
    wait();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~OnHangup() {
    if (!fn_) return;
    io_.stop();
    thread_.join();
  }
  OnHangup(const OnHangup&) = delete;
  OnHangup& operator=(const OnHangup&) = delete;

 private:
  void wait() {
    hangup_->async_wait([this](boost::system::error_code ec, int) {
      if (ec) return;
      fn_();
      wait();
    });
  }

  const std::function<void()>& fn_;
  asio::io_context io_;
  std::optional<asio::signal_set> hangup_;
  std::thread thread_;
};

}  // namespace

void serve_until_signal(server::Service& service, const std::function<void()>& announce,
                        const std::function<void()>& on_hangup) {
  server::StopOnSignals signals(service);
  OnHangup hangup(on_hangup);
  announce();
  service.start();
  service.wait();
}

std::function<void()> reload_certificate_on_hangup(bool tls,
                                                   std::function<std::optional<std::string>()> reload) {
  return [tls, reload = std::move(reload)] {
    if (!tls) return log_info("SIGHUP: nothing to reload (no TLS)");
    if (const auto failed = reload()) {
      log_error("SIGHUP: keeping the current certificate: {}", *failed);
    } else {
      log_info("SIGHUP: certificate and key loaded again; new connections use them");
    }
  };
}

namespace {
std::atomic<bool> interrupted{false};
extern "C" void on_interrupt(int) {
  interrupted = true;
}
}  // namespace

const std::atomic<bool>& stop_flag_on_interrupt() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a waiting poll returns EINTR
  for (const int signo : {SIGINT, SIGTERM}) ::sigaction(signo, &action, nullptr);
  return interrupted;
}

}  // namespace sockit::app
