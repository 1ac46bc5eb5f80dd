// The full-duplex loop: one poll over the user's input and the peer's socket.
#include <cerrno>
#include <deque>

#include <poll.h>
#include <unistd.h>

#include "sockit/core/error.hpp"
#include "sockit/core/line_framer.hpp"
#include "sockit/talk/talk.hpp"

namespace sockit::talk {
namespace {

constexpr std::string_view kQuit = "quit";

class Conversation {
 public:
  Conversation(Socket& socket, bool peer_known, int input_fd, std::FILE* output,
               const TalkOptions& options, const Notify& notify)
      : socket_(socket),
        datagram_(socket.type() == SOCK_DGRAM),
        peer_known_(peer_known),
        input_fd_(input_fd),
        output_(output),
        options_(options),
        notify_(notify),
        typed_(options.max_line),
        heard_(options.max_line) {}

  End run() {
    for (;;) {
      pollfd fds[2] = {{input_open_ ? input_fd_ : -1, POLLIN, 0}, {socket_.fileno(), POLLIN, 0}};
      const bool partial = heard_.pending() > 0;
      const int r = ::poll(fds, 2, partial ? static_cast<int>(options_.quiet.count()) : -1);
      if (r < 0 && errno != EINTR) throw_errno("poll");
      if (r == 0) {
        if (auto line = heard_.flush()) {
          if (auto end = print(*line)) return *end;
        }
        continue;
      }
      if (fds[1].revents) {
        if (auto end = from_peer()) return *end;
      }
      if (fds[0].revents) {
        if (auto end = from_user()) return *end;
      }
    }
  }

 private:
  std::optional<End> from_user() {
    char buffer[16384];
    const ssize_t n = ::read(input_fd_, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) return std::nullopt;
      throw_errno("read input");
    }
    if (n == 0) return input_closed();
    typed_.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    while (auto line = typed_.next()) {
      if (auto end = say(line->text)) return end;
    }
    return std::nullopt;
  }

  std::optional<End> input_closed() {
    input_open_ = false;
    if (auto line = typed_.flush()) {
      if (auto end = say(line->text)) return end;
    }
    if (datagram_) return End::input_ended;
    socket_.shutdown(SHUT_WR);  // like nc: we are done talking, still listening
    return std::nullopt;
  }

  std::optional<End> say(const std::string& text) {
    if (datagram_ && !peer_known_) {
      if (pending_.size() >= options_.max_pending) pending_.pop_front();
      pending_.push_back(text);
    } else {
      send_line(text);
    }
    if (options_.quit_word && text == kQuit) return End::local_quit;
    return std::nullopt;
  }

  void send_line(const std::string& text) {
    if (datagram_) {
      socket_.send(text);
    } else {
      socket_.sendall(text + "\n");
    }
  }

  std::optional<End> from_peer() {
    char buffer[65536];
    if (!datagram_) {
      const auto n = socket_.recv_into(buffer);
      if (n == 0) return peer_closed();
      heard_.feed(std::string_view(buffer, n));
      while (auto line = heard_.next()) {
        if (auto end = print(*line)) return end;
      }
      return std::nullopt;
    }
    auto [n, from] = socket_.recvfrom_into(buffer);
    if (!peer_known_) adopt(from);
    if (n == 0) return std::nullopt;  // an empty datagram only says hello
    std::string_view text(buffer, n);
    if (text.back() == '\n') text.remove_suffix(1);
    return print(LineFramer::Line{std::string(text), false});
  }

  void adopt(const Address& peer) {
    socket_.connect(peer);  // from now on only this peer's datagrams arrive
    peer_known_ = true;
    notify_("connected to " + peer.to_string());
    while (!pending_.empty()) {
      send_line(pending_.front());
      pending_.pop_front();
    }
  }

  std::optional<End> peer_closed() {
    if (auto line = heard_.flush()) {
      if (auto end = print(*line)) return end;
    }
    return End::peer_closed;
  }

  std::optional<End> print(const LineFramer::Line& line) {
    if (line.too_long) {
      notify_("peer sent a line over " + std::to_string(options_.max_line) + " bytes; dropped");
      return std::nullopt;
    }
    if (options_.quit_word && line.text == kQuit) return End::peer_quit;
    std::fwrite(line.text.data(), 1, line.text.size(), output_);
    std::fputc('\n', output_);
    std::fflush(output_);
    return std::nullopt;
  }

  Socket& socket_;
  const bool datagram_;
  bool peer_known_;
  int input_fd_;
  bool input_open_ = true;
  std::FILE* output_;
  const TalkOptions& options_;
  const Notify& notify_;
  LineFramer typed_;
  LineFramer heard_;
  std::deque<std::string> pending_;
};

}  // namespace

std::string_view describe(End end) noexcept {
  switch (end) {
    case End::local_quit:
      return "you said quit";
    case End::peer_quit:
      return "the peer said quit";
    case End::peer_closed:
      return "the peer closed the connection";
    case End::input_ended:
      return "input ended";
  }
  return "ended";
}

End converse(Socket& socket, bool peer_known, int input_fd, std::FILE* output,
             const TalkOptions& options, const Notify& notify) {
  return Conversation(socket, peer_known, input_fd, output, options, notify).run();
}

}  // namespace sockit::talk
