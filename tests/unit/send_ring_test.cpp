// The loops' batched sends (server/send_ring.hpp) over socketpairs: one submit for many sockets,
// each told what it sent in queue order; a full socket told -EAGAIN; a lone send; and a ring
// that is not there (the sendmsg path). And batched_write, which a loop's coroutines write
// through: their turn's writes in one submit, and what the ring could not send written after.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <memory>
#include <cerrno>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>

#include "server/batched_write.hpp"
#include "server/send_ring.hpp"
#include "sockit/server/with_timeout.hpp"

namespace sockit::server {
namespace {

struct Pair {
  Pair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd.data()), 0); }
  ~Pair() {
    ::close(fd[0]);
    ::close(fd[1]);
  }
  std::string read_all() const {
    std::string out;
    char buf[65536];
    for (ssize_t n; (n = ::read(fd[1], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
  std::array<int, 2> fd{};
};

struct Recorder final : SendRing::Completion {
  void sent(int r) override { results.push_back(r); }
  std::vector<int> results;
};

std::vector<iovec> buffers(std::vector<std::string>& parts) {
  std::vector<iovec> out;
  for (auto& p : parts) out.push_back(iovec{p.data(), p.size()});
  return out;
}

SendRing* ring_or_skip() {
  if (!SendRing::available()) return nullptr;
  return SendRing::this_thread();
}

TEST(SendRing, OneSubmitSendsEverySocketsBuffersAndReportsInOrder) {
  auto* ring = ring_or_skip();
  if (!ring) GTEST_SKIP() << "io_uring is not available here";
  std::vector<Pair> pairs(5);
  std::vector<std::vector<std::string>> parts;
  for (int i = 0; i < 5; ++i) parts.push_back({"message " + std::to_string(i) + "\n", "and more\n"});
  Recorder rec;
  const auto submits = SendRing::submits();
  for (int i = 0; i < 5; ++i) ring->queue(pairs[i].fd[0], buffers(parts[i]), rec);
  ring->submit();
  EXPECT_EQ(SendRing::submits(), submits + 1);
  ASSERT_EQ(rec.results.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    const auto expected = parts[i][0] + parts[i][1];
    EXPECT_EQ(rec.results[i], static_cast<int>(expected.size()));
    EXPECT_EQ(pairs[i].read_all(), expected);
  }
  EXPECT_TRUE(ring->empty());
}

TEST(SendRing, AFullSocketIsToldEagainAndTheOthersStillSend) {
  auto* ring = ring_or_skip();
  if (!ring) GTEST_SKIP() << "io_uring is not available here";
  Pair full, fine;
  std::string block(65536, 'x');
  while (::send(full.fd[0], block.data(), block.size(), MSG_DONTWAIT) > 0) {
  }
  std::vector<std::string> a{"no room"}, b{"room"};
  Recorder rec;
  ring->queue(full.fd[0], buffers(a), rec);
  ring->queue(fine.fd[0], buffers(b), rec);
  ring->submit();
  ASSERT_EQ(rec.results.size(), 2u);
  EXPECT_EQ(rec.results[0], -EAGAIN);
  EXPECT_EQ(rec.results[1], 4);
  EXPECT_EQ(fine.read_all(), "room");
}

TEST(SendRing, ALoneSendAndAClosedPeerAreReportedToo) {
  auto* ring = ring_or_skip();
  if (!ring) GTEST_SKIP() << "io_uring is not available here";
  Pair alone, gone;
  ::close(gone.fd[1]);
  gone.fd[1] = ::dup(alone.fd[1]);  // (so that the destructor closes something valid)
  std::vector<std::string> a{"alone"};
  Recorder rec;
  ring->queue(alone.fd[0], buffers(a), rec);
  ring->submit();
  ASSERT_EQ(rec.results.size(), 1u);
  EXPECT_EQ(rec.results[0], 5);
  Pair peerless;
  ::close(peerless.fd[1]);
  peerless.fd[1] = ::dup(alone.fd[1]);
  std::vector<std::string> x{"x"}, y{"y"};
  ring->queue(peerless.fd[0], buffers(x), rec);
  ring->queue(alone.fd[0], buffers(y), rec);
  ring->submit();
  ASSERT_EQ(rec.results.size(), 3u);
  EXPECT_EQ(rec.results[1], -EPIPE);  // MSG_NOSIGNAL: an error, not a signal
  EXPECT_EQ(rec.results[2], 1);
}

namespace asio = boost::asio;

// A socketpair's writing end as the loop's stream, and its reading end.
struct StreamPair {
  explicit StreamPair(asio::io_context& io) : writer(io), reader(io) {
    std::array<int, 2> fd{};
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd.data()), 0);
    const asio::generic::stream_protocol unix_stream(AF_UNIX, SOCK_STREAM);
    writer.assign(unix_stream, fd[0]);
    reader.assign(unix_stream, fd[1]);
  }
  AsyncStream writer, reader;
};

TEST(BatchedWrite, ATurnsWritesGoInOneSubmitAndWhatDidNotFitFollows) {
  asio::io_context io;
  std::vector<std::unique_ptr<StreamPair>> pairs;
  for (int i = 0; i < 3; ++i) pairs.push_back(std::make_unique<StreamPair>(io));
  const std::string big(4 << 20, 'b');  // more than a socketpair holds: most of it after the ring
  std::vector<std::string> heads, bodies, received(3);
  for (int i = 0; i < 3; ++i) {
    heads.push_back("head " + std::to_string(i) + "\n");
    bodies.push_back(i == 2 ? big : "body " + std::to_string(i) + "\n");
  }
  int written = 0;
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          const std::array<asio::const_buffer, 2> pieces{asio::buffer(heads[i]), asio::buffer(bodies[i])};
          const auto [ec, n] = co_await batched_write(pairs[i]->writer, pieces);
          EXPECT_FALSE(ec) << ec.message();
          EXPECT_EQ(n, heads[i].size() + bodies[i].size());
          ++written;
        },
        asio::detached);
    received[i].resize(heads[i].size() + bodies[i].size());
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          const auto [ec, n] =
              co_await asio::async_read(pairs[i]->reader, asio::buffer(received[i]), tuple_awaitable);
          EXPECT_FALSE(ec) << ec.message();
        },
        asio::detached);
  }
  const auto submits = SendRing::submits();
  io.run_for(std::chrono::seconds(20));
  EXPECT_EQ(written, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(received[i] == heads[i] + bodies[i]) << "connection " << i;
  if (SendRing::this_thread()) EXPECT_EQ(SendRing::submits(), submits + 1);  // the three in one
}

TEST(SendRing, PathsParseAndOffMeansNoRing) {
  EXPECT_EQ(parse_send_path("auto"), SendPath::automatic);
  EXPECT_EQ(parse_send_path("on"), SendPath::io_uring);
  EXPECT_EQ(parse_send_path("off"), SendPath::sendmsg);
  EXPECT_FALSE(parse_send_path("yes"));
}

}  // namespace
}  // namespace sockit::server
