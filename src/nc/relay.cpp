// The nc engine: one poll loop over stdin, an optional listener and every peer. Bytes pass
// through unchanged (chat mode alone works in lines, to prefix them with nicknames).
#include <cerrno>
#include <chrono>
#include <fstream>
#include <map>

#include <fmt/chrono.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include "access.hpp"
#include "peer.hpp"
#include "sockets.hpp"
#include "text.hpp"
#include "sockit/socket/tls.hpp"
#include "sockit/core/error.hpp"
#include "sockit/core/line_framer.hpp"
#include "sockit/nc/hex.hpp"
#include "sockit/nc/nc.hpp"

namespace sockit::nc {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxPending = 4 << 20;  // per peer; past it a broker peer is dropped

constexpr std::chrono::seconds kHandshakeTimeout{10};

std::optional<TlsContext> make_tls(const NcOptions& o) {
  if (!o.ssl) return std::nullopt;
  if (o.udp) throw parse_error("--ssl works over streams only (no DTLS)");
  return o.listen ? TlsContext::server(o.ssl_cert, o.ssl_key, o.tls_profile)
                  : TlsContext::client(o.ssl_verify, o.ssl_trustfile);
}

class Relay {
 public:
  Relay(const NcOptions& o, int in, int out)
      : o_(o),
        in_(in),
        out_(out),
        access_(o.allow, o.deny),
        tls_(make_tls(o)),
        stdin_open_(!o.recv_only) {
    if (!o.dump_file.empty()) {
      dump_file_.open(o.dump_file, std::ios::binary | std::ios::trunc);
      if (!dump_file_) throw std::runtime_error("cannot write the dump to " + o.dump_file);
    }
  }

  int run() {
    o_.listen ? open_listener() : open_connection();
    last_activity_ = Clock::now();
    while (!done_) turn();
    flush_all();
    return exit_code_;
  }

 private:
  // ---- set-up -------------------------------------------------------------------------
  void open_connection() {
    Socket s = connect_socket(o_);
    event("connected to " + s.getpeername().to_string());
    Peer& p = add_peer(std::move(s), Address());
    if (tls_) {
      p.tls = std::make_unique<TlsStream>(*tls_, p.socket, false, o_.host, kHandshakeTimeout);
      event("TLS established");
    }
  }

  void open_listener() {
    listener_ = listening_socket(o_);
    event("listening on " + listener_.getsockname().to_string());
  }

  Peer& add_peer(Socket s, Address a) {
    auto peer = std::make_unique<Peer>();
    peer->id = next_id_++;
    peer->socket = std::move(s);
    if (peer->socket) peer->socket.setblocking(false);  // poll says when; never block the loop
    peer->address = std::move(a);
    peers_.push_back(std::move(peer));
    return *peers_.back();
  }

  // ---- the loop -------------------------------------------------------------------------
  void turn() {
    std::vector<pollfd> fds;
    const bool backlogged = pending_bytes() > kMaxPending;  // stop reading stdin until drained
    const bool nobody = peers_.empty();  // a listener reads stdin once someone is there
    fds.push_back({stdin_open_ && !backlogged && !nobody ? in_ : -1, POLLIN, 0});
    fds.push_back({listening() ? listener_.fileno() : -1, POLLIN, 0});
    for (const auto& p : peers_) {
      const short events =
          static_cast<short>((p->read_closed ? 0 : POLLIN) | (p->out.empty() ? 0 : POLLOUT));
      fds.push_back({p->socket ? p->socket.fileno() : -1, events, 0});
    }
    const std::size_t polled = peers_.size();  // peers accepted below are polled next turn
    const int r = ::poll(fds.data(), fds.size(), poll_timeout_ms());
    if (r < 0 && errno != EINTR) throw_errno("poll");
    if (r == 0) return idle_check();
    if (fds[1].revents) on_listener();
    // Peers (fds[2...]) backwards, so dropping one keeps the others' indexes; stdin last.
    for (std::size_t i = polled; i-- > 0;) {
      const short rev = fds[i + 2].revents;
      if (rev & (POLLIN | POLLHUP | POLLERR)) on_peer_readable(i);
      if (i < peers_.size() && (rev & POLLOUT)) on_peer_writable(i);
    }
    if (fds[0].revents) on_stdin();
    if (!o_.listen && peers_.empty()) done_ = true;
  }

  bool listening() const {
    if (!listener_ || o_.udp) return static_cast<bool>(listener_);
    return o_.keep_open || o_.broker || o_.chat ? peers_.size() < o_.max_conns : peers_.empty() && !served_;
  }

  int poll_timeout_ms() const {
    if (!o_.idle_timeout) return -1;
    return static_cast<int>(std::max<long long>(1, o_.idle_timeout->count() / 4));
  }

  void idle_check() {
    if (o_.idle_timeout && Clock::now() - last_activity_ > *o_.idle_timeout) {
      event("idle timeout");
      fail("idle timeout");
    }
  }

  void fail(const std::string& why) {
    std::fprintf(stderr, "sockit: %s\n", why.c_str());
    exit_code_ = 1;
    done_ = true;
  }

  // ---- listener -------------------------------------------------------------------------
  void on_listener() {
    if (o_.udp) return on_datagram();
    std::pair<Socket, Address> accepted;
    try {
      accepted = listener_.accept();
    } catch (const would_block_error&) {
      return;
    }
    auto& [s, a] = accepted;
    if (!access_.allows(a)) {
      event("refused " + a.to_string());
      return;
    }
    served_ = true;
    event("connection from " + a.to_string());
    Peer& p = add_peer(std::move(s), a);
    if (tls_) {
      try {
        p.tls = std::make_unique<TlsStream>(*tls_, p.socket, true, "", kHandshakeTimeout);
      } catch (const std::runtime_error& e) {
        return drop(peers_.size() - 1, e.what());
      }
    }
    announce(fmt::format("<announce> user{} has connected\n", p.id), &p);
  }

  void on_datagram() {
    char buffer[65536];
    std::pair<std::size_t, Address> got;
    try {
      got = listener_.recvfrom_into(buffer);
    } catch (const would_block_error&) {
      return;
    }
    const auto& [n, from] = got;
    if (!access_.allows(from)) return event("refused datagram from " + from.to_string());
    Peer* peer = find_udp_peer(from);
    if (!peer) {
      if (!o_.keep_open && !peers_.empty()) return;  // one peer only, as ncat -u -l
      if (peers_.size() >= o_.max_conns) return;
      event("datagram peer " + from.to_string());
      peer = &add_peer(Socket(), from);
    }
    received(*peer, std::string_view(buffer, n));
  }

  Peer* find_udp_peer(const Address& from) {
    for (auto& p : peers_) {
      if (p->address == from) return p.get();
    }
    return nullptr;
  }

  // ---- data ---------------------------------------------------------------------------
  void on_stdin() {
    char buffer[65536];
    const ssize_t n = ::read(in_, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n < 0) throw_errno("read stdin");
    if (n == 0) return stdin_ended();
    last_activity_ = Clock::now();
    std::string data(buffer, static_cast<std::size_t>(n));
    if (o_.hex_send) data = decode_hex(data, false);
    if (o_.crlf) data = to_crlf(data);
    if (o_.chat) data = prefix_lines(local_lines_, data, "<user0> ");
    dump('>', data);
    if (!data.empty()) send_to_all(data, nullptr);
  }

  // --hex-send: the bytes of whole lines; a bad line fails nc and nothing of it is sent.
  std::string decode_hex(std::string_view text, bool last) {
    try {
      return last ? hex_.finish() : hex_.feed(text);
    } catch (const parse_error& e) {
      fail(std::string("--hex-send: ") + e.what() + "; nothing of that input was sent");
      return {};
    }
  }

  void stdin_ended() {
    stdin_open_ = false;
    if (o_.hex_send && hex_.pending()) {
      const auto bytes = decode_hex({}, true);
      if (done_) return;
      dump('>', bytes);
      send_to_all(bytes, nullptr);
    }
    event("end of input");
    if (o_.close_on_eof || (o_.udp && !o_.listen)) {
      done_ = true;
      return;
    }
    if (many_clients()) return;  // keep serving
    half_close_pending_ = true;
    for (std::size_t i = peers_.size(); i-- > 0;) {
      if (peers_[i]->socket && peers_[i]->out.empty()) finish_sending(i);
    }
  }

  void half_close(Peer& p) {  // like nc: done sending, still receiving
    if (p.tls) return p.tls->close_notify();
    p.socket.shutdown(SHUT_WR);
  }

  void on_peer_readable(std::size_t i) {
    Peer& p = *peers_[i];
    if (!p.socket) return;  // UDP peers are read through the listener
    if (p.tls) return read_tls(i);
    char buffer[65536];
    std::error_code ec;
    const auto n = p.socket.recv_into(buffer, ec);
    if (ec == std::errc::operation_would_block) return;
    if (ec) return lost(i, ec.message());
    if (n == 0 && p.socket.type() == SOCK_DGRAM) return;  // an empty datagram, not the end
    if (n == 0) return peer_ended(i);
    received(p, std::string_view(buffer, n));
  }

  // The peer sent its EOF. With one connection (connect, or listen without -k/--broker/
  // --chat) that is a half-close: what we still have to send goes on until our input ends.
  // Among many clients it means the client left, as in ncat.
  void peer_ended(std::size_t i) {
    Peer& p = *peers_[i];
    const bool hung_up = p.read_closed;  // polled again after its EOF: the connection is gone
    if (hung_up || many_clients() || (!stdin_open_ && p.out.empty())) return drop(i, "closed");
    p.read_closed = true;
    event("the peer finished sending; still sending to it");
  }

  bool many_clients() const { return o_.listen && (o_.keep_open || o_.broker || o_.chat); }

  void read_tls(std::size_t i) {
    char buffer[65536];
    do {
      std::size_t n = 0;
      const auto io = peers_[i]->tls->read(buffer, n);
      if (io == TlsStream::Io::would_block) return;
      if (io == TlsStream::Io::closed) return drop(i, "closed");
      received(*peers_[i], std::string_view(buffer, n));
    } while (i < peers_.size() && peers_[i]->tls->pending());
  }

  void received(Peer& from, std::string_view data) {
    last_activity_ = Clock::now();
    dump('<', data);
    if (o_.chat) {
      const auto text = prefix_lines(from.lines, data, fmt::format("<user{}> ", from.id));
      if (!o_.send_only) write_out(text);
      return send_to_all(text, &from);
    }
    if (!o_.send_only) write_out(data);
    if (o_.broker) send_to_all(data, &from);
  }

  void send_to_all(std::string_view data, const Peer* except) {
    for (std::size_t i = peers_.size(); i-- > 0;) {
      Peer& p = *peers_[i];
      if (&p == except) continue;
      if (!p.socket) {  // a UDP peer of the listening socket: datagrams
        send_datagrams(listener_, data, p.address);
        continue;
      }
      if (except && p.out.size() > kMaxPending) {
        drop(i, "too slow to keep up");
        continue;
      }
      p.out.append(data);
      on_peer_writable(i);
    }
  }

  void on_peer_writable(std::size_t i) {
    Peer& p = *peers_[i];
    if (p.out.empty()) return;
    std::error_code ec;
    if (send_pending(p, ec) == SendResult::closed) return ec ? lost(i, ec.message()) : drop(i, "closed");
    if (p.out.empty() && half_close_pending_ && !stdin_open_) finish_sending(i);
  }

  // Nothing more to send to peer i: half-close; if it has finished too, the connection is done.
  void finish_sending(std::size_t i) {
    half_close(*peers_[i]);
    if (peers_[i]->read_closed) drop(i, "done");
  }

  void drop(std::size_t i, const std::string& why) {
    auto peer = std::move(peers_[i]);
    peers_.erase(peers_.begin() + static_cast<std::ptrdiff_t>(i));
    event(fmt::format("{} left ({})", peer->address.is_inet() || peer->address.is_unix()
                                          ? peer->address.to_string()
                                          : "peer",
                      why));
    announce(fmt::format("<announce> user{} has disconnected\n", peer->id), nullptr);
    if (o_.listen && !(o_.keep_open || o_.broker || o_.chat)) done_ = true;
  }

  // Drops peer i after an error; with the one connection of connect mode, nc fails with it.
  void lost(std::size_t i, const std::string& why) {
    drop(i, why);
    if (!o_.listen) fail(why);
  }

  void announce(const std::string& text, const Peer* except) {
    if (!o_.chat) return;
    if (!o_.send_only) write_out(text);
    send_to_all(text, except);
  }

  void flush_all() {
    for (auto& p : peers_) {
      if (!p->socket || p->out.empty()) continue;
      if (p->tls) continue;  // TLS output left at the end is dropped with the connection
      try {
        flush_blocking(*p, std::chrono::seconds(5));
      } catch (const socket_error& e) {
        fail(e.what());
      }
    }
  }

  std::size_t pending_bytes() const {
    std::size_t total = 0;
    for (const auto& p : peers_) total += p->out.size();
    return total;
  }

  // ---- output -------------------------------------------------------------------------
  void write_out(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::write(out_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_errno("write stdout");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  void dump(char marker, std::string_view data) {
    if (!o_.hex_dump || data.empty()) return;
    auto& offset = marker == '>' ? sent_ : received_;
    const auto text = hex_dump(data, marker, offset);
    offset += data.size();
    if (dump_file_.is_open()) {
      dump_file_ << text;
      dump_file_.flush();
    } else {
      std::fputs(text.c_str(), stderr);
    }
  }

  void event(const std::string& text) {
    if (!o_.verbose) return;
    const auto now = std::chrono::system_clock::now();
    std::fprintf(stderr, "%s nc: %s\n", fmt::format("{:%H:%M:%S}", now).c_str(), text.c_str());
  }

  const NcOptions& o_;
  int in_, out_;
  AccessList access_;
  std::optional<TlsContext> tls_;
  bool stdin_open_;
  Socket listener_;
  std::vector<std::unique_ptr<Peer>> peers_;
  int next_id_ = 1;
  bool served_ = false;
  bool done_ = false;
  bool half_close_pending_ = false;
  int exit_code_ = 0;
  Clock::time_point last_activity_;
  HexLines hex_;
  LineFramer local_lines_{65536};
  std::uint64_t sent_ = 0, received_ = 0;
  std::ofstream dump_file_;
};

}  // namespace

int run(const NcOptions& options, int input_fd, int output_fd) {
  return Relay(options, input_fd, output_fd).run();
}

}  // namespace sockit::nc
