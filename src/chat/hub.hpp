// Internal: the chat room's shared state — sessions, nicknames, rooms with their message
// numbers — and the fan-out. One mutex guards it all; every delivery to a room happens under
// it, so every member sees a room's messages in seq order.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "sockit/chat/limits.hpp"
#include "sockit/chat/protocol.hpp"
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
  /// Unregisters a closed connection: it leaves its rooms (with notices). Once per admitted
  /// session.
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
  const ChatStats& stats() const noexcept { return stats_; }

 private:
  struct Room {
    std::map<std::int64_t, Session*> members;  // by id: a stable order for who
  };

  // All below: the caller holds mu_.
  std::int64_t next_seq(const std::string& room);
  void notify_room(const std::string& room, const std::string& text);
  void enter(Session& s, const std::string& room);
  void exit_room(Session& s, const std::string& room);
  void refuse(Session& s, Errc code, const std::string& message, const std::string& req);
  void fan_out(Room& room, const std::string& encoded, const Session* except);
  void record(const std::string& room, std::int64_t seq, std::int64_t ts, const Session* sender,
              const std::string& text);

  const ChatLimits& limits_;
  ChatStore* store_;
  mutable std::mutex mu_;
  std::map<Session*, std::shared_ptr<Session>> sessions_;
  std::map<std::string, Session*, std::less<>> by_nickname_;
  std::map<std::string, Room, std::less<>> rooms_;
  std::map<std::string, std::int64_t, std::less<>> seqs_;  // per room, kept when a room empties
  std::int64_t next_id_ = 1;
  bool shutting_down_ = false;
  ChatStats stats_;
};

}  // namespace sockit::chat
