// MessageReader: reads line messages from a blocking stream socket, the way a text service
// must to serve both real clients and the tutorials' ones — a '\n' ends a message, and so
// does a pause after bytes with no newline (the tutorials send "西瓜" and wait for a reply).
#pragma once

#include <chrono>
#include <string>

#include "sockit/core/line_framer.hpp"
#include "sockit/server/reusable.hpp"
#include "sockit/socket/socket.hpp"

namespace sockit::server {

struct MessageLimits {
  std::size_t max_line = 4096;                    ///< longer lines are refused (too_long)
  std::chrono::milliseconds quiet{150};           ///< pause that ends a line with no newline
  Timeout idle = std::chrono::milliseconds(300000);  ///< no byte for this long: idle
};

/// Borrows the socket and the standing (which must outlive it). Not thread safe.
class MessageReader {
 public:
  enum class Status { message, too_long, end_of_stream, idle };
  struct Message {
    Status status;
    std::string text;  ///< for Status::message: the line without "\n" / "\r\n"
  };

  /// Waits for a new message (no partial line pending) are marked idle on `reusable`.
  MessageReader(Socket& socket, MessageLimits limits, Reusable& reusable);

  /// The next message or event. Throws socket_error for errors other than a timeout.
  Message next();

 private:
  bool receive(Timeout wait);  // false at end of stream; throws timeout_error

  Socket& socket_;
  MessageLimits limits_;
  Reusable& reusable_;
  LineFramer framer_;
  bool eof_ = false;
};

}  // namespace sockit::server
