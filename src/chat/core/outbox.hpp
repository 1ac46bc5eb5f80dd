// Internal: where the chat core puts what one connection is to be sent. The Session is one;
// tests use fakes that record.
#pragma once

#include <string_view>

#include "sockit/chat/protocol/protocol.hpp"
#include "chat/transport/transport.hpp"

namespace sockit::server {
class SendRing;
}

namespace sockit::chat {

/// One connection's output as the core sees it. Every member is called on the thread of the
/// connection's Shard only (see shard.hpp), so an implementation needs no lock.
class Outbox {
 public:
  virtual ~Outbox() = default;
  /// Queues `message` (one encoded line). Never blocks; an implementation may instead cut
  /// a reader that does not drain (slow_consumer) or drop it after the connection closed.
  virtual void push(const Encoded& message) = 0;
  /// Writes what was queued: called once at the end of a Shard turn that pushed anything.
  virtual void flush() = 0;
  /// The same, where the loop batches its sends (server/send_ring.hpp): a write that needs no
  /// waiting may go to `ring`, which the Shard submits once every outbox of the turn has had
  /// its turn. By default, flush().
  virtual void flush(server::SendRing& ring) {
    (void)ring;
    flush();
  }
  /// Sends `code` as a final error and closes the connection (login timeout, shutdown).
  virtual void close_with(Errc code, std::string_view message) = 0;

 private:
  friend class Shard;
  bool flush_due_ = false;   // on the Shard's list of outboxes with deliveries to write
  bool urgent_due_ = false;  // on the Shard's list of outboxes with answers to write
};

}  // namespace sockit::chat
