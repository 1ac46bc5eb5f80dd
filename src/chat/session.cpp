#include "session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "hub.hpp"
#include "queue_budget.hpp"
#include "sockit/server/with_timeout.hpp"
#include "sockit/core/log.hpp"

namespace sockit::chat {
namespace asio = boost::asio;
using asio::awaitable;
using namespace asio::experimental::awaitable_operators;

namespace {
using server::tuple_awaitable;
constexpr std::chrono::milliseconds kFinalFlush{2000};  // bound on writing a goodbye
constexpr std::chrono::milliseconds kSlowConsumerLinger{1000};
// Owing output with no write completed for this long is stalled; only a stalled reader holding
// more than a quarter of the soft limit is cut for the total budget (a fast one may hold a few
// messages, or miss a scheduling slice, at any moment).
constexpr std::chrono::milliseconds kStalled{1000};
constexpr std::size_t kSoftShare = 4;
constexpr std::size_t kKeptBatch = 64;  // queue capacity an idle session keeps, in messages
}  // namespace

Session::Session(Transport& transport, Address peer, Hub& hub, const ChatLimits& limits)
    : transport_(transport),
      kind_(transport.kind()),
      peer_(std::move(peer)),
      hub_(hub),
      limits_(limits),
      rate_(limits.rate, limits.burst),
      wake_(transport.executor()),
      linger_(transport.executor()),
      login_timer_(transport.executor()) {}

awaitable<void> Session::run() {
  hub_.budget().join();
  start_login_timer();
  std::exception_ptr failure;
  try {
    co_await (reader() && writer());
  } catch (...) {
    failure = std::current_exception();
  }
  end();
  if (failure) std::rethrow_exception(failure);
}

// Every way out of run(): the transport dies with the caller's frame, so nothing may reach it
// after this (see the header).
void Session::end() {
  hub_.remove(*this);
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    if (reason_.empty()) reason_ = "error";
    hub_.budget().release(queue_.size() * QueueBudget::kEntryCost);
    queue_.clear();
  }
  hub_.budget().leave();
  finished_ = true;
  linger_.cancel();
  login_timer_.cancel();
  wake_.cancel();
}

// No login by the deadline: the session is told so and closed. A timer of its own rather than
// a race on every read, so the logged-in hot path reads without one.
void Session::start_login_timer() {
  login_timer_.expires_after(limits_.login_timeout);
  login_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->finished_ || self->logged_in_) return;
    self->close_with(Errc::login_timeout, "no login within the login timeout");
  });
}

void Session::deliver(std::string message) { deliver(hub_.budget().share(std::move(message))); }

void Session::deliver(Encoded message) {
  std::lock_guard lock(mu_);
  if (closing_) {
    hub_.stats().dropped(DropReason::closing);
    return;
  }
  if (too_slow(queued_bytes_ + message->size())) return cut_slow_consumer();
  enqueue(std::move(message));
}

// Caller holds mu_.
void Session::enqueue(Encoded message) {
  queued_bytes_ += message->size();
  hub_.budget().charge(QueueBudget::kEntryCost);
  queue_.push_back(std::move(message));
  if (writer_idle_) wake_writer();
}

// Caller holds mu_. Whether a reader that would owe `owed` bytes does not drain: past the hard
// limit, above the soft one for soft_queue_time, or stalled while holding more than its share
// of a budget that is spent.
bool Session::too_slow(std::size_t owed) {
  if (owed > limits_.max_queue_bytes) return true;
  const auto now = std::chrono::steady_clock::now();
  if (queued_bytes_ == 0) last_drained_ = now;  // owing nothing until now
  if (owed > limits_.soft_queue_bytes) {
    if (over_soft_since_ == std::chrono::steady_clock::time_point{}) over_soft_since_ = now;
    if (now - over_soft_since_ >= limits_.soft_queue_time) return true;
  }
  return now - last_drained_ >= kStalled && owed > limits_.soft_queue_bytes / kSoftShare &&
         hub_.budget().over_share(owed);
}

// Caller holds mu_. Cut off so nobody else waits for it: its backlog is dropped; the error
// goes out if it ever reads again within a second.
void Session::cut_slow_consumer() {
  closing_ = true;
  reason_ = "slow_consumer";
  hub_.stats().dropped(DropReason::slow_consumer, queue_.size() + 1);
  hub_.stats().error(Errc::slow_consumer);
  hub_.budget().release(queue_.size() * QueueBudget::kEntryCost);
  queue_.clear();
  queued_bytes_ = 0;
  enqueue(hub_.budget().share(encode_error(Errc::slow_consumer, "too slow to read: disconnected", {})));
  log_warn("{} ({}) dropped: slow consumer", peer_.to_string(), nickname);
  close_socket_later(kSlowConsumerLinger);
}

// The writer sent `bytes_written` of a batch of `entries` messages.
void Session::took_from_queue(std::size_t bytes_written, std::size_t entries) {
  hub_.budget().release(entries * QueueBudget::kEntryCost);
  std::lock_guard lock(mu_);
  queued_bytes_ -= std::min(queued_bytes_, bytes_written);
  last_drained_ = std::chrono::steady_clock::now();
  if (queued_bytes_ <= limits_.soft_queue_bytes) over_soft_since_ = {};
}

void Session::close_with(Errc code, const std::string& message) {
  std::lock_guard lock(mu_);
  if (closing_) return;
  enqueue(hub_.budget().share(encode_error(code, message, {})));
  closing_ = true;
  reason_ = std::string(code_name(code));
  hub_.stats().error(code);
  close_socket_later(kFinalFlush);
}

bool Session::closing() {
  std::lock_guard lock(mu_);
  return closing_;
}

// Caller holds mu_. The writer waits on `wake_`; cancelling it wakes the writer.
void Session::wake_writer() {
  writer_idle_ = false;
  asio::post(transport_.executor(), [self = shared_from_this()] { self->wake_.cancel(); });
}

// Caller holds mu_. Closes the connection after `after` (or sooner, if an earlier call asked
// for sooner), ending both coroutines.
void Session::close_socket_later(std::chrono::milliseconds after) {
  asio::post(transport_.executor(), [self = shared_from_this(), after] {
    if (self->finished_) return;
    const auto when = asio::steady_timer::clock_type::now() + after;
    if (self->linger_armed_ && self->linger_.expiry() <= when) return;
    self->linger_armed_ = true;
    self->linger_.expires_at(when);  // a wait set for later is cancelled: ignore that one
    self->linger_.async_wait([self](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted || self->finished_) return;
      self->transport_.abort();
      self->wake_.cancel();
    });
  });
}

awaitable<void> Session::writer() {
  std::vector<Encoded> batch;
  bool failed = false;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (queue_.empty()) {
        if (closing_) break;
        writer_idle_ = true;
      } else {
        batch.swap(queue_);  // the writer takes everything queued; the queue gets an empty vector
      }
    }
    if (batch.empty()) {
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(tuple_awaitable);
      continue;
    }
    auto [ec, n] = co_await transport_.write(batch);
    took_from_queue(n, batch.size());
    batch.clear();
    if (batch.capacity() > kKeptBatch) batch.shrink_to_fit();  // a burst's memory goes back
    if (ec) {
      failed = true;
      break;
    }
  }
  if (failed) {
    transport_.abort();
  } else {
    co_await transport_.finish(close_reason());
  }
  linger_.cancel();
}

awaitable<void> Session::reader() {
  std::vector<Inbound> input;
  while (!stop_reading_) {
    input.clear();
    const auto ec = co_await transport_.read(input);
    if (ec) {
      std::lock_guard lock(mu_);
      const bool left = ec == asio::error::eof || ec == asio::error::connection_reset;
      if (reason_.empty()) reason_ = left ? "closed by client" : ec.message();
      break;
    }
    if (closing()) continue;  // a goodbye is on its way: requests are no longer served
    for (auto& in : input) {
      if (stop_reading_) break;
      on_input(in);
    }
  }
  hub_.remove(*this);
  std::lock_guard lock(mu_);
  closing_ = true;  // the writer finishes what is queued, then closes
  if (writer_idle_) wake_writer();
  close_socket_later(kFinalFlush);
}

void Session::on_input(Inbound& in) {
  switch (in.kind) {
    case Inbound::Kind::frame:
      return on_frame(in.frame);
    case Inbound::Kind::bad_json:
      return reply_error(Errc::bad_json, "not a JSON object", {});
    case Inbound::Kind::too_large:
      close_with(Errc::frame_too_large, "a message frame passed the frame limit");
      stop_reading_ = true;
      return;
  }
}

std::string Session::close_reason() {
  std::lock_guard lock(mu_);
  return reason_.empty() ? "closed" : reason_;
}

void Session::reply_error(Errc code, const std::string& message, const std::string& req) {
  hub_.stats().error(code);
  deliver(encode_error(code, message, req));
}

void Session::on_frame(const std::string& frame) {
  if (!rate_.allow()) {
    hub_.stats().dropped(DropReason::rate_limited);
    return reply_error(Errc::rate_limited, "slow down", {});
  }
  Limits limits;
  limits.max_message_bytes = limits_.max_message_bytes;
  const Parsed parsed = parse_request(frame, limits);
  if (parsed.error) return reply_error(*parsed.error, parsed.error_message, parsed.req);
  dispatch(*parsed.request, parsed.req);
}

void Session::dispatch(const Request& request, const std::string& req) {
  if (std::holds_alternative<Ping>(request)) return deliver(encode_pong(req));
  if (const auto* login = std::get_if<Login>(&request)) {
    hub_.login(*this, login->nickname, req);
    logged_in_ = id != 0;
    return;
  }
  if (!logged_in_) return reply_error(Errc::not_logged_in, "log in first", req);
  if (const auto* b = std::get_if<Broadcast>(&request)) {
    if (b->sender_id && *b->sender_id != id) {
      return reply_error(Errc::forbidden, "sender_id is not yours", req);
    }
    return hub_.broadcast(*this, *b, req);
  }
  if (const auto* d = std::get_if<Direct>(&request)) return hub_.direct(*this, *d, req);
  if (const auto* j = std::get_if<Join>(&request)) return hub_.join(*this, j->room, req);
  if (const auto* l = std::get_if<Leave>(&request)) return hub_.leave(*this, l->room, req);
  if (const auto* w = std::get_if<Who>(&request)) return hub_.who(*this, w->room, req);
  if (std::holds_alternative<Rooms>(request)) return hub_.rooms(*this, req);
  if (const auto* h = std::get_if<History>(&request)) return hub_.history(*this, *h, req);
  if (std::holds_alternative<Logout>(request)) {
    deliver(encode_bye(req));
    std::lock_guard lock(mu_);
    reason_ = "logout";
    stop_reading_ = true;
  }
}

awaitable<void> serve_chat_connection(Transport& transport, const Address& peer, Hub& hub,
                                      const ChatLimits& limits) {
  const auto via = transport_name(transport.kind());
  auto session = std::make_shared<Session>(transport, peer, hub, limits);
  if (!hub.admit(session)) {
    log_warn("{} ({}) refused: server full", peer.to_string(), via);
    hub.stats().refused();
    const std::vector<Encoded> refusal{std::make_shared<const std::string>(
        encode_error(Errc::server_full, "the server is full", {}))};
    co_await transport.write(refusal);
    co_await transport.finish(code_name(Errc::server_full));
    co_return;
  }
  log_info("{} connected ({})", peer.to_string(), via);
  try {
    co_await session->run();
  } catch (const std::exception& e) {
    log_error("{} ({}) ended by an error: {}", peer.to_string(), via, e.what());
  }
  log_info("{} disconnected ({}{})", peer.to_string(),
           session->id ? session->nickname + "(" + std::to_string(session->id) + "), " : "",
           session->close_reason());
}

}  // namespace sockit::chat
