// The terminal client's I/O: one poll over the keyboard (or a pipe) and the server.
#include <cerrno>
#include <chrono>
#include <memory>
#include <span>
#include <stdexcept>

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include "sockit/chat/client.hpp"
#include "sockit/chat/framing.hpp"
#include "sockit/core/error.hpp"
#include "sockit/core/line_framer.hpp"
#include "sockit/socket/factories.hpp"
#include "sockit/socket/tls.hpp"

namespace sockit::chat {
namespace {

using namespace std::chrono_literals;

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("write output");
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Keyboard mode for the life of the object: no echo, no line buffering, Ctrl-C as a byte.
class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) throw_errno("tcgetattr");
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (::tcsetattr(fd_, TCSANOW, &raw) != 0) throw_errno("tcsetattr");
  }
  ~RawTerminal() { ::tcsetattr(fd_, TCSANOW, &saved_); }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  termios saved_{};
};

// The line being typed on a terminal, redrawn under every incoming message.
class LineEditor {
 public:
  // Feeds typed bytes; returns the finished lines. Sets `quit` on Ctrl-C or Ctrl-D on empty.
  std::vector<std::string> feed(std::string_view bytes, bool& quit) {
    std::vector<std::string> done;
    for (const char c : bytes) {
      if (escape_) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '~') escape_ = false;
      } else if (c == '\x1b') {
        escape_ = true;  // arrow keys and friends: ignored
      } else if (c == '\r' || c == '\n') {
        done.push_back(std::exchange(line_, {}));
      } else if (c == '\x7f' || c == '\b') {
        erase_last_character();
      } else if (c == '\x03' || (c == '\x04' && line_.empty())) {
        quit = true;
      } else if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') {
        line_ += c;
      }
    }
    return done;
  }
  const std::string& line() const { return line_; }

 private:
  void erase_last_character() {
    while (!line_.empty()) {
      const auto byte = static_cast<unsigned char>(line_.back());
      line_.pop_back();
      if ((byte & 0xc0) != 0x80) break;  // stop after the first byte of a UTF-8 character
    }
  }
  std::string line_;
  bool escape_ = false;
};

class Client {
 public:
  Client(Socket socket, std::unique_ptr<TlsStream> tls, int input_fd, int output_fd)
      : socket_(std::move(socket)),
        tls_(std::move(tls)),
        input_fd_(input_fd),
        output_fd_(output_fd),
        tty_(::isatty(input_fd) == 1) {}

  int run(const std::optional<ClientLogin>& login) {
    std::optional<RawTerminal> raw;
    if (tty_) raw.emplace(input_fd_);
    if (login) apply(state_.login(login->nickname, login->password));
    redraw();
    while (!done_) turn();
    if (tty_) write_all(output_fd_, "\r\33[K");
    return 0;
  }

 private:
  void turn() {
    pollfd fds[2] = {{input_open_ ? input_fd_ : -1, POLLIN, 0}, {socket_.fileno(), POLLIN, 0}};
    const int timeout = input_open_ ? -1 : static_cast<int>(std::chrono::milliseconds(5s).count());
    const int r = ::poll(fds, 2, timeout);
    if (r < 0 && errno != EINTR) throw_errno("poll");
    if (r == 0) done_ = true;  // input ended and the server said nothing more for 5 s
    if (r > 0 && fds[1].revents) from_server();
    while (!done_ && tls_ && tls_->pending()) from_server();  // decrypted, not yet read
    if (r > 0 && fds[0].revents) from_user();
  }

  void from_user() {
    char buffer[4096];
    const ssize_t n = ::read(input_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) return;
    if (n < 0) throw_errno("read input");
    if (n == 0) return input_ended();
    const std::string_view bytes(buffer, static_cast<std::size_t>(n));
    if (tty_) {
      bool quit = false;
      for (const auto& line : editor_.feed(bytes, quit)) apply(state_.on_input(line));
      if (quit) apply(state_.on_input("/quit"));
      redraw();
      return;
    }
    typed_.feed(bytes);
    while (auto line = typed_.next()) apply(state_.on_input(line->text));
  }

  void input_ended() {
    input_open_ = false;
    if (auto line = typed_.flush()) apply(state_.on_input(line->text));
    apply(state_.on_input("/quit"));  // piped input: everything is sent; log out and wait for bye
  }

  void from_server() {
    char buffer[65536];
    std::error_code ec;
    const auto n = receive(buffer, ec);
    if (ec == std::errc::operation_would_block) return;  // only TLS records, no data yet
    if (ec || n == 0) {
      show(ec ? "! connection lost: " + ec.message() : "* the server closed the connection");
      done_ = true;
      return;
    }
    framer_.feed(std::string_view(buffer, n));
    for (auto r = framer_.next(); r.status != JsonFramer::Result::Status::need_more;
         r = framer_.next()) {
      if (r.status == JsonFramer::Result::Status::frame) {
        apply(state_.on_message(r.frame));
      } else {
        show("! the server sent a bad frame");
        if (r.status == JsonFramer::Result::Status::too_large) done_ = true;
        break;
      }
    }
  }

  // One read of what the server sent (decrypted with TLS); 0 when it closed. With TLS the
  // socket does not block: a readable socket may hold only TLS's own records (session
  // tickets), and waiting for data then would keep the user's input from being sent.
  std::size_t receive(std::span<char> buffer, std::error_code& ec) {
    if (!tls_) return socket_.recv_into(buffer, ec);
    std::size_t n = 0;
    const auto io = tls_->read(buffer, n);
    if (io == TlsStream::Io::would_block) ec = std::make_error_code(std::errc::operation_would_block);
    return n;
  }

  void send(std::string_view data) {
    if (!tls_) return socket_.sendall(data);
    while (!data.empty()) {
      std::size_t n = 0;
      const auto io = tls_->write(data, n);
      if (io == TlsStream::Io::closed) throw std::runtime_error("TLS: the connection closed");
      if (io == TlsStream::Io::would_block) {
        pollfd fd{socket_.fileno(), POLLIN | POLLOUT, 0};
        if (::poll(&fd, 1, 10000) == 0) throw std::runtime_error("TLS: the server takes nothing");
      }
      data.remove_prefix(n);
    }
  }

  void apply(const ClientState::Step& step) {
    for (const auto& request : step.send) send(request);
    for (const auto& line : step.print) show(line);
    if (step.quit) done_ = true;
  }

  void show(const std::string& line) {
    if (!tty_) return write_all(output_fd_, line + "\n");
    write_all(output_fd_, "\r\33[K" + line + "\n");
    redraw();
  }

  void redraw() {
    if (tty_) write_all(output_fd_, "\r\33[K" + state_.prompt() + editor_.line());
  }

  Socket socket_;
  std::unique_ptr<TlsStream> tls_;  // over socket_ (declared after it: destroyed first)
  int input_fd_;
  int output_fd_;
  bool tty_;
  bool input_open_ = true;
  bool done_ = false;
  ClientState state_;
  LineEditor editor_;
  LineFramer typed_{65536};
  JsonFramer framer_{1 << 20};
};

}  // namespace

int run_terminal_client(const Endpoint& server, const std::optional<ClientLogin>& login,
                        int input_fd, int output_fd, const std::optional<ClientTls>& tls) {
  ConnectOptions options;
  options.timeout = 10s;
  Socket socket = create_connection(server, options);
  std::unique_ptr<TlsStream> stream;
  std::optional<TlsContext> context;
  if (tls) {
    context.emplace(TlsContext::client(tls->verify, tls->cacert));
    stream = std::make_unique<TlsStream>(*context, socket, false, server.host, 10s);
  }
  socket.setblocking(!stream);  // the connect was bounded; reads wait on poll()
  return Client(std::move(socket), std::move(stream), input_fd, output_fd).run(login);
}

}  // namespace sockit::chat
