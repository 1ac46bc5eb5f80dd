// Request handlers in the spirit of Python's socketserver: a handler object is made for each
// request, then setup(), handle() and finish() run on it. Stream handlers get a buffered
// reader and writer; datagram handlers get the packet and a way to answer it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sockit/server/reusable.hpp"
#include "sockit/socket/address.hpp"
#include "sockit/socket/socket.hpp"
#include "sockit/socket/socket_file.hpp"

namespace sockit::server {

class BaseServer;

/// What a handler is made from. For streams `request` is the connection; for datagrams it
/// is the server's own socket and `packet` holds the datagram. All references outlive the
/// handler.
struct RequestContext {
  Socket& request;
  const Address& client_address;
  BaseServer& server;
  std::string packet;   ///< datagram servers only
  Reusable& reusable;   ///< the connection's standing (in no pool for datagrams)
};

/// BaseRequestHandler: one object per request, used by one thread (or one child process).
class BaseRequestHandler {
 public:
  explicit BaseRequestHandler(RequestContext& context);
  virtual ~BaseRequestHandler();
  BaseRequestHandler(const BaseRequestHandler&) = delete;
  BaseRequestHandler& operator=(const BaseRequestHandler&) = delete;

  /// Runs before handle(); throwing skips handle() but finish() still runs.
  virtual void setup() {}
  /// The request's work. An exception goes to the server's handle_error().
  virtual void handle() {}
  /// Runs after handle(), whatever happened, unless setup() threw.
  virtual void finish() {}

 protected:
  Socket& request;
  const Address& client_address;
  BaseServer& server;
  /// Mark waits for a request with IdleWait(reusable) (MessageReader does): a threading
  /// server at its limit may then close this connection for a newcomer.
  Reusable& reusable;
};

/// StreamRequestHandler: rfile/wfile over the connection (wfile is flushed in finish()).
class StreamRequestHandler : public BaseRequestHandler {
 public:
  explicit StreamRequestHandler(RequestContext& context);
  ~StreamRequestHandler() override;
  void setup() override;
  void finish() override;

 protected:
  std::unique_ptr<SocketFile> rfile;
  std::unique_ptr<SocketFile> wfile;
};

/// DatagramRequestHandler: `packet` is the datagram; reply() sends to its sender.
class DatagramRequestHandler : public BaseRequestHandler {
 public:
  explicit DatagramRequestHandler(RequestContext& context);
  ~DatagramRequestHandler() override;

 protected:
  /// Sends `data` to the client through the server's socket. Thread safe.
  void reply(std::string_view data);

  std::string packet;
};

/// Makes the handler for one request. Called on the thread (or in the child) that runs it.
using HandlerFactory = std::function<std::unique_ptr<BaseRequestHandler>(RequestContext&)>;

/// A factory for handler class H (constructible from RequestContext&).
template <class H>
HandlerFactory handler_of() {
  return [](RequestContext& context) { return std::make_unique<H>(context); };
}

}  // namespace sockit::server
