#include "session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "hub.hpp"
#include "sockit/chat/framing.hpp"
#include "sockit/core/log.hpp"
#include "sockit/server/with_timeout.hpp"

namespace sockit::chat {
namespace asio = boost::asio;
using asio::awaitable;
using namespace asio::experimental::awaitable_operators;

namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kFinalFlush{2000};  // bound on writing a goodbye
constexpr std::chrono::milliseconds kSlowConsumerLinger{1000};
constexpr int kKernelSendBuffer = 64 * 1024;           // Linux doubles it
}  // namespace

Session::Session(server::AsyncStream& socket, Address peer, Hub& hub, const ChatLimits& limits)
    : socket_(socket),
      peer_(std::move(peer)),
      hub_(hub),
      limits_(limits),
      rate_(limits.rate, limits.burst),
      wake_(socket.get_executor()),
      linger_(socket.get_executor()) {}

awaitable<void> Session::run() {
  // A fixed kernel send buffer: autotuning could otherwise hide megabytes of unread output
  // from a stalled reader before --max-queue-bytes ever sees it.
  boost::system::error_code ignored;  // a socket that refuses keeps the kernel's default
  socket_.set_option(asio::socket_base::send_buffer_size(kKernelSendBuffer), ignored);
  co_await (reader() && writer());
  finished_ = true;  // the socket dies with the caller's frame: late handlers must not touch it
  linger_.cancel();
}

void Session::deliver(Encoded message) {
  std::lock_guard lock(mu_);
  if (closing_) return;
  if (queued_bytes_ + message->size() > limits_.max_queue_bytes) {
    // Too slow to read what it is sent: cut it off so nobody else waits for it. Its backlog
    // is dropped; the error goes out if it ever reads again within a second.
    closing_ = true;
    reason_ = "slow_consumer";
    queue_.clear();
    auto error = std::make_shared<const std::string>(
        encode_error(Errc::slow_consumer, "too slow to read: disconnected", {}));
    queued_bytes_ = error->size();
    queue_.push_back(std::move(error));
    log_warn("{} ({}) dropped: slow consumer", peer_.to_string(), nickname);
    if (writer_idle_) wake_writer();
    close_socket_later(kSlowConsumerLinger);
    return;
  }
  queued_bytes_ += message->size();
  queue_.push_back(std::move(message));
  if (writer_idle_) wake_writer();
}

void Session::close_with(Errc code, const std::string& message) {
  std::lock_guard lock(mu_);
  if (closing_) return;
  auto text = std::make_shared<const std::string>(encode_error(code, message, {}));
  queued_bytes_ += text->size();
  queue_.push_back(std::move(text));
  closing_ = true;
  reason_ = std::string(code_name(code));
  if (writer_idle_) wake_writer();
  close_socket_later(kFinalFlush);
}

// Caller holds mu_. The writer waits on `wake_`; cancelling it wakes the writer.
void Session::wake_writer() {
  writer_idle_ = false;
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->wake_.cancel(); });
}

// Caller holds mu_. Closes the socket after `after`, ending both coroutines.
void Session::close_socket_later(std::chrono::milliseconds after) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), after] {
    if (self->finished_) return;
    self->linger_.expires_after(after);
    self->linger_.async_wait([self](boost::system::error_code) {
      if (self->finished_) return;
      boost::system::error_code ignored;  // already closed is fine
      self->socket_.close(ignored);
      self->wake_.cancel();
    });
  });
}

awaitable<void> Session::writer() {
  std::vector<Encoded> batch;
  std::vector<asio::const_buffer> buffers;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (queue_.empty()) {
        if (closing_ || !socket_.is_open()) break;
        writer_idle_ = true;
      } else {
        batch.assign(queue_.begin(), queue_.end());
        queue_.clear();
      }
    }
    if (batch.empty()) {
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(tuple_awaitable);
      continue;
    }
    buffers.clear();
    for (const auto& m : batch) buffers.emplace_back(asio::buffer(*m));
    auto [ec, n] = co_await asio::async_write(socket_, buffers, tuple_awaitable);
    {
      std::lock_guard lock(mu_);
      queued_bytes_ -= std::min(queued_bytes_, n);
    }
    batch.clear();
    if (ec) break;
  }
  boost::system::error_code ignored;  // the peer may be gone already
  socket_.shutdown(asio::socket_base::shutdown_both, ignored);
  socket_.close(ignored);
  linger_.cancel();
}

awaitable<void> Session::reader() {
  JsonFramer framer(limits_.max_frame_bytes);
  std::array<char, 16384> buffer;
  const auto login_deadline = std::chrono::steady_clock::now() + limits_.login_timeout;
  while (!stop_reading_) {
    boost::system::error_code ec;
    std::size_t n = 0;
    if (logged_in_) {  // the hot path: a plain read, no timer to race
      std::tie(ec, n) = co_await socket_.async_read_some(asio::buffer(buffer), tuple_awaitable);
    } else {
      const auto result = co_await server::with_timeout(
          socket_.async_read_some(asio::buffer(buffer), tuple_awaitable), login_deadline);
      if (!result) {
        close_with(Errc::login_timeout, "no login within the login timeout");
        break;
      }
      std::tie(ec, n) = *result;
    }
    if (ec) {
      std::lock_guard lock(mu_);
      if (reason_.empty()) reason_ = ec == asio::error::eof ? "closed by client" : ec.message();
      break;
    }
    framer.feed(std::string_view(buffer.data(), n));
    for (auto r = framer.next(); !stop_reading_; r = framer.next()) {
      using Status = JsonFramer::Result::Status;
      if (r.status == Status::need_more) break;
      if (r.status == Status::frame) {
        on_frame(r.frame);
      } else if (r.status == Status::bad_json) {
        reply_error(Errc::bad_json, "not a JSON object", {});
      } else {
        close_with(Errc::frame_too_large, "a message frame passed the frame limit");
        stop_reading_ = true;
      }
    }
  }
  hub_.remove(*this);
  std::lock_guard lock(mu_);
  closing_ = true;  // the writer finishes what is queued, then closes
  if (writer_idle_) wake_writer();
  close_socket_later(kFinalFlush);
}

std::string Session::close_reason() {
  std::lock_guard lock(mu_);
  return reason_.empty() ? "closed" : reason_;
}

void Session::reply_error(Errc code, const std::string& message, const std::string& req) {
  hub_.stats().errors.fetch_add(1, std::memory_order_relaxed);
  deliver(encode_error(code, message, req));
}

void Session::on_frame(const std::string& frame) {
  if (!rate_.allow()) return reply_error(Errc::rate_limited, "slow down", {});
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

}  // namespace sockit::chat
