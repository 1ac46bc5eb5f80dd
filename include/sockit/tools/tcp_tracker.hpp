// TcpTracker: follows TCP connections through their segments, as `sockit trace` sees them on
// the wire, and names each segment's part in the connection's life (1st-3rd handshake,
// 1st-4th wave, data, reset) and both endpoints' RFC 9293 states after it. Pure: segments
// in, annotations out; no capture, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "sockit/tools/packet.hpp"

namespace sockit {

/// The TCP states as Linux's ss names them.
enum class TcpState {
  unknown,
  closed,
  listen,
  syn_sent,
  syn_recv,
  established,
  fin_wait_1,
  fin_wait_2,
  close_wait,
  closing,
  last_ack,
  time_wait
};
/// "SYN_SENT", "ESTABLISHED"... ("?" for unknown). Pure.
std::string_view state_name(TcpState state) noexcept;
/// The state named `name` (as state_name prints it, case-insensitive, '-' for '_' allowed);
/// nullopt for anything else. Pure.
std::optional<TcpState> parse_state(std::string_view name);

/// A segment's part in the connection's life.
enum class TcpStep {
  none,         ///< a bare ACK, a window update, a keep-alive
  handshake_1,  ///< SYN: the client asks to connect
  handshake_2,  ///< SYN+ACK: the server agrees
  handshake_3,  ///< ACK of the SYN+ACK: both established
  data,         ///< payload
  wave_1,       ///< the first FIN: the active closer is done sending
  wave_2,       ///< the ACK of that FIN
  wave_2_3,     ///< the ACK and the passive side's FIN in one segment
  wave_3,       ///< the passive closer's FIN
  wave_4,       ///< the ACK of the last FIN
  refused,      ///< RST answering a SYN: nothing listens on the port
  reset,        ///< RST on a connection: aborted
};
/// "handshake_1"... ("" for none): the `step` of `sockit trace --json`. Pure.
std::string_view step_key(TcpStep step) noexcept;

/// What one segment meant. Value type.
struct TcpEvent {
  TcpStep step = TcpStep::none;
  bool retransmission = false;
  bool from_client = true;  ///< sent by the side that opened (or, seen mid-stream, the higher port)
  std::uint32_t rel_seq = 0;  ///< relative to the sender's first sequence number
  std::uint32_t rel_ack = 0;  ///< relative to the receiver's first sequence number (when known)
  TcpState src_state = TcpState::unknown;  ///< the sender's state after the segment
  TcpState dst_state = TcpState::unknown;  ///< the receiver's state after it
};

/// Counts over everything tracked. Value type.
struct TcpTotals {
  std::size_t segments = 0, connections = 0, handshakes = 0, closes = 0, resets = 0, refused = 0,
              retransmissions = 0;
};

/// Follows connections by their address pairs; at most `max_connections` at once (the least
/// recently seen is forgotten first). Not thread safe; one per capture.
class TcpTracker {
 public:
  explicit TcpTracker(std::size_t max_connections = 4096);
  /// Reads one TCP segment (`packet.kind` must be tcp) and tells what it meant.
  TcpEvent on_segment(const Packet& packet);
  const TcpTotals& totals() const noexcept { return totals_; }

 private:
  struct Side {
    IpPort addr;
    TcpState state = TcpState::unknown;
    bool isn_known = false, syn_sent = false, fin_sent = false, fin_acked = false;
    std::uint32_t isn = 0, next_seq = 0, fin_end = 0;
  };
  struct Connection {
    Side client, server;
    std::uint64_t last_seen = 0;
  };
  using Key = std::pair<IpPort, IpPort>;

  Connection& connection_for(const Packet& p, bool& created);
  // The step of a SYN, a SYN+ACK or the ACK completing the handshake (moving s and r);
  // none for anything else.
  static TcpStep handshake_step(const Packet& p, Side& s, Side& r);
  // The step of a FIN or of the ACK of one (moving s and r); none for anything else.
  static TcpStep closing_step(const Packet& p, Side& s, Side& r, bool acks_fin);
  void count(const TcpEvent& e);
  void forget_oldest();

  std::size_t max_connections_;
  std::map<Key, Connection> connections_;
  std::uint64_t clock_ = 0;
  TcpTotals totals_;
};

}  // namespace sockit
