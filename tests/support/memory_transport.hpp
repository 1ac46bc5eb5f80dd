// Test support: a chat connection in memory, so a Session runs in process without a socket.
// The test plays the peer: it sends frames, and reads what the server wrote at the pace it
// chooses. The peer's receive window (what a socket would buffer before the writer blocks) is a
// number of bytes; nothing here is timed. Bytes the peer sends go through the TCP transport's
// framing (JsonFramer, take_frames), so garbage and oversize frames arrive as they would.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>

#include "chat/transport/tcp_transport.hpp"
#include "chat/transport/transport.hpp"
#include "sockit/chat/protocol/framing.hpp"
#include "sockit/server/with_timeout.hpp"

namespace sockit::chat::test {

/// Not thread safe: the session's loop and the test's code on that loop only.
class MemoryTransport final : public Transport {
 public:
  /// `max_frame_bytes`: the framer's limit for what send_bytes() sends (ChatLimits's).
  explicit MemoryTransport(boost::asio::any_io_executor executor, std::size_t window = kUnlimited,
                           std::size_t max_frame_bytes = 65536)
      : executor_(std::move(executor)),
        window_(window),
        framer_(max_frame_bytes),
        input_(executor_),
        room_(executor_) {}

  static constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

  // ---- The peer (the test) ----

  /// The peer sends one frame (one JSON object).
  void send(std::string frame) {
    inbound_.push_back({Inbound::Kind::frame, std::move(frame)});
    input_.cancel();
  }
  /// The peer sends raw bytes, framed as the TCP transport frames them: JSON objects back to
  /// back with or without newlines, garbage (bad_json), an object past the limit (too_large).
  void send_bytes(std::string_view bytes) {
    framer_.feed(bytes);
    std::vector<Inbound> arrived;
    take_frames(framer_, arrived);
    for (auto& in : arrived) inbound_.push_back(std::move(in));
    input_.cancel();
  }
  /// The peer reads `n` more bytes of what it was sent (all: kUnlimited): room for the writer.
  void read(std::size_t n) {
    read_ = n == kUnlimited ? written_.size() : std::min(written_.size(), read_ + n);
    room_.cancel();
  }
  /// The lines the peer has read so far: whole lines only, then what is left of a partial one.
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i < read_; ++i) {
      if (written_[i] != '\n') continue;
      out.push_back(written_.substr(start, i - start));
      start = i + 1;
    }
    if (start < read_) out.push_back(written_.substr(start, read_ - start));
    return out;
  }
  const std::string& written() const { return written_; }
  bool finished() const { return finished_; }
  bool aborted() const { return aborted_; }

  // ---- Transport ----

  TransportKind kind() const noexcept override { return TransportKind::tcp; }
  boost::asio::any_io_executor executor() override { return executor_; }

  boost::system::error_code read_now(std::vector<Inbound>& out) override {
    if (closed_) return boost::asio::error::operation_aborted;
    if (inbound_.empty()) return boost::asio::error::would_block;
    for (auto& in : inbound_) out.push_back(std::move(in));
    inbound_.clear();
    return {};
  }

  boost::asio::awaitable<std::tuple<boost::system::error_code>> readable() override {
    while (inbound_.empty() && !closed_) {
      input_.expires_at(boost::asio::steady_timer::time_point::max());
      co_await input_.async_wait(server::tuple_awaitable);
    }
    co_return std::tuple{closed_ ? boost::system::error_code(boost::asio::error::operation_aborted)
                                 : boost::system::error_code{}};
  }

  bool can_try_write() const noexcept override { return true; }

  std::size_t try_write(std::span<const Encoded> batch, std::size_t offset,
                        boost::system::error_code& ec) noexcept override {
    ec = {};
    const auto n = take(batch, offset);
    if (n == 0) ec = boost::asio::error::would_block;
    return n;
  }

  boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> write(
      const std::vector<Encoded>& batch, std::size_t offset) override {
    std::size_t total = 0, size = 0;
    for (const auto& m : batch) size += m->size();
    size -= offset;
    while (total < size) {
      if (closed_)
        co_return std::pair{boost::system::error_code(boost::asio::error::operation_aborted),
                            total};
      const auto n = take(std::span(batch), offset + total);
      total += n;
      if (n > 0) continue;
      room_.expires_at(boost::asio::steady_timer::time_point::max());
      co_await room_.async_wait(server::tuple_awaitable);
    }
    co_return std::pair{boost::system::error_code{}, total};
  }

  // Like TCP's: the connection closes after the last write, which ends the reader too.
  boost::asio::awaitable<void> finish(DisconnectReason) override {
    finished_ = true;
    close();
    co_return;
  }

  void abort() noexcept override {
    aborted_ = true;
    close();
  }

 private:
  void close() noexcept {
    closed_ = true;
    input_.cancel();
    room_.cancel();
  }
  // Writes what the window has room for of `batch` from byte `offset` on; returns how much.
  std::size_t take(std::span<const Encoded> batch, std::size_t offset) {
    const std::size_t unread = written_.size() - read_;
    std::size_t room =
        window_ == kUnlimited ? kUnlimited : (window_ > unread ? window_ - unread : 0);
    std::size_t n = 0;
    for (const auto& m : batch) {
      if (offset >= m->size()) {
        offset -= m->size();
        continue;
      }
      const auto part = std::min(room, m->size() - offset);
      written_.append(*m, offset, part);
      n += part;
      room -= part;
      offset = 0;
      if (room == 0) break;
    }
    if (window_ == kUnlimited) read_ = written_.size();  // an unlimited peer reads at once
    return n;
  }

  boost::asio::any_io_executor executor_;
  std::size_t window_;
  JsonFramer framer_;
  std::deque<Inbound> inbound_;
  std::string written_;
  std::size_t read_ = 0;
  bool finished_ = false;  // closed by finish(), after the last write
  bool aborted_ = false;   // closed by abort()
  bool closed_ = false;    // either: reads and writes fail
  boost::asio::steady_timer input_;  // readable() waits on it; cancelled when a frame arrives
  boost::asio::steady_timer room_;   // write() waits on it; cancelled when the peer reads
};

}  // namespace sockit::chat::test
