// What a chat client reads: any line through decode_server_message, and what decodes is
// written with the server's encoders and read again. One round of writing settles the text
// (number spellings, escapes, key order); from then on decoding and encoding are exact inverses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "sockit/chat/protocol/server_message.hpp"

namespace {

// The message's "req" as JSON text; empty when its type has none.
std::string req_of(const sockit::chat::ServerMessage& message) {
  return std::visit(
      [](const auto& m) -> std::string {
        if constexpr (requires { m.req; }) {
          return m.req;
        } else {
          return {};
        }
      },
      message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sockit::chat;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const auto first = decode_server_message(line);
  if (!first) return 0;
  const auto written = encode_server_message(*first);
  const auto second = decode_server_message(written);
  if (!second) std::abort();  // what the encoders write reads back
  // and writes again the same, except a "req" that is a non-integer number: Boost.JSON 1.81
  // parses doubles to within an ulp, so their spelling may move in the last digit.
  const auto req = req_of(*second);
  const bool inexact =
      !req.empty() && req.front() != '"' && req.find_first_of(".eE") != std::string::npos;
  if (!inexact && encode_server_message(*second) != written) std::abort();
  return 0;
}
