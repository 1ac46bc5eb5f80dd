// EchoServer: the model's server for `sockit echo serve` and for programs that embed it.
#include "sockit/echo/echo.hpp"

namespace sockit::echo {

EchoServer::EchoServer(const Endpoint& endpoint, bool datagram, const server::ServerConfig& config,
                       const EchoOptions& options) {
  if (config.model == server::Model::async) {
    async_ = datagram ? std::make_unique<server::AsyncServer>(endpoint, datagram_coroutine(options), config)
                      : std::make_unique<server::AsyncServer>(endpoint, stream_coroutine(options), config);
  } else {
    blocking_ = std::make_unique<server::BaseServer>(endpoint, datagram ? SOCK_DGRAM : SOCK_STREAM,
                                                     datagram ? datagram_handler(options) : stream_handler(options),
                                                     config);
  }
}

EchoServer::~EchoServer() { stop_before_destruction(); }

const Address& EchoServer::local_address() const noexcept {
  return async_ ? async_->server_address() : blocking_->server_address();
}

void EchoServer::request_stop() noexcept {
  if (async_) return async_->request_stop();
  blocking_->request_stop();
}

void EchoServer::run() {
  if (async_) return async_->serve_forever();
  blocking_->serve_forever(std::chrono::milliseconds(200));
}

}  // namespace sockit::echo
