// A chat bot on the client library: ClientState turns commands into protocol v1 requests and
// the server's answers into lines, decode_server_message tells what each answer is; the bot
// logs in, greets the lobby, asks who is there and leaves.
//   chat_bot 127.0.0.1:8000
#include <iostream>

#include "sockit/chat/client/client.hpp"
#include "sockit/chat/protocol/server_message.hpp"
#include "sockit/socket/factories.hpp"
#include "sockit/socket/socket_file.hpp"

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  sockit::Socket s = sockit::create_connection(argc > 1 ? argv[1] : "127.0.0.1:8000", {.timeout = 5s});
  sockit::SocketFile in = s.makefile();
  sockit::chat::ClientState state;
  auto send = [&s](const sockit::chat::ClientState::Step& step) {
    for (const auto& request : step.send) s.sendall(request);
  };

  send(state.login("bot", std::nullopt));
  for (std::string frame; !(frame = in.readline()).empty();) {  // one JSON object a line
    const auto step = state.on_message(frame);
    for (const auto& line : step.print) std::cout << line << '\n';
    if (step.quit) return 0;  // the server said bye
    const auto message = sockit::chat::decode_server_message(frame);
    if (!message) continue;
    if (std::holds_alternative<sockit::chat::from_server::Login>(*message)) {
      send(state.on_input("hello from the bot"));
      send(state.on_input("/who"));
    } else if (std::holds_alternative<sockit::chat::from_server::Who>(*message)) {
      send(state.on_input("/quit"));
    }
  }
  return 1;  // the server closed without a bye
}
