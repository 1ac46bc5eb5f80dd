// Echo for the blocking models: a stream handler and a datagram handler.
#include <span>
#include <string>

#include "sockit/core/error.hpp"
#include "sockit/core/log.hpp"
#include "sockit/echo/echo.hpp"

#include <fmt/core.h>

namespace sockit::echo {
namespace {

using server::MessageReader;

class StreamEcho : public server::BaseRequestHandler {
 public:
  StreamEcho(server::RequestContext& context, const EchoOptions& options)
      : BaseRequestHandler(context), options_(options) {}

  void handle() override {
    log_info("{} connected", client_address.to_string());
    std::size_t bytes = 0;
    std::string why = "closed";
    try {
      bytes = options_.reply ? answer_messages(why) : echo_bytes(why);
    } catch (const socket_error& e) {
      why = e.what();
    }
    log_info("{} left ({}, {} bytes in)", client_address.to_string(), why, bytes);
  }

 private:
  std::size_t echo_bytes(std::string& why) {
    request.settimeout(options_.limits.idle);
    char buffer[65536];
    std::size_t total = 0;
    try {
      for (;;) {
        const auto n = receive(buffer);
        if (n == 0) return total;
        total += n;
        request.sendall(std::string_view(buffer, n));
      }
    } catch (const timeout_error&) {
      why = "idle timeout";
    }
    return total;
  }

  // Everything so far has been echoed: this wait may be closed to make room.
  std::size_t receive(std::span<char> buffer) {
    server::IdleWait idle(reusable);
    return request.recv_into(buffer);
  }

  std::size_t answer_messages(std::string& why) {
    MessageReader reader(request, options_.limits, reusable);
    std::size_t total = 0;
    for (;;) {
      auto m = reader.next();
      switch (m.status) {
        case MessageReader::Status::message:
          total += m.text.size();
          request.settimeout(options_.limits.idle);
          request.sendall(*options_.reply);
          break;
        case MessageReader::Status::too_long:
          request.sendall(fmt::format("error: line longer than {} bytes\n",
                                      options_.limits.max_line));
          break;
        case MessageReader::Status::idle:
          why = "idle timeout";
          return total;
        case MessageReader::Status::end_of_stream:
          return total;
      }
    }
  }

  const EchoOptions options_;
};

class DatagramEcho : public server::DatagramRequestHandler {
 public:
  DatagramEcho(server::RequestContext& context, const EchoOptions& options)
      : DatagramRequestHandler(context), options_(options) {}

  void handle() override {
    log_debug("{} sent {} bytes", client_address.to_string(), packet.size());
    reply(options_.reply ? *options_.reply : packet);
  }

 private:
  const EchoOptions options_;
};

}  // namespace

server::HandlerFactory stream_handler(const EchoOptions& options) {
  return [options](server::RequestContext& context) {
    return std::make_unique<StreamEcho>(context, options);
  };
}

server::HandlerFactory datagram_handler(const EchoOptions& options) {
  return [options](server::RequestContext& context) {
    return std::make_unique<DatagramEcho>(context, options);
  };
}

}  // namespace sockit::echo
