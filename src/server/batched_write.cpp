#include "batched_write.hpp"

#include <algorithm>
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
  const iovec& buffer;
  Waiter& waiter;
  template <typename Handler>
  void operator()(Handler&& handler) const {
    waiter.wait_with(std::forward<Handler>(handler));
    ring.queue(socket.native_handle(), std::span(&buffer, 1), waiter);
    submit_later(ring, socket.get_executor());
  }
};

}  // namespace batched

asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> batched_write(AsyncStream& socket,
                                                                                 asio::const_buffer data) {
  SendRing* ring = SendRing::this_thread();
  if (!ring || data.size() == 0 || !socket.is_open()) {
    co_return co_await asio::async_write(socket, data, tuple_awaitable);
  }
  batched::Waiter waiter(socket.get_executor());
  const iovec buffer{const_cast<void*>(data.data()), data.size()};
  const int result = co_await asio::async_initiate<decltype(asio::use_awaitable), void(int)>(
      batched::Queue{*ring, socket, buffer, waiter}, asio::use_awaitable);
  if (result < 0 && result != -EAGAIN) {
    co_return std::tuple{boost::system::error_code(-result, boost::system::system_category()), std::size_t{0}};
  }
  const auto sent = static_cast<std::size_t>(std::max(result, 0));
  if (sent == data.size()) co_return std::tuple{boost::system::error_code{}, sent};
  auto [ec, n] = co_await asio::async_write(socket, data + sent, tuple_awaitable);
  co_return std::tuple{ec, sent + n};
}

}  // namespace sockit::server
