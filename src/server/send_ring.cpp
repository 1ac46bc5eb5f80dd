#include "send_ring.hpp"

#include <liburing.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "sockit/core/log.hpp"

namespace sockit::server {
namespace {

constexpr unsigned kEntries = 256;  // sends a submit at most; more are submitted in steps
constexpr int kFlags = MSG_DONTWAIT | MSG_NOSIGNAL;

std::atomic<SendPath> g_path{SendPath::automatic};
std::atomic<std::uint64_t> g_submits{0};
std::atomic<std::uint64_t> g_sends{0};

void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) noexcept {
  counter.fetch_add(n, std::memory_order_relaxed);
}

// A ring, or why there is none.
int make_ring(io_uring& ring, std::string* why) {
  // One thread submits, and completions are reaped by it alone: the cheapest setup, where the
  // kernel has it (6.0); else a plain ring.
  int rc = io_uring_queue_init(kEntries, &ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN);
  if (rc == -EINVAL) rc = io_uring_queue_init(kEntries, &ring, 0);
  if (rc < 0) {
    if (why) *why = std::string("io_uring_setup: ") + std::strerror(-rc);
    return rc;
  }
  io_uring_probe* probe = io_uring_get_probe_ring(&ring);
  const bool sendmsg = probe && io_uring_opcode_supported(probe, IORING_OP_SENDMSG);
  if (probe) io_uring_free_probe(probe);
  if (!sendmsg) {
    io_uring_queue_exit(&ring);
    if (why) *why = "io_uring without IORING_OP_SENDMSG";
    return -EOPNOTSUPP;
  }
  return 0;
}

}  // namespace

std::optional<SendPath> parse_send_path(const std::string& text) {
  if (text == "auto") return SendPath::automatic;
  if (text == "on") return SendPath::io_uring;
  if (text == "off") return SendPath::sendmsg;
  return std::nullopt;
}

struct SendRing::Ring {
  io_uring ring{};
  bool ready = false;
  ~Ring() {
    if (ready) io_uring_queue_exit(&ring);
  }
};

void SendRing::set_path(SendPath path) noexcept { g_path.store(path); }

SendPath SendRing::path() noexcept { return g_path.load(); }

bool SendRing::available(std::string* why) {
  static const std::pair<bool, std::string> answer = [] {
    io_uring ring{};
    std::string reason;
    if (make_ring(ring, &reason) < 0) return std::pair{false, reason};
    io_uring_queue_exit(&ring);
    return std::pair{true, std::string()};
  }();
  if (why) *why = answer.second;
  return answer.first;
}

SendRing* SendRing::this_thread() {
  thread_local std::unique_ptr<SendRing> mine;
  thread_local bool tried = false;
  if (mine || tried) return mine.get();
  tried = true;
  if (path() == SendPath::sendmsg) return nullptr;
  auto ring = std::make_unique<Ring>();
  std::string why;
  if (make_ring(ring->ring, &why) < 0) {
    static std::once_flag told;
    std::call_once(told, [&] { log_warn("sends go through sendmsg: {}", why); });
    return nullptr;
  }
  ring->ready = true;
  mine.reset(new SendRing(std::move(ring)));
  return mine.get();
}

SendRing::SendRing(std::unique_ptr<Ring> ring) : ring_(std::move(ring)) {
  pending_.reserve(kEntries);
  buffers_.reserve(kEntries * kMaxBuffers);
  results_.reserve(kEntries);
}

SendRing::~SendRing() = default;

void SendRing::queue(int fd, std::span<const iovec> buffers, Completion& done) {
  if (pending_.size() == kEntries) submit();
  buffers = buffers.first(std::min(buffers.size(), kMaxBuffers));
  pending_.push_back(Pending{fd, buffers_.size(), buffers.size(), &done, {}});
  buffers_.insert(buffers_.end(), buffers.begin(), buffers.end());
}

// The sends are prepared here rather than in queue(), so that the ring holds nothing between
// turns. What the ring did not do (it failed) is sent by hand, and the ring is given up: this
// loop uses sendmsg from then on.
void SendRing::submit() {
  if (pending_.empty() || submitting_) return;
  submitting_ = true;
  for (auto& p : pending_) {  // (buffers_ has stopped growing)
    p.msg = msghdr{};
    p.msg.msg_iov = buffers_.data() + p.first;
    p.msg.msg_iovlen = p.count;
  }
  results_.assign(pending_.size(), kNotSent);
  if (ring_ && pending_.size() > 1) through_ring();  // one send: a system call either way
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    if (results_[i] != kNotSent) continue;
    const auto r = ::sendmsg(pending_[i].fd, &pending_[i].msg, kFlags);
    results_[i] = r < 0 ? -errno : static_cast<int>(r);
  }
  // Reported in order, once the lists are free again (a completion may start other work).
  done_.swap(pending_);
  pending_.clear();
  buffers_.clear();
  done_results_.swap(results_);
  submitting_ = false;
  for (std::size_t i = 0; i < done_.size(); ++i) done_[i].done->sent(done_results_[i]);
  done_.clear();
}

void SendRing::through_ring() {
  auto& ring = ring_->ring;
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);  // at most kEntries pending: never null
    io_uring_prep_sendmsg(sqe, pending_[i].fd, &pending_[i].msg, kFlags);
    io_uring_sqe_set_data64(sqe, i);
  }
  const auto n = static_cast<int>(pending_.size());
  int rc;
  do {
    rc = io_uring_submit_and_wait(&ring, static_cast<unsigned>(n));
  } while (rc == -EINTR);
  const bool failed = rc != n;
  if (failed && rc > 0) {  // what the kernel took completes all the same: wait for it
    io_uring_cqe* first = nullptr;
    while (io_uring_wait_cqe_nr(&ring, &first, static_cast<unsigned>(rc)) == -EINTR) {
    }
  }
  unsigned seen = 0;
  unsigned head;
  io_uring_cqe* cqe = nullptr;
  io_uring_for_each_cqe(&ring, head, cqe) {
    const auto i = io_uring_cqe_get_data64(cqe);
    if (i < results_.size()) results_[i] = cqe->res;
    ++seen;
  }
  io_uring_cq_advance(&ring, seen);
  add(g_submits, 1);
  add(g_sends, seen);
  if (failed) {
    log_warn("io_uring submit failed ({}); this loop sends through sendmsg from now on",
             rc < 0 ? std::strerror(-rc) : "not all taken");
    ring_.reset();  // (with what it did not take)
  }
}

void use_send_path(SendPath path) {
  std::string why;
  if (path == SendPath::io_uring && !SendRing::available(&why)) {
    throw std::runtime_error("io_uring is not available here: " + why);
  }
  SendRing::set_path(path);
  log_info("writes: {}", path != SendPath::sendmsg && SendRing::available(&why)
                             ? "each loop's turn in one io_uring submission"
                             : "one sendmsg a connection");
}

std::uint64_t SendRing::submits() noexcept { return g_submits.load(std::memory_order_relaxed); }
std::uint64_t SendRing::sends() noexcept { return g_sends.load(std::memory_order_relaxed); }

}  // namespace sockit::server
