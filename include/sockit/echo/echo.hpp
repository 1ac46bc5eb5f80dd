// The echo service of the tutorials: every byte back unchanged (binary safe), or, with a
// fixed reply, one answer per received message ("服务器已经收到你的信息").
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "sockit/server/async_server.hpp"
#include "sockit/server/base_server.hpp"
#include "sockit/server/config.hpp"
#include "sockit/server/handler.hpp"
#include "sockit/server/message_reader.hpp"
#include "sockit/server/service.hpp"
#include "sockit/socket/endpoint.hpp"

namespace sockit::echo {

/// Value type.
struct EchoOptions {
  std::optional<std::string> reply;  ///< answer each message with exactly these bytes
  server::MessageLimits limits;      ///< line limit, quiet pause, idle timeout
};

/// Handlers for the blocking models. The factories copy `options`; thread safe.
server::HandlerFactory stream_handler(const EchoOptions& options);
server::HandlerFactory datagram_handler(const EchoOptions& options);
/// Coroutine handlers for the async model.
server::ReusableStreamCoroutine stream_coroutine(const EchoOptions& options);
server::DatagramCoroutine datagram_coroutine(const EchoOptions& options);

/// The echo server, embeddable (server/service.hpp): TCP/UDP/Unix by `endpoint` and
/// `datagram`, in config.model's way (sequential, threading, forking or async); bound when
/// constructed, serving from start() until stop(). Thread safety as Service's.
class EchoServer : public server::Service {
 public:
  /// Throws socket_error when it cannot bind.
  EchoServer(const Endpoint& endpoint, bool datagram, const server::ServerConfig& config,
             const EchoOptions& options);
  ~EchoServer() override;
  /// Where it listens (the real port when bound to port 0). Thread safe.
  const Address& local_address() const noexcept;
  void request_stop() noexcept override;

 private:
  void run() override;
  std::unique_ptr<server::BaseServer> blocking_;  // sequential, threading, forking
  std::unique_ptr<server::AsyncServer> async_;
};

}  // namespace sockit::echo
