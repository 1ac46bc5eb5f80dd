// The terminal client's I/O: one poll over the keyboard (or a pipe), the server and, on a
// terminal, the signals it handles itself (Ctrl-C, a resized window).
#include <cerrno>
#include <chrono>
#include <clocale>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>

#include <langinfo.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <fmt/core.h>

#include "chat/terminal/line_editor.hpp"
#include "sockit/chat/client/client.hpp"
#include "sockit/chat/client/terminal.hpp"
#include "sockit/chat/protocol/framing.hpp"
#include "sockit/core/error.hpp"
#include "sockit/core/line_framer.hpp"
#include "sockit/socket/factories.hpp"
#include "sockit/socket/tls.hpp"

namespace sockit::chat {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kFirstRetry = 1s;
constexpr auto kLastRetry = 30s;

// One connection to the server: the socket and, with TLS, the stream over it (which refers
// to the socket: never moved).
struct Connection {
  Socket socket;
  std::unique_ptr<TlsStream> tls;
};

std::unique_ptr<Connection> connect_to(const Endpoint& server, TlsContext* context,
                                       std::chrono::milliseconds limit) {
  ConnectOptions options;
  options.timeout = limit;
  auto c = std::make_unique<Connection>(Connection{create_connection(server, options), nullptr});
  if (context) c->tls = std::make_unique<TlsStream>(*context, c->socket, false, server.host, limit);
  c->socket.setblocking(!c->tls);  // the connect was bounded; reads wait on poll()
  return c;
}

// SIGINT, SIGTERM and SIGWINCH as a descriptor to poll, for the life of the object (on a
// terminal only: from a pipe the defaults are right).
class Signals {
 public:
  Signals() {
    sigemptyset(&set_);
    for (const int s : {SIGINT, SIGTERM, SIGWINCH}) sigaddset(&set_, s);
    if (::pthread_sigmask(SIG_BLOCK, &set_, &saved_) != 0) throw std::runtime_error("pthread_sigmask");
    fd_ = ::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd_ < 0) throw_errno("signalfd");
  }
  ~Signals() {
    ::close(fd_);
    ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  Signals(const Signals&) = delete;
  Signals& operator=(const Signals&) = delete;
  int fd() const noexcept { return fd_; }
  /// The next pending signal, or 0.
  int next() {
    signalfd_siginfo info{};
    return ::read(fd_, &info, sizeof info) == sizeof info ? static_cast<int>(info.ssi_signo) : 0;
  }

 private:
  sigset_t set_{};
  sigset_t saved_{};
  int fd_ = -1;
};

// Line editing needs to know that the terminal speaks UTF-8 (the chat always does).
void use_utf8() {
  std::setlocale(LC_CTYPE, "");
  if (std::strcmp(nl_langinfo(CODESET), "UTF-8") != 0) std::setlocale(LC_CTYPE, "C.UTF-8");
}

bool wants_color(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return ::isatty(fd) == 1 && (!no_color || !*no_color) && (!term || std::strcmp(term, "dumb") != 0);
}

class Client {
 public:
  Client(const Endpoint& server, const ClientOptions& options, int input_fd, int output_fd)
      : server_(server),
        options_(options),
        input_fd_(input_fd),
        output_fd_(output_fd),
        tty_(::isatty(input_fd) == 1),
        state_(ClientStyle{!options.json && wants_color(output_fd)}) {
    if (options.tls) context_.emplace(TlsContext::client(options.tls->verify, options.tls->cacert));
    conn_ = connect_to(server_, context_ ? &*context_ : nullptr, 10s);
  }

  int run(const std::optional<ClientLogin>& login) {
    std::optional<Signals> signals;
    if (tty_) {
      use_utf8();
      signals.emplace();
      editor_.emplace(input_fd_, output_fd_, chat_history_file(),
                      [this](std::string_view before, std::string_view word) { return state_.complete(before, word); });
      editor_->set_prompt(state_.prompt());
    }
    if (login) apply(state_.login(login->nickname, login->password));
    while (!done_) turn(signals ? signals->fd() : -1, signals);
    editor_.reset();  // the terminal as it was
    return 0;
  }

 private:
  void turn(int signal_fd, std::optional<Signals>& signals) {
    pollfd fds[3] = {{input_open_ ? input_fd_ : -1, POLLIN, 0},
                     {conn_ ? conn_->socket.fileno() : -1, POLLIN, 0},
                     {signal_fd, POLLIN, 0}};
    const int r = ::poll(fds, 3, poll_timeout());
    if (r < 0 && errno != EINTR) throw_errno("poll");
    if (r == 0 && !input_open_ && !retry_at_) done_ = true;  // input ended, the server silent for 5 s
    if (retry_at_ && Clock::now() >= *retry_at_) reconnect();
    if (r > 0 && fds[2].revents) on_signals(*signals);
    if (r > 0 && fds[1].revents && conn_) from_server();
    while (!done_ && conn_ && conn_->tls && conn_->tls->pending()) from_server();  // decrypted, unread
    if (r > 0 && fds[0].revents && !done_) from_user();
  }

  int poll_timeout() const {
    if (retry_at_) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*retry_at_ - Clock::now());
      return static_cast<int>(std::max<std::int64_t>(left.count(), 0));
    }
    return input_open_ ? -1 : static_cast<int>(std::chrono::milliseconds(5s).count());
  }

  void on_signals(Signals& signals) {
    for (int s = signals.next(); s != 0; s = signals.next()) {
      if (s == SIGWINCH && editor_) editor_->resized();
      if (s == SIGINT || s == SIGTERM) quit();
    }
  }

  // Ctrl-C, /quit, Ctrl-D: log out and wait for the bye (or leave at once when away).
  void quit() {
    if (!conn_) {
      done_ = true;
      return;
    }
    apply(state_.on_input("/quit"));
  }

  void from_user() {
    if (editor_) {
      editor_->read();
      for (const auto& line : editor_->take_lines()) typed(line);
      if (editor_->ended()) {
        input_open_ = false;
        quit();
      }
      return;
    }
    char buffer[4096];
    const ssize_t n = ::read(input_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) return;
    if (n < 0) throw_errno("read input");
    if (n == 0) return input_ended();
    typed_.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    while (auto line = typed_.next()) typed(line->text);
  }

  void typed(const std::string& line) {
    if (!conn_) {
      if (line == "/quit") return quit();
      return show(fmt::format("! not connected (trying again shortly); not sent: {}", line));
    }
    // A message is shown once acknowledged, as the user's own: the typed copy goes.
    if (editor_ && !line.starts_with('/')) editor_->erase_last_line();
    apply(state_.on_input(line));
  }

  void input_ended() {
    input_open_ = false;
    if (auto line = typed_.flush()) typed(line->text);
    quit();  // piped input: everything is sent; log out and wait for bye
  }

  void from_server() {
    char buffer[65536];
    std::error_code ec;
    const auto n = receive(buffer, ec);
    if (ec == std::errc::operation_would_block) return;  // only TLS records, no data yet
    if (ec || n == 0) return lost(ec ? "connection lost: " + ec.message() : "the server closed the connection");
    framer_.feed(std::string_view(buffer, n));
    for (auto r = framer_.next(); conn_ && r.status != JsonFramer::Result::Status::need_more; r = framer_.next()) {
      if (r.status != JsonFramer::Result::Status::frame) {
        show("! the server sent a bad frame");
        if (r.status == JsonFramer::Result::Status::too_large) lost("a frame too large");
        break;
      }
      if (options_.json) write_all(output_fd_, std::string(r.frame) + "\n");
      apply(state_.on_message(r.frame), !options_.json);
    }
  }

  // One read of what the server sent (decrypted with TLS); 0 when it closed. With TLS the
  // socket does not block: a readable socket may hold only TLS's own records (session
  // tickets), and waiting for data then would keep the user's input from being sent.
  std::size_t receive(std::span<char> buffer, std::error_code& ec) {
    if (!conn_->tls) return conn_->socket.recv_into(buffer, ec);
    std::size_t n = 0;
    const auto io = conn_->tls->read(buffer, n);
    if (io == TlsStream::Io::would_block) ec = std::make_error_code(std::errc::operation_would_block);
    return n;
  }

  void send(std::string_view data) {
    try {
      if (!conn_->tls) return conn_->socket.sendall(data);
      while (!data.empty()) {
        std::size_t n = 0;
        const auto io = conn_->tls->write(data, n);
        if (io == TlsStream::Io::closed) throw std::runtime_error("TLS: the connection closed");
        if (io == TlsStream::Io::would_block) {
          pollfd fd{conn_->socket.fileno(), POLLIN | POLLOUT, 0};
          if (::poll(&fd, 1, 10000) == 0) throw std::runtime_error("TLS: the server takes nothing");
        }
        data.remove_prefix(n);
      }
    } catch (const std::exception& e) {
      lost(std::string("sending failed: ") + e.what());
    }
  }

  void apply(const ClientState::Step& step, bool print = true) {
    for (const auto& request : step.send) {
      if (conn_) send(request);
    }
    if (print) {
      for (const auto& line : step.print) show(line);
    }
    if (step.bell && options_.bell && tty_) write_all(output_fd_, "\a");
    if (step.quit) {
      if (state_.quitting() || !may_reconnect()) {
        done_ = true;
      } else {
        lost("the server ended the session");
      }
    }
    if (editor_) editor_->set_prompt(state_.prompt());
  }

  bool may_reconnect() const {
    return tty_ && options_.reconnect && !state_.quitting() && (ever_logged_in_ || state_.logged_in());
  }

  // The connection is gone: end, or (a terminal user who was logged in) try again later.
  void lost(const std::string& why) {
    ever_logged_in_ = ever_logged_in_ || state_.logged_in();
    conn_.reset();
    framer_ = JsonFramer{1 << 20};
    apply(state_.connection_lost());
    if (!may_reconnect()) {
      show("* " + why);
      done_ = true;
      return;
    }
    show(fmt::format("! {}; connecting again in {} s (Ctrl-C ends)", why, backoff_.count()));
    retry_at_ = Clock::now() + backoff_;
  }

  void reconnect() {
    retry_at_.reset();
    try {
      conn_ = connect_to(server_, context_ ? &*context_ : nullptr, 5s);
    } catch (const std::exception& e) {
      backoff_ = std::min<std::chrono::seconds>(backoff_ * 2, kLastRetry);
      show(fmt::format("! {}; trying again in {} s", e.what(), backoff_.count()));
      retry_at_ = Clock::now() + backoff_;
      return;
    }
    backoff_ = kFirstRetry;
    show("* connected again to " + server_.to_string());
    apply(state_.reconnected());
  }

  void show(const std::string& line) {
    if (editor_) return editor_->print(line);
    write_all(output_fd_, line + "\n");
  }

  const Endpoint server_;
  const ClientOptions options_;
  int input_fd_;
  int output_fd_;
  bool tty_;
  std::optional<TlsContext> context_;
  std::unique_ptr<Connection> conn_;  // null while away
  std::optional<Clock::time_point> retry_at_;
  std::chrono::seconds backoff_ = kFirstRetry;
  bool ever_logged_in_ = false;
  bool input_open_ = true;
  bool done_ = false;
  ClientState state_;
  std::optional<LineEditor> editor_;  // on a terminal
  LineFramer typed_{65536};
  JsonFramer framer_{1 << 20};
};

}  // namespace

int run_terminal_client(const Endpoint& server, const std::optional<ClientLogin>& login,
                        int input_fd, int output_fd, const ClientOptions& options) {
  return Client(server, options, input_fd, output_fd).run(login);
}

}  // namespace sockit::chat
