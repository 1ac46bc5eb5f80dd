// Setting up the two sides of a talk: listen (accept one peer) and connect.
#include "sockit/socket/factories.hpp"
#include "sockit/talk/talk.hpp"

namespace sockit::talk {

End listen(const Endpoint& endpoint, bool udp, int input_fd, std::FILE* output,
           const TalkOptions& options, const Notify& notify) {
  ServerOptions server_options;
  server_options.type = udp ? SOCK_DGRAM : SOCK_STREAM;
  server_options.backlog = 1;
  Socket server = create_server(endpoint, server_options);
  notify("listening on " + server.getsockname().to_string());
  if (udp) return converse(server, false, input_fd, output, options, notify);
  auto [peer, address] = server.accept();
  server.close();  // one-to-one: nobody else gets in
  notify("connected to " + address.to_string());
  return converse(peer, true, input_fd, output, options, notify);
}

End connect(const Endpoint& endpoint, bool udp, int input_fd, std::FILE* output,
            const TalkOptions& options, const Notify& notify) {
  ConnectOptions connect_options;
  connect_options.type = udp ? SOCK_DGRAM : SOCK_STREAM;
  Socket peer = create_connection(endpoint, connect_options);
  if (udp) peer.send("");  // announce ourselves: the listener learns where to answer
  notify("connected to " + peer.getpeername().to_string());
  return converse(peer, true, input_fd, output, options, notify);
}

}  // namespace sockit::talk
