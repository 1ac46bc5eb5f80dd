// The chat room inside a program of your own: start it, do your work, stop it. Here the work
// is waiting for a line on stdin (or its end).
//   embedded_chat 127.0.0.1:8000
#include <iostream>
#include <string>

#include "sockit/chat/server.hpp"

int main(int argc, char** argv) {
  sockit::chat::ChatOptions options;  // no history, no web page: the defaults say so
  sockit::chat::ChatServer chat(sockit::Endpoint::parse(argc > 1 ? argv[1] : "127.0.0.1:8000"), options);
  chat.start();  // returns at once: the room runs on threads of its own
  std::cout << "chat room on " << chat.tcp_address().to_string() << std::endl;

  std::string line;
  std::getline(std::cin, line);  // the program's own work

  chat.stop();  // everyone is told shutting_down; returns once the room has stopped
  std::cout << "chat room stopped" << std::endl;
}
