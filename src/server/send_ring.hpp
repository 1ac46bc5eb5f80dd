// Internal: one event loop's socket sends of a turn, submitted together through io_uring — one
// io_uring_enter for every connection's sendmsg instead of one system call each. Readiness and
// everything else stay on Asio's epoll; only the end-of-turn writes come here (the chat Shard's
// flush). Where io_uring is refused at run time (seccomp in containers, old kernels) there is no
// ring, the callers write with sendmsg themselves, and the refusal is logged once.
//
// Threads: a ring belongs to the thread that made it (this_thread()); queue() and submit() run
// on that thread only. The mode and the counters are thread safe.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sockit/server/send_path.hpp"

namespace sockit::server {

class SendRing {
 public:
  /// What a queued send reports: bytes sent, or -errno (-EAGAIN: the socket is full).
  class Completion {
   public:
    virtual void sent(int result) = 0;

   protected:
    ~Completion() = default;
  };

  /// Sets the path for rings made after it (before the loops start). Thread safe.
  static void set_path(SendPath path) noexcept;
  static SendPath path() noexcept;
  /// Whether this kernel lets the process use io_uring for sends, and if not, why (the
  /// answer is found once). Thread safe.
  static bool available(std::string* why = nullptr);
  /// The calling thread's ring, made at its first use; null on the sendmsg path (chosen, or
  /// io_uring refused).
  static SendRing* this_thread();

  ~SendRing();
  SendRing(const SendRing&) = delete;
  SendRing& operator=(const SendRing&) = delete;

  /// The most buffers one send takes; queue() takes the first kMaxBuffers of more.
  static constexpr std::size_t kMaxBuffers = 64;
  /// Queues a sendmsg(fd, the buffers, MSG_DONTWAIT | MSG_NOSIGNAL); `done.sent()` runs in
  /// submit(). The list is copied; the bytes it points to must stay valid until then. Submits
  /// first when the ring is full.
  void queue(int fd, std::span<const iovec> buffers, Completion& done);
  /// Submits what was queued in one system call (a lone send: sendmsg, one call either way)
  /// and reports every completion, in the order queued. A completion must not queue. If the
  /// ring fails, the sends are made with sendmsg.
  void submit();
  bool empty() const noexcept { return pending_.empty(); }

  /// io_uring_enter calls and sends through rings, all threads. Thread safe.
  static std::uint64_t submits() noexcept;
  static std::uint64_t sends() noexcept;

 private:
  struct Ring;
  struct Pending {
    int fd;
    std::size_t first, count;  // its buffers in buffers_
    Completion* done;
    msghdr msg;                // made by submit()
  };
  static constexpr int kNotSent = -1 - (1 << 30);

  explicit SendRing(std::unique_ptr<Ring> ring);
  void through_ring();

  std::unique_ptr<Ring> ring_;  // null once it failed: sendmsg
  std::vector<Pending> pending_;
  std::vector<iovec> buffers_;
  std::vector<int> results_;
  std::vector<Pending> done_;        // being reported
  std::vector<int> done_results_;
  bool submitting_ = false;
};

}  // namespace sockit::server
