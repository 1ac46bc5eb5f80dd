// The loops' batched sends (server/send_ring.hpp) over socketpairs: one submit for many sockets,
// each told what it sent in queue order; a full socket told -EAGAIN; a lone send; and a ring
// that is not there (the sendmsg path).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>
#include <vector>

#include "server/send_ring.hpp"

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

TEST(SendRing, PathsParseAndOffMeansNoRing) {
  EXPECT_EQ(parse_send_path("auto"), SendPath::automatic);
  EXPECT_EQ(parse_send_path("on"), SendPath::io_uring);
  EXPECT_EQ(parse_send_path("off"), SendPath::sendmsg);
  EXPECT_FALSE(parse_send_path("yes"));
}

}  // namespace
}  // namespace sockit::server
