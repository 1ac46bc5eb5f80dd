// Internal: exactly-once sends on one server — the ids of every user's recent sends
// (protocol "id" on broadcast and direct), so that a resend is recognised and answered with the
// first send's ack instead of being delivered again.
//
// A window keeps, per user, the last `per_user` ids of at most `max_age`, and at most `total`
// ids in all (the oldest go first): memory stays bounded whatever users do.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sockit/core/mutex.hpp"

namespace sockit::chat {

/// Not thread safe: the owner guards it (LocalDirectory::sent_mu_).
class SendWindow {
 public:
  struct Limits {
    std::size_t per_user = 10000;
    std::chrono::milliseconds max_age{std::chrono::minutes(10)};
    std::size_t total = 1000000;
  };

  /// The ack of a recorded send: its seq (0 for a direct message) once it is kept. Until the
  /// store has committed it, acks of resends wait (when_kept). Thread safe.
  class Ack {
   public:
    explicit Ack(std::int64_t seq, bool kept) : seq_(seq), kept_(kept) {}
    std::int64_t seq() const noexcept { return seq_; }
    /// Runs `fn` once the first send is kept: now, or from kept().
    void when_kept(std::function<void()> fn) SOCKIT_EXCLUDES(mu_);
    /// The first send is kept (committed): runs what waited.
    void kept() SOCKIT_EXCLUDES(mu_);

   private:
    const std::int64_t seq_;
    Mutex mu_;  // a leaf
    bool kept_ SOCKIT_GUARDED_BY(mu_);
    std::vector<std::function<void()>> waiting_ SOCKIT_GUARDED_BY(mu_);
  };

  explicit SendWindow(Limits limits) : limits_(limits) {}

  /// The ack of `user`'s send `id`, if it is in the window at `now_ms` (Unix ms).
  std::shared_ptr<Ack> find(std::string_view user, std::string_view id, std::int64_t now_ms);
  /// Records `user`'s send `id`, sent at `at_ms`, with its ack.
  void record(std::string_view user, std::string_view id, std::int64_t at_ms, std::shared_ptr<Ack> ack);
  /// Ids in the window.
  std::size_t size() const noexcept { return size_; }

 private:
  struct Sent {
    std::shared_ptr<Ack> ack;
    std::int64_t at_ms;
  };
  struct User {
    std::unordered_map<std::string, Sent> by_id;
    std::deque<std::string> order;  // its ids, oldest first
  };
  struct Recorded {  // the global order, oldest first
    std::string user;
    std::string id;
    std::int64_t at_ms;
  };
  void forget_oldest_of(User& user, const std::string& key);
  void expire(std::int64_t now_ms);

  const Limits limits_;
  std::unordered_map<std::string, User> users_;
  std::deque<Recorded> order_;  // may hold ids a user's own limit already removed
  std::size_t size_ = 0;
};

}  // namespace sockit::chat
