// Internal: the chat room's shared state — sessions, nicknames, rooms with their message
// numbers — and the fan-out. One mutex guards it all; every delivery to a room happens under
// it, so every member sees a room's messages in seq order.
//
// A room message is numbered only once the store has queued it (ChatStore::try_append), so
// every seq a client sees is on its way to the store, and an ack is sent only when the
// store has committed the message (its OnCommit posts the ack to the sender, if still there).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "sockit/chat/limits.hpp"
#include "sockit/chat/protocol.hpp"
#include "queue_budget.hpp"
#include "stats.hpp"

namespace sockit::chat {

class ChatStore;
class Session;

/// Thread safe: every member may be called from any session's thread.
class Hub {
 public:
  /// `store` may be null (no history); it must outlive the hub.
  Hub(const ChatLimits& limits, ChatStore* store);

  /// Registers a new connection; false when the server is full.
  bool admit(const std::shared_ptr<Session>& session);
  /// Unregisters a closed connection: it leaves its rooms (with notices) and frees its
  /// nickname. Idempotent; a session never admitted is ignored.
  void remove(Session& session);

  /// The requests of protocol v1; each answers the session itself (reply or error).
  void login(Session& s, const std::string& nickname, const std::string& req);
  void broadcast(Session& s, const Broadcast& b, const std::string& req);
  void direct(Session& s, const Direct& d, const std::string& req);
  void join(Session& s, const std::string& room, const std::string& req);
  void leave(Session& s, const std::string& room, const std::string& req);
  void who(Session& s, const std::string& room, const std::string& req);
  void rooms(Session& s, const std::string& req);
  void history(Session& s, const History& h, const std::string& req);

  /// Tells every session `shutting_down` and closes them; later logins are refused.
  void shutdown();

  std::size_t connections() const;
  std::size_t room_count() const;
  ChatStats& stats() noexcept { return stats_; }
  /// The memory budget of every session's unsent output. Thread safe.
  QueueBudget& budget() noexcept { return budget_; }
  const QueueBudget& budget() const noexcept { return budget_; }
  const ChatStats& stats() const noexcept { return stats_; }

 private:
  struct Room {
    std::map<std::int64_t, Session*> members;  // by id: a stable order for who
  };

  // Counts the error and answers it; needs no lock.
  void refuse(Session& s, Errc code, const std::string& message, const std::string& req);

  // All below: the caller holds mu_.
  std::int64_t& last_seq(const std::string& room);
  std::optional<std::int64_t> number(const std::string& room, std::int64_t ts,
                                     const Session* sender, const std::string& text,
                                     std::function<void()> on_commit);
  void notify_room(const std::string& room, const std::string& text);
  void enter(Session& s, const std::string& room);
  void exit_room(Session& s, const std::string& room);
  void fan_out(Room& room, const std::string& encoded, const Session* except);

  const ChatLimits& limits_;
  ChatStore* store_;
  mutable std::mutex mu_;
  std::map<Session*, std::shared_ptr<Session>> sessions_;
  std::map<std::string, Session*, std::less<>> by_nickname_;  // by nickname_key()
  std::map<std::string, Room, std::less<>> rooms_;
  std::map<std::string, std::int64_t, std::less<>> seqs_;  // per room, kept when a room empties
  std::int64_t seq_floor_ = 0;  // a room's first seq in this run is above it (ChatStore)
  const std::string system_key_;  // nobody may look like "System"
  std::int64_t next_id_ = 1;
  bool shutting_down_ = false;
  ChatStats stats_;
  QueueBudget budget_;
};

}  // namespace sockit::chat
