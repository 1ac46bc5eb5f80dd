#include "chat/core/session.hpp"

#include <fmt/core.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "chat/core/queue_budget.hpp"
#include "sockit/core/log.hpp"
#include "sockit/core/overloaded.hpp"
#include "sockit/server/async_server.hpp"
#include "sockit/server/with_timeout.hpp"

namespace sockit::chat {
namespace asio = boost::asio;
using asio::awaitable;

namespace {
using server::tuple_awaitable;
constexpr std::chrono::milliseconds kFinalFlush{2000};  // bound on writing a goodbye
constexpr std::chrono::milliseconds kSlowConsumerLinger{1000};
// Owing output with no write completed for this long is stalled; only a stalled reader holding
// more than a quarter of the soft limit is cut for the total budget (a fast one may hold a few
// messages, or miss a scheduling slice, at any moment).
constexpr std::chrono::milliseconds kStalled{1000};
constexpr std::size_t kSoftShare = 4;
constexpr std::size_t kKeptQueue = 8;  // queue capacity a session keeps between turns, in messages
// The writer takes whole messages up to this many bytes at a time (at least one message): what
// is queued behind them is not yet handed to the transport, so a slow consumer's cut can drop
// it and put its slow_consumer error next. A TLS or WebSocket write cannot be taken back once
// started: without a bound the whole backlog went in flight and the error never got through.
constexpr std::size_t kWriterChunk = 64 * 1024;

using Clock = std::chrono::steady_clock;

bool peer_left(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe;
}
}  // namespace

Session::Session(Transport& transport, const Address& peer, Hub& hub, const ChatLimits& limits)
    : transport_(transport), peer_(peer), hub_(hub), limits_(limits), rate_(limits.rate, limits.burst) {}

Session::Session(std::unique_ptr<Transport> transport, const Address& peer, Hub& hub,
                 const ChatLimits& limits)
    : owned_(std::move(transport)),
      transport_(*owned_),
      peer_(peer),
      hub_(hub),
      limits_(limits),
      rate_(limits.rate, limits.burst) {}

// The connection's one long-lived coroutine: it reads and serves requests, then ends the
// session. Its frame owns the Session and holds nothing else an idle connection must keep
// (what it reads is handled in take_input, outside the frame).
awaitable<void> Session::serve(std::shared_ptr<Session> self) {
  self->hub_.budget().join();
  self->start_login_timer();
  while (self->take_input()) {
    const auto [ec] = co_await self->transport_.readable();
    if (ec) self->input_ended(ec);
  }
  co_await self->end();
}

// Reads and serves what has arrived; false once the input has ended (or must no longer be
// read), true when it is time to wait for more.
bool Session::take_input() {
  try {
    while (!stop_reading_) {
      std::vector<Inbound> input;  // per read: an idle connection holds none
      const auto ec = transport_.read_now(input);
      if (ec == asio::error::would_block) return true;
      if (ec) return input_ended(ec), false;
      serve_input(input);
    }
  } catch (const std::exception& e) {
    log_error("{} ({}) ended by an error: {}", peer_.to_string(), transport_name(transport_.kind()),
              e.what());
    end_with(DisconnectReason::error);
  }
  return false;
}

void Session::input_ended(const boost::system::error_code& ec) {
  if (ec == asio::error::operation_aborted) {
    end_with(DisconnectReason::client_closed);
  } else {
    ended_by(ec);
  }
  stop_reading_ = true;
}

// The reader is done: the session leaves the hub, writes what it owes and ends the transport.
awaitable<void> Session::end() {
  hub_.detach(member_);  // nothing more is queued from now on
  end_with(DisconnectReason::client_closed);
  hub_.stats().disconnected(transport_.kind(), reason());  // counted when it leaves the room
  flush();  // what is owed, then the end of the transport
  co_await wait_for_writer();
  finished_ = true;
  timer_.reset();
  out_.clear();
  head_ = 0;
  settle_budget();
  hub_.budget().leave();
  log_info("{} disconnected ({}{}{})", peer_.to_string(),
           member_.id() ? fmt::format("{}({}), ", member_.nickname(), member_.id()) : std::string(),
           disconnect_reason_name(reason()), error_ ? ": " + error_.message() : std::string());
}

// No more requests; what is queued is still written. The first reason given is the one kept.
void Session::end_with(DisconnectReason why) {
  closing_ = true;
  if (!reason_) reason_ = why;
}

// A read or write ended the connection with `ec`: the peer left, or an error, which the log
// line names.
void Session::ended_by(const boost::system::error_code& ec) {
  if (peer_left(ec)) return end_with(DisconnectReason::client_closed);
  if (!reason_) error_ = ec;
  end_with(DisconnectReason::error);
}

// The writer gets kFinalFlush to write what is owed and end the transport; then the
// transport is aborted, which ends the writer's pending operation at once.
awaitable<void> Session::wait_for_writer() {
  if (!writing_) co_return;
  asio::steady_timer done(transport_.executor(), kFinalFlush);
  writer_done_ = &done;
  co_await done.async_wait(tuple_awaitable);
  if (writing_) {
    transport_.abort();
    done.expires_at(asio::steady_timer::time_point::max());
    co_await done.async_wait(tuple_awaitable);
  }
  writer_done_ = nullptr;
}

// No login by the deadline: the session is told so and closed. A timer only until login, so
// a logged-in idle connection holds none.
void Session::start_login_timer() {
  timer_ = std::make_unique<asio::steady_timer>(transport_.executor(), limits_.login_timeout);
  timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->finished_ || self->member_.id() != 0) return;
    self->close_with(Errc::login_timeout, "no login within the login timeout");
  });
}

// ---- Output ----

void Session::push(const Encoded& message) {
  if (closing_) return hub_.stats().dropped(DropReason::closing);
  if (too_slow(owed_bytes_ + message->size())) return cut_slow_consumer();
  owed_bytes_ += message->size();
  out_.push_back(message);
}

// Whether a reader that would owe `owed` bytes does not drain: past the hard limit, above the
// soft one for soft_queue_time, or stalled while holding more than its share of a budget that
// is spent. A reader owing little (the hot path) costs no clock reading.
bool Session::too_slow(std::size_t owed) {
  if (owed > limits_.max_queue_bytes) return true;
  if (owed_bytes_ == 0) last_drained_ = {};  // owing nothing until now
  if (owed <= limits_.soft_queue_bytes / kSoftShare) return false;
  const auto now = std::chrono::steady_clock::now();
  if (last_drained_ == Clock::time_point{}) last_drained_ = now;
  if (owed > limits_.soft_queue_bytes) {
    if (over_soft_since_ == Clock::time_point{}) over_soft_since_ = now;
    if (now - over_soft_since_ >= limits_.soft_queue_time) return true;
  }
  return now - last_drained_ >= kStalled && hub_.budget().over_share(owed);
}

// Cut off so nobody else waits for it: its backlog is dropped; the error goes out if it ever
// reads again within a second.
void Session::cut_slow_consumer() {
  hub_.stats().dropped(DropReason::slow_consumer, out_.size() - head_ + 1);
  hub_.stats().error(Errc::slow_consumer);
  out_.resize(head_ + (offset_ > 0 ? 1 : 0));  // a message half written is finished
  owed_bytes_ = out_.size() > head_ ? out_[head_]->size() - offset_ : 0;
  settle_budget();
  push(hub_.budget().share(encode_error(Errc::slow_consumer, "too slow to read: disconnected", {})));
  end_with(DisconnectReason::slow_consumer);
  log_warn("{} ({}) dropped: slow consumer", peer_.to_string(), member_.nickname());
  close_later(kSlowConsumerLinger);
}

void Session::close_with(Errc code, std::string_view message) {
  if (closing_) return;
  push(hub_.budget().share(encode_error(code, message, {})));
  end_with(disconnect_reason_for(code));
  hub_.stats().error(code);
  close_later(kFinalFlush);
  flush();
}

// End of a loop turn: a reader that keeps up takes everything in one non-blocking write;
// the rest, a transport that cannot write without waiting, and the end of the connection
// are the writer coroutine's.
void Session::flush() {
  if (queued_) return;  // the ring's submit reports, then does the rest (sent())
  if (!writing_ && !finished_ && head_ < out_.size() && transport_.can_try_write()) write_now();
  rest_to_writer();
}

// The same write, batched with the loop's other connections' (one io_uring_enter for all).
void Session::flush(server::SendRing& ring) {
  if (queued_ || writing_ || finished_ || ended_ || head_ >= out_.size()) return flush();
  queued_ = transport_.queue_write(ring, std::span(out_).subspan(head_), offset_, *this);
  if (!queued_) flush();  // a transport that writes through its stream
}

// The ring's submit reports (before any other work of the loop: nothing touched the queue).
void Session::sent(int result) {
  queued_ = false;
  if (result >= 0) took(static_cast<std::size_t>(result));
  wrote(result >= 0 ? boost::system::error_code{}
                    : boost::system::error_code(-result, boost::system::system_category()));
  rest_to_writer();
}

// What a write that needs no waiting left — bytes still owed, or the end of the connection —
// is the writer coroutine's; then the budget is settled for the turn.
void Session::rest_to_writer() {
  if (!writing_ && !finished_ && (head_ < out_.size() || (closing_ && !ended_))) start_writer();
  settle_budget();
}

// The total budget counts queue entries once a turn, not on every push: a reader that keeps
// up owes nothing at the end of a turn and touches no shared counter.
void Session::settle_budget() {
  const auto entries = out_.size() - head_ + in_flight_;
  if (entries > charged_) hub_.budget().charge((entries - charged_) * QueueBudget::kEntryCost);
  if (entries < charged_) hub_.budget().release((charged_ - entries) * QueueBudget::kEntryCost);
  charged_ = entries;
}

void Session::write_now() {
  boost::system::error_code ec;
  const auto n = transport_.try_write(std::span(out_).subspan(head_), offset_, ec);
  took(n);
  wrote(ec);
}

// A write that needs no waiting has ended: a full socket is the writer's to wait for; any
// other error ends the connection.
void Session::wrote(const boost::system::error_code& ec) {
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    output_failed(ec);
    transport_.abort();
    ended_ = true;
  }
}

void Session::start_writer() {
  writing_ = true;
  asio::co_spawn(transport_.executor(), writer(shared_from_this()), server::LogFailure{"chat writer"});
}

awaitable<void> Session::writer(std::shared_ptr<Session> /*keeps it alive*/) {
  std::vector<Encoded> batch;
  bool failed = false;
  while (head_ < out_.size() && !finished_) {
    const auto offset = offset_;
    take_chunk(batch);
    in_flight_ = batch.size();
    const auto [ec, n] = co_await transport_.write(batch, offset);
    owed_bytes_ -= std::min(owed_bytes_, n);
    drained();
    in_flight_ = 0;
    batch.clear();
    settle_budget();
    if (ec) {
      output_failed(ec);
      failed = true;
      break;
    }
  }
  if (!finished_ && closing_ && !ended_) {
    ended_ = true;
    if (failed) {
      transport_.abort();
    } else {
      co_await transport_.finish(reason());
    }
  }
  writing_ = false;
  if (writer_done_) writer_done_->cancel();
}

// Moves the next whole messages, up to kWriterChunk bytes (at least one), from the queue to
// `batch`; `offset_` bytes of the first were written before (try_write).
void Session::take_chunk(std::vector<Encoded>& batch) {
  std::size_t bytes = 0;
  auto end = head_;
  while (end < out_.size() && (end == head_ || bytes + out_[end]->size() <= kWriterChunk)) {
    bytes += out_[end]->size();
    ++end;
  }
  const auto first = out_.begin() + static_cast<std::ptrdiff_t>(head_);
  batch.assign(std::make_move_iterator(first),
               std::make_move_iterator(out_.begin() + static_cast<std::ptrdiff_t>(end)));
  head_ = end;
  offset_ = 0;
  if (head_ == out_.size()) {
    out_.clear();
    head_ = 0;
  } else if (head_ >= kKeptQueue && 2 * head_ >= out_.size()) {  // a backlog that never empties
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

// `n` bytes of the owed messages were written: they leave the queue.
void Session::took(std::size_t n) {
  owed_bytes_ -= std::min(owed_bytes_, n);
  while (n > 0 && head_ < out_.size()) {
    const auto rest = out_[head_]->size() - offset_;
    if (n < rest) {
      offset_ += n;
      break;
    }
    n -= rest;
    out_[head_++].reset();
    offset_ = 0;
  }
  if (head_ == out_.size()) {
    out_.clear();
    head_ = 0;
    if (out_.capacity() > kKeptQueue) out_.shrink_to_fit();  // a burst's memory goes back
  }
  drained();
}

void Session::drained() {
  if (owed_bytes_ <= limits_.soft_queue_bytes) over_soft_since_ = {};
  last_drained_ = owed_bytes_ == 0 ? Clock::time_point{} : Clock::now();  // {}: owes nothing
}

// A write failed: the connection ends, and what it owed can no longer be sent.
void Session::output_failed(const boost::system::error_code& ec) {
  ended_by(ec);
  drop_owed();
}

void Session::drop_owed() {
  out_.clear();
  head_ = offset_ = 0;
  owed_bytes_ = 0;
  settle_budget();
}

// Closes the connection after `after` (or sooner, if an earlier call asked for sooner); the
// abort ends the reader and any write in progress.
void Session::close_later(std::chrono::milliseconds after) {
  const auto when = asio::steady_timer::clock_type::now() + after;
  if (close_armed_ && timer_->expiry() <= when) return;
  if (!timer_) timer_ = std::make_unique<asio::steady_timer>(transport_.executor());
  close_armed_ = true;
  timer_->expires_at(when);  // a login deadline still waiting is cancelled: it ignores that
  timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted || self->finished_) return;
    self->transport_.abort();
  });
}

// ---- Input ----

void Session::serve_input(std::vector<Inbound>& input) {
  if (closing_) return;  // a goodbye is on its way: requests are no longer served
  for (auto& in : input) {
    if (stop_reading_ || closing_) return;
    on_input(in);
  }
}

void Session::on_input(Inbound& in) {
  switch (in.kind) {
    case Inbound::Kind::frame:
      return on_frame(in.frame);
    case Inbound::Kind::bad_json:
      return hub_.refuse(member_, Errc::bad_json, "not a JSON object", {});
    case Inbound::Kind::too_large:
      close_with(Errc::frame_too_large, "a message frame passed the frame limit");
      stop_reading_ = true;
      return;
  }
}

// The frame is parsed before the rate limit is applied, so that a refusal carries the request's
// `req` like every other answer (a frame is bounded by the frame limit, and parsing it costs
// the sender's own loop far less than what the limit protects: a fan-out to every member). A
// ping spends no token: it is answered to the sender alone, and a client checking the link
// after a legal burst must get its pong.
void Session::on_frame(const std::string& frame) {
  Limits limits;
  limits.max_message_bytes = limits_.max_message_bytes;
  const Parsed parsed = parse_request(frame, limits);
  const bool ping = !parsed.error && std::holds_alternative<Ping>(*parsed.request);
  if (!ping && !rate_.allow()) {
    hub_.stats().dropped(DropReason::rate_limited);
    return hub_.refuse(member_, Errc::rate_limited, "slow down", parsed.req);
  }
  if (parsed.error) return hub_.refuse(member_, *parsed.error, parsed.error_message, parsed.req);
  dispatch(*parsed.request, parsed.req);
}

// Every request type has its case: a new one in protocol.hpp does not compile until it is
// handled here.
void Session::dispatch(const Request& request, const std::string& req) {
  // (the Hub runs a deferred request on this loop while the connection is attached)
  if (member_.busy()) {
    return hub_.defer(member_, [this, request, req] { dispatch(request, req); }, req);
  }
  if (std::holds_alternative<Ping>(request)) return hub_.answer(member_, encode_pong(req));
  if (const auto* login = std::get_if<Login>(&request)) return on_login(*login, req);
  if (member_.id() == 0) return hub_.refuse(member_, Errc::not_logged_in, "log in first", req);
  std::visit(Overloaded{[&](const Ping&) {},  // answered above
                        [&](const Login&) {},  // answered above
                        [&](const Broadcast& b) {
                          if (b.sender_id && *b.sender_id != member_.id()) {
                            return hub_.refuse(member_, Errc::forbidden, "sender_id is not yours", req);
                          }
                          hub_.broadcast(member_, b, req);
                        },
                        [&](const Direct& d) { hub_.direct(member_, d, req); },
                        [&](const Join& j) { hub_.join(member_, j, req); },
                        [&](const Leave& l) { hub_.leave(member_, l.room, req); },
                        [&](const Who& w) { hub_.who(member_, w.room, req); },
                        [&](const Rooms&) { hub_.rooms(member_, req); },
                        [&](const History& h) { hub_.history(member_, h, req); },
                        [&](const Invite& i) { hub_.invite(member_, i, req); },
                        [&](const Kick& k) { hub_.kick(member_, k, req); },
                        [&](const Logout&) {
                          hub_.answer(member_, encode_bye(req));
                          end_with(DisconnectReason::logout);
                          stop_reading_ = true;
                        }},
             request);
}

void Session::on_login(const Login& login, const std::string& req) {
  const bool first = member_.id() == 0;
  if (hub_.accounts()) member_.set_source(peer_.host());  // the throttle counts by address
  hub_.login(member_, login, req);
  if (!first || member_.id() == 0) return;
  log_info("{} logged in as {}({})", peer_.to_string(), member_.nickname(), member_.id());
  if (!close_armed_) timer_.reset();  // the login deadline is met
}

// ---- A connection's life ----

namespace {
// `session` (never served) keeps the transport alive while the refusal is written.
awaitable<void> refuse_full(std::shared_ptr<Session> /*holds the transport*/, Transport& transport,
                            const Address& peer, Hub& hub) {
  log_warn("{} ({}) refused: server full", peer.to_string(), transport_name(transport.kind()));
  hub.stats().refused();
  const std::vector<Encoded> refusal{std::make_shared<const std::string>(
      encode_error(Errc::server_full, "the server is full", {}))};
  co_await transport.write(refusal, 0);
  co_await transport.finish(DisconnectReason::server_full);
}
}  // namespace

namespace {
// Not a coroutine itself: the session's own coroutine is the only frame a connection keeps.
awaitable<void> start(std::shared_ptr<Session> session, Transport& transport, const Address& peer,
                      Hub& hub) {
  if (!hub.attach(session->member(), *session, transport.executor())) {
    return refuse_full(std::move(session), transport, peer, hub);
  }
  hub.stats().connected(transport.kind());
  log_info("{} connected ({})", peer.to_string(), transport_name(transport.kind()));
  return Session::serve(std::move(session));
}
}  // namespace

awaitable<void> serve_chat_connection(Transport& transport, const Address& peer, Hub& hub,
                                      const ChatLimits& limits) {
  return start(std::make_shared<Session>(transport, peer, hub, limits), transport, peer, hub);
}

awaitable<void> serve_chat_connection(std::unique_ptr<Transport> transport, const Address& peer,
                                      Hub& hub, const ChatLimits& limits) {
  Transport& t = *transport;
  return start(std::make_shared<Session>(std::move(transport), peer, hub, limits), t, peer, hub);
}

}  // namespace sockit::chat
