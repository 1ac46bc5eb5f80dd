#include "sockit/server/message_reader.hpp"

#include <optional>

#include "sockit/core/error.hpp"

namespace sockit::server {

MessageReader::MessageReader(Socket& socket, MessageLimits limits, Reusable& reusable)
    : socket_(socket), limits_(limits), reusable_(reusable), framer_(limits.max_line) {}

bool MessageReader::receive(Timeout wait) {
  char buffer[16384];
  socket_.settimeout(wait);
  const auto n = socket_.recv_into(buffer);
  if (n == 0) return false;
  framer_.feed(std::string_view(buffer, n));
  return true;
}

MessageReader::Message MessageReader::next() {
  for (;;) {
    if (auto line = framer_.next()) {
      if (line->too_long) return {Status::too_long, {}};
      return {Status::message, std::move(line->text)};
    }
    if (eof_) {
      if (auto rest = framer_.flush()) return {Status::message, std::move(rest->text)};
      return {Status::end_of_stream, {}};
    }
    const bool partial = framer_.pending() > 0;
    try {
      std::optional<IdleWait> between_messages;
      if (!partial) between_messages.emplace(reusable_);
      eof_ = !receive(partial ? Timeout(limits_.quiet) : limits_.idle);
    } catch (const timeout_error&) {
      if (!partial) return {Status::idle, {}};
      if (auto rest = framer_.flush()) return {Status::message, std::move(rest->text)};
    }
  }
}

}  // namespace sockit::server
