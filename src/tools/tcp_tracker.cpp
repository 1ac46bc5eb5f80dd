#include "sockit/tools/tcp_tracker.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace sockit {
namespace {

constexpr std::array<std::string_view, 12> state_names = {
    "?",          "CLOSED",     "LISTEN",     "SYN_SENT", "SYN_RECV", "ESTABLISHED",
    "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING",  "LAST_ACK", "TIME_WAIT"};

constexpr std::array<std::string_view, 12> step_keys = {
    "",       "handshake_1", "handshake_2", "handshake_3", "data",    "wave_1",
    "wave_2", "wave_2_3",    "wave_3",      "wave_4",      "refused", "reset"};

// Sequence-space comparison (RFC 9293 §3.4): a at or after b, modulo 2^32.
bool seq_at_or_after(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b) >= 0;
}

bool has(const Packet& p, std::uint8_t flag) {
  return (p.flags & flag) != 0;
}

// Sequence space the segment occupies: its data, and one each for SYN and FIN.
std::uint32_t segment_length(const Packet& p) {
  return static_cast<std::uint32_t>(p.length) + (has(p, tcp_syn) ? 1 : 0) +
         (has(p, tcp_fin) ? 1 : 0);
}

// The receiver's state once it has read a FIN (it processes it and acknowledges it).
void receive_fin(TcpState& state, bool acks_its_fin) {
  switch (state) {
    case TcpState::fin_wait_1:
      state = acks_its_fin ? TcpState::time_wait : TcpState::closing;
      break;
    case TcpState::fin_wait_2:
      state = TcpState::time_wait;
      break;
    case TcpState::time_wait:
    case TcpState::closing:
    case TcpState::closed:
      break;
    default:
      state = TcpState::close_wait;
  }
}

}  // namespace

std::string_view state_name(TcpState state) noexcept {
  return state_names[static_cast<std::size_t>(state)];
}

std::optional<TcpState> parse_state(std::string_view name) {
  std::string upper;
  for (const char c : name)
    upper += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::size_t i = 1; i < state_names.size(); ++i) {
    if (state_names[i] == upper) return static_cast<TcpState>(i);
  }
  return std::nullopt;
}

std::string_view step_key(TcpStep step) noexcept {
  return step_keys[static_cast<std::size_t>(step)];
}

TcpTracker::TcpTracker(std::size_t max_connections)
    : max_connections_(std::max<std::size_t>(max_connections, 1)) {}

void TcpTracker::forget_oldest() {
  const auto oldest = std::min_element(
      connections_.begin(), connections_.end(),
      [](const auto& a, const auto& b) { return a.second.last_seen < b.second.last_seen; });
  if (oldest != connections_.end()) connections_.erase(oldest);
}

TcpTracker::Connection& TcpTracker::connection_for(const Packet& p, bool& created) {
  const Key key = std::minmax(p.src, p.dst);
  auto it = connections_.find(key);
  const bool opening = has(p, tcp_syn) && !has(p, tcp_ack);
  // A new SYN on a pair whose last connection is over (or whose SYN had another sequence
  // number) starts a new connection on the same ports.
  if (it != connections_.end() && opening) {
    const Side& c = it->second.client;
    const bool same_syn = c.addr == p.src && c.isn_known && c.isn == p.seq;
    if (!same_syn) connections_.erase(it), it = connections_.end();
  }
  created = it == connections_.end();
  if (!created) return it->second;
  if (connections_.size() >= max_connections_) forget_oldest();
  Connection c;
  // Seen from its SYN, the opener is the client; seen mid-stream, the side with the lower
  // port is taken for the server (ephemeral ports are high).
  const bool src_is_client = opening || (!has(p, tcp_syn) && p.src.port > p.dst.port);
  c.client.addr = src_is_client ? p.src : p.dst;
  c.server.addr = src_is_client ? p.dst : p.src;
  if (opening) {
    c.client.state = TcpState::closed;
    c.server.state = TcpState::listen;
  } else if (has(p, tcp_syn)) {  // SYN+ACK: the SYN was before the capture
    c.client.state = TcpState::syn_sent;
    c.server.state = TcpState::listen;
  } else {
    c.client.state = c.server.state = TcpState::established;
  }
  ++totals_.connections;
  return connections_.emplace(key, c).first->second;
}

TcpStep TcpTracker::handshake_step(const Packet& p, Side& s, Side& r) {
  if (has(p, tcp_syn)) {
    s.syn_sent = true;
    if (!has(p, tcp_ack)) {
      s.state = TcpState::syn_sent;
      if (r.state == TcpState::listen || r.state == TcpState::closed) r.state = TcpState::syn_recv;
      return TcpStep::handshake_1;
    }
    s.state = TcpState::syn_recv;
    if (r.state == TcpState::syn_sent) r.state = TcpState::established;  // it answers with the 3rd
    return TcpStep::handshake_2;
  }
  const bool third = r.state == TcpState::syn_recv && s.state == TcpState::established &&
                     has(p, tcp_ack) && r.isn_known && p.ack == r.isn + 1;
  if (!third) return TcpStep::none;
  r.state = TcpState::established;
  return TcpStep::handshake_3;
}

TcpStep TcpTracker::closing_step(const Packet& p, Side& s, Side& r, bool acks_fin) {
  if (has(p, tcp_fin)) {
    TcpStep step = TcpStep::wave_1;         // the active closer's FIN
    if (s.state == TcpState::close_wait) {  // the passive closer's
      step = !r.fin_acked && acks_fin ? TcpStep::wave_2_3 : TcpStep::wave_3;
      s.state = TcpState::last_ack;
    } else {
      s.state = TcpState::fin_wait_1;
    }
    receive_fin(r.state, acks_fin || r.fin_acked);
    return step;
  }
  if (!acks_fin) return TcpStep::none;
  switch (r.state) {
    case TcpState::fin_wait_1:
      r.state = TcpState::fin_wait_2;
      return TcpStep::wave_2;
    case TcpState::closing:
      r.state = TcpState::time_wait;
      return TcpStep::wave_4;
    case TcpState::last_ack:
      r.state = TcpState::closed;
      return TcpStep::wave_4;
    default:
      return TcpStep::none;
  }
}

void TcpTracker::count(const TcpEvent& e) {
  if (e.retransmission) ++totals_.retransmissions;
  switch (e.step) {
    case TcpStep::handshake_3:
      ++totals_.handshakes;
      break;
    case TcpStep::wave_4:
      ++totals_.closes;
      break;
    case TcpStep::refused:
      ++totals_.refused;
      break;
    case TcpStep::reset:
      ++totals_.resets;
      break;
    default:
      break;
  }
}

TcpEvent TcpTracker::on_segment(const Packet& p) {
  ++totals_.segments;
  bool created = false;
  Connection& c = connection_for(p, created);
  c.last_seen = ++clock_;
  TcpEvent e;
  e.from_client = c.client.addr == p.src;
  Side& s = e.from_client ? c.client : c.server;
  Side& r = e.from_client ? c.server : c.client;

  if (!s.isn_known) s.isn_known = true, s.isn = p.seq, s.next_seq = p.seq;
  const std::uint32_t end = p.seq + segment_length(p);
  // Everything it covers was sent before: a copy (the sender's timer or a duplicate).
  e.retransmission = !created && end != p.seq && seq_at_or_after(s.next_seq, end);
  if (seq_at_or_after(end, s.next_seq)) s.next_seq = end;
  e.rel_seq = p.seq - s.isn;
  e.rel_ack = has(p, tcp_ack) ? (r.isn_known ? p.ack - r.isn : p.ack) : 0;

  const bool acks_fin =
      has(p, tcp_ack) && r.fin_sent && !r.fin_acked && seq_at_or_after(p.ack, r.fin_end);
  if (has(p, tcp_rst)) {
    e.step = r.state == TcpState::syn_sent && !s.syn_sent ? TcpStep::refused : TcpStep::reset;
    s.state = r.state = TcpState::closed;
  } else if (!e.retransmission) {  // a copy moves nothing: the first one did
    e.step = handshake_step(p, s, r);
    if (!has(p, tcp_syn)) {  // the 3rd handshake may carry a FIN already: then that step shows
      if (const auto closing = closing_step(p, s, r, acks_fin); closing != TcpStep::none)
        e.step = closing;
    }
    if (e.step == TcpStep::none && p.length > 0) e.step = TcpStep::data;
  }
  if (has(p, tcp_fin)) s.fin_sent = true, s.fin_end = end;
  if (acks_fin) r.fin_acked = true;
  count(e);
  e.src_state = s.state;
  e.dst_state = r.state;
  return e;
}

}  // namespace sockit
