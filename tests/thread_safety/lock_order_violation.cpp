// Must NOT compile under tools/check-thread-safety: proves the analysis is on. Each function
// breaks one rule the chat core relies on.
#include "chat/core/hub.hpp"

namespace sockit::chat {

// A room's fields without its mutex.
std::int64_t unguarded_seq(const std::shared_ptr<Room>& room) { return room->last_seq; }

// Two mutexes of a declared order.
struct Mutexes {
  Mutex first;
  Mutex second SOCKIT_ACQUIRED_AFTER(first);
  // The declared order, reversed.
  void reversed() {
    MutexLock b(second);
    MutexLock a(first);
  }
};

}  // namespace sockit::chat
