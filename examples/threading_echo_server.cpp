// Python's socketserver.ThreadingTCPServer with a StreamRequestHandler, in C++: a handler
// object per connection, each on a thread of its own; Ctrl-C stops it cleanly.
//   threading_echo_server 127.0.0.1:9999
#include <iostream>

#include "sockit/server/base_server.hpp"

class EchoHandler : public sockit::server::StreamRequestHandler {
 public:
  using StreamRequestHandler::StreamRequestHandler;
  void handle() override {
    for (std::string line; !(line = rfile->readline()).empty();) wfile->write(line);
  }
};

int main(int argc, char** argv) {
  sockit::server::ServerConfig config;
  config.model = sockit::server::Model::threading;
  sockit::server::TCPServer server(sockit::Endpoint::parse(argc > 1 ? argv[1] : "127.0.0.1:9999"),
                                   sockit::server::handler_of<EchoHandler>(), config);
  std::cout << "listening on " << server.server_address().to_string() << std::endl;
  sockit::server::StopOnSignals signals(server);  // SIGINT/SIGTERM: a clean stop
  server.serve_forever();
}
