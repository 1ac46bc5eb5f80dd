// The echo service of the tutorials: every byte back unchanged (binary safe), or, with a
// fixed reply, one answer per received message ("服务器已经收到你的信息").
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "sockit/server/async_server.hpp"
#include "sockit/server/config.hpp"
#include "sockit/server/handler.hpp"
#include "sockit/server/message_reader.hpp"
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

/// What `sockit echo serve` runs: picks TCP/UDP/Unix and the model's server, calls
/// `listening` with the bound address, serves until SIGINT/SIGTERM, stops cleanly.
void serve(const Endpoint& endpoint, bool datagram, const server::ServerConfig& config,
           const EchoOptions& options, const std::function<void(const Address&)>& listening);

}  // namespace sockit::echo
