// The chat protocol's error codes: wire names, English descriptions, and their error_category.
#include <array>
#include <string>

#include "sockit/chat/protocol/protocol.hpp"

namespace sockit::chat {
namespace {

struct CodeText {
  std::string_view name;
  std::string_view description;
};

// Indexed by the Errc value minus one.
constexpr std::array<CodeText, 21> kCodes{{
    {"bad_json", "the frame is not valid JSON"},
    {"bad_request", "the request is malformed"},
    {"unknown_type", "unknown request type"},
    {"not_logged_in", "log in first"},
    {"already_logged_in", "already logged in"},
    {"nickname_taken", "that nickname is in use"},
    {"nickname_invalid",
     "a nickname is 1 to 32 characters, not all blank, with no control characters"},
    {"message_too_long", "the message is too long"},
    {"rate_limited", "too many messages; slow down"},
    {"no_such_user", "no such user"},
    {"not_in_room", "you are not in that room"},
    {"room_invalid", "a room name is 1 to 32 characters, with no spaces or control characters"},
    {"forbidden", "not allowed"},
    {"frame_too_large", "the frame is too large"},
    {"server_full", "the server is full"},
    {"login_timeout", "no login in time"},
    {"slow_consumer", "you are not reading fast enough"},
    {"shutting_down", "the server is shutting down"},
    {"store_unavailable", "the message store is not writing; the message was not accepted"},
    {"cluster_unavailable", "the cluster's Redis cannot be reached now; try again"},
    {"auth_failed", "that nickname is registered: the right password or token is needed"},
}};
static_assert(kCodes.size() == static_cast<std::size_t>(Errc::auth_failed));

const CodeText* find(int value) noexcept {
  if (value < 1 || static_cast<std::size_t>(value) > kCodes.size()) return nullptr;
  return &kCodes[static_cast<std::size_t>(value - 1)];
}

class ChatCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sockit.chat"; }
  std::string message(int value) const override {
    const CodeText* code = find(value);
    return code ? std::string(code->description) : "unknown chat error";
  }
};

}  // namespace

std::string_view code_name(Errc code) noexcept {
  const CodeText* text = find(static_cast<int>(code));
  return text ? text->name : std::string_view("unknown");
}

bool closes_connection(Errc code) noexcept {
  switch (code) {
    case Errc::frame_too_large:
    case Errc::server_full:
    case Errc::login_timeout:
    case Errc::slow_consumer:
    case Errc::shutting_down:
      return true;
    default:
      return false;
  }
}

const std::error_category& chat_category() noexcept {
  static const ChatCategory category;
  return category;
}

std::error_code make_error_code(Errc code) noexcept {
  return {static_cast<int>(code), chat_category()};
}

}  // namespace sockit::chat
