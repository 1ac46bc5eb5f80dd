// An echo client as the tutorials write it: connect, send each argument as a line, say we are
// done sending, and print what comes back until the server closes.
//   echo_client 127.0.0.1:9999 hello 你好
#include <iostream>

#include "sockit/socket/factories.hpp"
#include "sockit/socket/socket_file.hpp"

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  if (argc < 3) {
    std::cerr << "usage: echo_client HOST:PORT TEXT...\n";
    return 2;
  }
  sockit::Socket s = sockit::create_connection(argv[1], {.timeout = 5s});
  for (int i = 2; i < argc; ++i) s.sendall(std::string(argv[i]) + "\n");
  s.shutdown(SHUT_WR);  // we are done sending
  sockit::SocketFile in = s.makefile();
  while (true) {
    std::string line = in.readline();  // a whole line, however the bytes arrived
    if (line.empty()) break;           // the server closed: end of stream
    std::cout << "server: " << line;
  }
}
