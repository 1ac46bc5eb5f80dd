// Chooses the server for `sockit echo serve` and runs it until a stop signal.
#include "sockit/echo/echo.hpp"
#include "sockit/server/base_server.hpp"
#include "sockit/server/stoppable.hpp"

namespace sockit::echo {
namespace {

template <class Server>
void run(Server& server, const std::function<void(const Address&)>& listening) {
  server::StopOnSignals signals(server);
  listening(server.server_address());
  if constexpr (std::is_base_of_v<server::BaseServer, Server>) {
    server.serve_forever(std::chrono::milliseconds(200));
  } else {
    server.serve_forever();
  }
}

}  // namespace

void serve(const Endpoint& endpoint, bool datagram, const server::ServerConfig& config,
           const EchoOptions& options, const std::function<void(const Address&)>& listening) {
  if (config.model == server::Model::async) {
    if (datagram) {
      server::AsyncServer s(endpoint, datagram_coroutine(options), config);
      run(s, listening);
    } else {
      server::AsyncServer s(endpoint, stream_coroutine(options), config);
      run(s, listening);
    }
    return;
  }
  server::BaseServer s(endpoint, datagram ? SOCK_DGRAM : SOCK_STREAM,
                       datagram ? datagram_handler(options) : stream_handler(options), config);
  run(s, listening);
}

}  // namespace sockit::echo
