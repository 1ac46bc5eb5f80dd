// parse_request: one frame of JSON text to a Request, or to the error to answer it with.
#include <algorithm>
#include <array>
#include <limits>
#include <system_error>

#include <boost/json.hpp>

#include "sockit/chat/protocol/protocol.hpp"

namespace sockit::chat {
namespace {

namespace json = boost::json;

constexpr std::int64_t kMaxInt64 = std::numeric_limits<std::int64_t>::max();

// The first error found while reading a request's fields.
struct Refusal {
  Errc code;
  std::string message;
};

std::string quoted(std::string_view key) {
  std::string text = "\"";
  text.append(key);
  text += '"';
  return text;
}

// Typed access to the fields of one request object. After the first failure every getter
// returns a default value and the failure is kept, so a request parser reads straight through.
class Fields {
 public:
  Fields(const json::object& object, const Limits& limits) : object_(object), limits_(limits) {}

  const std::optional<Refusal>& refusal() const noexcept { return refusal_; }

  std::string string(std::string_view key) {
    const json::value* value = find(key);
    if (value == nullptr) return {};
    if (!value->is_string()) return fail(Errc::bad_request, quoted(key) + " must be a string");
    return std::string(value->get_string());
  }

  std::string nickname(std::string_view key) {
    std::string text(trim_blank(string(key)));  // " Alice " is Alice
    if (!refusal_ && !valid_nickname(text)) fail(Errc::nickname_invalid, {});
    return text;
  }

  std::string room(std::string_view key, std::optional<std::string_view> fallback) {
    if (fallback && absent(key)) return std::string(*fallback);
    std::string text = string(key);
    if (!refusal_ && !valid_room(text)) fail(Errc::room_invalid, {});
    return text;
  }

  std::string message(std::string_view key) {
    std::string text = string(key);
    if (refusal_) return {};
    if (text.empty()) return fail(Errc::bad_request, quoted(key) + " is empty");
    if (text.size() > limits_.max_message_bytes) {
      return fail(Errc::message_too_long,
                  "a message is at most " + std::to_string(limits_.max_message_bytes) + " bytes");
    }
    return text;
  }

  // An optional string of at most `max` bytes (a password, a token).
  std::optional<std::string> secret(std::string_view key, std::size_t max) {
    if (refusal_ || absent(key)) return std::nullopt;
    const json::value& value = *object_.if_contains(key);
    if (!value.is_string()) return fail(Errc::bad_request, quoted(key) + " must be a string"), std::nullopt;
    if (value.get_string().size() > max) {
      return fail(Errc::bad_request, quoted(key) + " is too long"), std::nullopt;
    }
    return std::string(value.get_string());
  }

  // An optional send id: a non-empty string of at most kMaxSendId bytes; "" when absent.
  std::string send_id(std::string_view key) {
    const auto id = secret(key, kMaxSendId);
    if (!refusal_ && id && id->empty()) fail(Errc::bad_request, quoted(key) + " is empty");
    return refusal_ || !id ? std::string() : *id;
  }

  // An optional boolean, false when absent.
  bool flag(std::string_view key) {
    if (refusal_ || absent(key)) return false;
    const json::value& value = *object_.if_contains(key);
    if (!value.is_bool()) return fail(Errc::bad_request, quoted(key) + " must be true or false"), false;
    return value.get_bool();
  }

  // An optional integer; integers past the int64 range saturate to its maximum.
  std::optional<std::int64_t> integer(std::string_view key) {
    if (refusal_ || absent(key)) return std::nullopt;
    const json::value& value = *object_.if_contains(key);
    if (value.is_int64()) return value.get_int64();
    if (value.is_uint64()) return kMaxInt64;
    fail(Errc::bad_request, quoted(key) + " must be an integer");
    return std::nullopt;
  }

 private:
  // Absent, or null (which optional fields take as absent).
  bool absent(std::string_view key) const {
    const json::value* value = object_.if_contains(key);
    return value == nullptr || value->is_null();
  }

  // A required field, or nullptr after a failure or when it is missing (a failure itself).
  const json::value* find(std::string_view key) {
    if (refusal_) return nullptr;
    const json::value* value = object_.if_contains(key);
    if (value == nullptr) fail(Errc::bad_request, quoted(key) + " is missing");
    return value;
  }

  std::string fail(Errc code, std::string message) {
    if (!refusal_) {
      if (message.empty()) message = make_error_code(code).message();
      refusal_ = Refusal{code, std::move(message)};
    }
    return {};
  }

  const json::object& object_;
  const Limits& limits_;
  std::optional<Refusal> refusal_;
};

std::size_t clamp_limit(std::optional<std::int64_t> limit) {
  if (!limit) return History::kDefaultLimit;
  const auto max = static_cast<std::int64_t>(History::kMaxLimit);
  return static_cast<std::size_t>(std::clamp<std::int64_t>(*limit, 1, max));
}

Request read_login(Fields& f) {
  constexpr std::size_t kMaxSecret = 1024;
  Login login;
  login.nickname = f.nickname("nickname");
  login.password = f.secret("password", kMaxSecret);
  login.token = f.secret("token", kMaxSecret);
  return login;
}

Request read_broadcast(Fields& f) {
  Broadcast request;
  request.room = f.room("room", "lobby");
  request.message = f.message("message");
  request.sender_id = f.integer("sender_id");
  request.id = f.send_id("id");
  return request;
}

Request read_join(Fields& f) {
  Join request;
  request.room = f.room("room", std::nullopt);
  request.is_private = f.flag("private");
  return request;
}

template <class Change>
Request read_member_change(Fields& f) {
  Change request;
  request.room = f.room("room", std::nullopt);
  request.nickname = f.nickname("nickname");
  return request;
}

Request read_leave(Fields& f) {
  return Leave{f.room("room", std::nullopt)};
}

Request read_direct(Fields& f) {
  Direct request;
  request.to = f.string("to");
  request.message = f.message("message");
  request.id = f.send_id("id");
  return request;
}

Request read_who(Fields& f) {
  return Who{f.room("room", "lobby")};
}

Request read_history(Fields& f) {
  History request;
  request.room = f.room("room", "lobby");
  request.limit = clamp_limit(f.integer("limit"));
  request.before = f.integer("before");
  return request;
}

struct RequestType {
  std::string_view name;
  Request (*read)(Fields&);
};

constexpr std::array<RequestType, 12> kRequestTypes{{
    {"login", read_login},
    {"broadcast", read_broadcast},
    {"join", read_join},
    {"leave", read_leave},
    {"direct", read_direct},
    {"who", read_who},
    {"rooms", [](Fields&) -> Request { return Rooms{}; }},
    {"history", read_history},
    {"ping", [](Fields&) -> Request { return Ping{}; }},
    {"logout", [](Fields&) -> Request { return Logout{}; }},
    {"invite", read_member_change<Invite>},
    {"kick", read_member_change<Kick>},
}};

const RequestType* find_type(std::string_view name) {
  const auto it = std::find_if(kRequestTypes.begin(), kRequestTypes.end(),
                               [name](const RequestType& type) { return type.name == name; });
  return it == kRequestTypes.end() ? nullptr : &*it;
}

// True when every string and key in `value` is well-formed UTF-8 (the parser lets malformed
// bytes through so that a valid "req" can still be echoed).
bool all_utf8(const json::value& value) {
  if (const json::string* text = value.if_string()) return valid_utf8(*text);
  if (const json::array* array = value.if_array()) {
    return std::all_of(array->begin(), array->end(), all_utf8);
  }
  if (const json::object* object = value.if_object()) {
    return std::all_of(object->begin(), object->end(), [](const json::key_value_pair& field) {
      return valid_utf8(field.key()) && all_utf8(field.value());
    });
  }
  return true;
}

Parsed refuse(Parsed&& out, Errc code, std::string message) {
  out.error = code;
  out.error_message = std::move(message);
  return std::move(out);
}

// Copies a valid "req" into out.req; false if "req" is there but neither number nor string.
bool read_req(const json::object& object, Parsed& out) {
  const json::value* req = object.if_contains("req");
  if (req == nullptr) return true;
  const json::string* text = req->if_string();
  if (!req->is_number() && (text == nullptr || !valid_utf8(*text))) return false;
  out.req = json::serialize(*req);
  return true;
}

Parsed read_request(const json::object& object, const Limits& limits, Parsed&& out) {
  const json::value* type = object.if_contains("type");
  if (type == nullptr) return refuse(std::move(out), Errc::bad_request, "\"type\" is missing");
  if (!type->is_string()) {
    return refuse(std::move(out), Errc::bad_request, "\"type\" must be a string");
  }
  const RequestType* known = find_type(type->get_string());
  if (known == nullptr) {
    return refuse(std::move(out), Errc::unknown_type,
                  make_error_code(Errc::unknown_type).message());
  }
  Fields fields(object, limits);
  Request request = known->read(fields);
  if (const auto& refusal = fields.refusal()) {
    return refuse(std::move(out), refusal->code, refusal->message);
  }
  out.request = std::move(request);
  return std::move(out);
}

}  // namespace

Parsed parse_request(std::string_view frame, const Limits& limits) {
  unsigned char storage[4096];
  json::monotonic_resource resource(storage, sizeof storage);
  json::parse_options options;
  options.allow_invalid_utf8 = true;
  json::error_code ec;
  const json::value value = json::parse(frame, ec, &resource, options);

  Parsed out;
  if (ec) return refuse(std::move(out), Errc::bad_json, "the frame is not valid JSON");
  const json::object* object = value.if_object();
  if (object == nullptr) {
    return refuse(std::move(out), Errc::bad_request, "a request is a JSON object");
  }
  if (!read_req(*object, out)) {
    return refuse(std::move(out), Errc::bad_request, "\"req\" must be a number or a string");
  }
  if (!all_utf8(value)) return refuse(std::move(out), Errc::bad_request, "text is not UTF-8");
  return read_request(*object, limits, std::move(out));
}

}  // namespace sockit::chat
