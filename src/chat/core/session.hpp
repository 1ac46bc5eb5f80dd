// Internal: one chat connection — a reader coroutine (frames, requests, limits) and an outbox
// of shared, already-encoded messages — over any Transport (TCP or WebSocket).
//
// Threads: everything runs on the connection's loop (its Shard's), so nothing here is
// locked. Output is written at the end of a loop turn (Outbox::flush): on TCP first with one
// non-blocking gathered write, which a reader that keeps up always takes whole; only what
// the kernel does not take, and everything on WebSocket, goes through a writer coroutine
// that lives while there is something to write.
//
// Ownership: the Session is shared — by its serve() coroutine and by the writer coroutine and
// timer handlers it starts. The Transport is not: it lives in the caller's coroutine frame, so
// serve() returns only once the writer has ended, and handlers that outlive it check
// finished_ before touching the transport.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "chat/core/hub.hpp"
#include "chat/core/outbox.hpp"
#include "sockit/chat/core/limits.hpp"
#include "sockit/chat/protocol/protocol.hpp"
#include "sockit/chat/core/rate_limiter.hpp"
#include "sockit/socket/address.hpp"
#include "chat/core/stats.hpp"
#include "chat/transport/transport.hpp"
#include "server/send_ring.hpp"

namespace sockit::chat {

class Session final : public Outbox,
                      public server::SendRing::Completion,
                      public std::enable_shared_from_this<Session> {
 public:
  /// `peer` and `transport` must outlive serve().
  Session(Transport& transport, const Address& peer, Hub& hub, const ChatLimits& limits);
  /// The same, owning the transport (so no coroutine frame has to hold it).
  Session(std::unique_ptr<Transport> transport, const Address& peer, Hub& hub, const ChatLimits& limits);

  /// Serves the connection until it closes, then logs why. Await once, on the transport's
  /// executor, after hub.attach(session->member(), *session, ...) succeeded.
  static boost::asio::awaitable<void> serve(std::shared_ptr<Session> session);

  // Outbox, on the loop. A reader that does not drain (ChatLimits: hard, soft-for-a-time, or
  // its share of the total) is sent slow_consumer and closed; after the session closed,
  // messages are dropped.
  void push(const Encoded& message) override;
  void flush() override;
  void flush(server::SendRing& ring) override;
  void close_with(Errc code, std::string_view message) override;

  Member& member() noexcept { return member_; }
  /// Why the connection ended; client_closed while it has not. On the loop.
  DisconnectReason reason() const noexcept { return reason_.value_or(DisconnectReason::client_closed); }

 private:
  bool take_input();
  void input_ended(const boost::system::error_code& ec);
  void serve_input(std::vector<Inbound>& input);
  boost::asio::awaitable<void> end();
  boost::asio::awaitable<void> writer(std::shared_ptr<Session> self);
  boost::asio::awaitable<void> wait_for_writer();
  void on_input(Inbound& in);
  void on_frame(const std::string& frame);
  void dispatch(const Request& request, const std::string& req);
  void on_login(const Login& login, const std::string& req);
  void end_with(DisconnectReason why);
  void ended_by(const boost::system::error_code& ec);
  void start_writer();
  void rest_to_writer();
  void take_chunk(std::vector<Encoded>& batch);
  void write_now();
  void sent(int result) override;  // a batched write's result (SendRing::Completion)
  void wrote(const boost::system::error_code& ec);
  void took(std::size_t bytes);
  void drained();
  void output_failed(const boost::system::error_code& ec);
  void drop_owed();
  void settle_budget();
  bool too_slow(std::size_t owed);
  void cut_slow_consumer();
  void close_later(std::chrono::milliseconds after);
  void start_login_timer();

  std::unique_ptr<Transport> owned_;  // null when the caller owns the transport
  Transport& transport_;
  const Address& peer_;
  Hub& hub_;
  const ChatLimits& limits_;
  Member member_;
  RateLimiter rate_;

  // Output: messages [head_, end) of out_ are owed; `offset_` bytes of out_[head_] are sent.
  std::vector<Encoded> out_;
  std::size_t head_ = 0;
  std::size_t offset_ = 0;
  std::size_t owed_bytes_ = 0;
  std::size_t in_flight_ = 0;  // messages the writer is writing (out of out_)
  std::size_t charged_ = 0;    // queue entries counted in the hub's budget
  std::chrono::steady_clock::time_point over_soft_since_{};  // {} while at or under the soft limit
  std::chrono::steady_clock::time_point last_drained_{};     // a write completed; {}: owes nothing

  std::optional<DisconnectReason> reason_;  // set once: the first cause wins
  boost::system::error_code error_;         // what ended it, when reason_ is error by a failed I/O
  bool stop_reading_ = false;
  bool closing_ = false;      // no more requests served, no more messages queued
  bool writing_ = false;      // the writer coroutine runs
  bool ended_ = false;        // the transport's end (finish or abort) has begun
  bool close_armed_ = false;  // timer_ holds the close deadline
  bool finished_ = false;     // serve() has ended: the transport is gone
  bool queued_ = false;       // a write is in the loop's SendRing until its submit
  // The login deadline until login, then the close deadline once closing; none while idle.
  std::unique_ptr<boost::asio::steady_timer> timer_;
  boost::asio::steady_timer* writer_done_ = nullptr;  // end() waits on it for the writer
};

/// Admits a new connection to `hub` and serves it as a Session until it ends (with a log line
/// either way); a full server answers server_full and closes. Call on the transport's
/// executor; the transport and `peer` must outlive the call.
boost::asio::awaitable<void> serve_chat_connection(Transport& transport, const Address& peer,
                                                   Hub& hub, const ChatLimits& limits);
/// The same, the session owning the transport.
boost::asio::awaitable<void> serve_chat_connection(std::unique_ptr<Transport> transport,
                                                   const Address& peer, Hub& hub,
                                                   const ChatLimits& limits);

}  // namespace sockit::chat
