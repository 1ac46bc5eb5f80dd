#include "batched_write.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <span>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "send_ring.hpp"
#include "sockit/server/with_timeout.hpp"

namespace sockit::server {

namespace asio = boost::asio;

namespace batched {  // (named: the coroutine's frame holds these)

// One queued write: the ring's report resumes its coroutine (posted, not inline, so that the
// ring is done reporting before any writer queues again). The coroutine's handler is held
// type-erased here (Asio 1.81's any_completion_handler recurses when moved into itself).
class Waiter final : public SendRing::Completion {
 public:
  explicit Waiter(asio::any_io_executor executor) : executor_(std::move(executor)) {}
  template <typename Handler>
  void wait_with(Handler&& handler) {
    resume_ = std::make_unique<ResumeWith<std::decay_t<Handler>>>(std::forward<Handler>(handler));
  }
  void sent(int result) override {
    asio::post(executor_, [resume = std::move(resume_), result] { (*resume)(result); });
  }

 private:
  struct Resume {
    virtual ~Resume() = default;
    virtual void operator()(int result) = 0;
  };
  template <typename Handler>
  struct ResumeWith final : Resume {
    explicit ResumeWith(Handler&& h) : handler(std::move(h)) {}
    void operator()(int result) override { std::move(handler)(result); }
    Handler handler;
  };
  asio::any_io_executor executor_;
  std::unique_ptr<Resume> resume_;
};

// The loop's submit, once a turn: after the handlers that were ready when the first write of
// the turn was queued.
void submit_later(SendRing& ring, const asio::any_io_executor& executor) {
  thread_local bool due = false;
  if (due) return;
  due = true;
  asio::post(executor, [&ring] {
    due = false;
    ring.submit();
  });
}

// Queues the write and arranges the submit (async_initiate's initiation).
struct Queue {
  SendRing& ring;
  AsyncStream& socket;
  std::span<const iovec> buffers;
  Waiter& waiter;
  template <typename Handler>
  void operator()(Handler&& handler) const {
    waiter.wait_with(std::forward<Handler>(handler));
    ring.queue(socket.native_handle(), buffers, waiter);
    submit_later(ring, socket.get_executor());
  }
};

// What is left of `data` after its first `sent` bytes, into `rest`; returns how many buffers.
std::size_t after(std::span<const asio::const_buffer> data, std::size_t sent,
                  std::array<asio::const_buffer, kMaxPieces>& rest) {
  std::size_t count = 0;
  for (const auto& piece : data) {
    const std::size_t skip = std::min(sent, piece.size());
    sent -= skip;
    if (skip < piece.size()) rest[count++] = piece + skip;
  }
  return count;
}

}  // namespace batched

asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> batched_write(
    AsyncStream& socket, std::span<const asio::const_buffer> data) {
  const std::size_t total = asio::buffer_size(data);
  SendRing* ring = SendRing::this_thread();
  if (!ring || total == 0 || data.size() > kMaxPieces || !socket.is_open()) {
    co_return co_await asio::async_write(socket, data, tuple_awaitable);
  }
  batched::Waiter waiter(socket.get_executor());
  std::array<iovec, kMaxPieces> buffers;
  for (std::size_t i = 0; i < data.size(); ++i) {
    buffers[i] = {const_cast<void*>(data[i].data()), data[i].size()};
  }
  const int result = co_await asio::async_initiate<decltype(asio::use_awaitable), void(int)>(
      batched::Queue{*ring, socket, std::span(buffers.data(), data.size()), waiter}, asio::use_awaitable);
  if (result < 0 && result != -EAGAIN) {
    co_return std::tuple{boost::system::error_code(-result, boost::system::system_category()), std::size_t{0}};
  }
  const auto sent = static_cast<std::size_t>(std::max(result, 0));
  if (sent == total) co_return std::tuple{boost::system::error_code{}, sent};
  std::array<asio::const_buffer, kMaxPieces> rest;
  const std::size_t left = batched::after(data, sent, rest);
  auto [ec, n] = co_await asio::async_write(socket, std::span(rest.data(), left), tuple_awaitable);
  co_return std::tuple{ec, sent + n};
}

}  // namespace sockit::server
