// The terminal client's command line and its reading of server messages: each input line is
// either typed (first byte even) or received from the server (odd).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sockit/chat/client/client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sockit::chat::ClientState state;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    if (line.empty()) continue;
    if (line[0] % 2 == 0) (void)state.on_input(line.substr(1));
    else (void)state.on_message(line.substr(1));
  }
  return 0;
}
