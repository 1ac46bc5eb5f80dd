#include "sockit/server/base_server.hpp"

#include <cerrno>
#include <stdexcept>
#include <thread>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sockit/core/error.hpp"
#include "sockit/core/log.hpp"
#include "sockit/socket/factories.hpp"

namespace sockit::server {
namespace {

using namespace std::chrono_literals;

Socket open_listener(const Endpoint& endpoint, int type, const ServerConfig& config) {
  ServerOptions options;
  options.type = type;
  options.backlog = config.request_queue_size;
  options.reuse_address = config.allow_reuse_address;
  options.reuse_port = config.allow_reuse_port;
  Socket s = create_server(endpoint, options);
  s.setblocking(false);  // poll says when; a vanished connection must not block accept
  return s;
}

std::string describe(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

bool transient_accept_error(int e) {
  return e == ECONNABORTED || e == EPROTO || e == EPERM || e == ENETDOWN || e == EHOSTUNREACH;
}

}  // namespace

BaseServer::BaseServer(const Endpoint& endpoint, int type, HandlerFactory factory,
                       ServerConfig config)
    : config_(config),
      factory_(std::move(factory)),
      socket_(open_listener(endpoint, type, config)),
      address_(socket_.getsockname()),
      dispatcher_(make_dispatcher(config)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw_errno("eventfd");
  dispatcher_->on_full([this] {
    if (reusable_.evict_oldest()) log_debug("at the client limit: closed the longest-idle one");
  });
}

BaseServer::~BaseServer() {
  dispatcher_.reset();  // finishes or cuts off what is still in flight
  try {
    server_close();
  } catch (const std::exception& e) {
    log_error("closing {}: {}", address_.to_string(), e.what());
  }
  ::close(wake_fd_);
}

bool BaseServer::verify_request(const Address&) { return true; }

void BaseServer::handle_error(const Address& client, std::exception_ptr error) {
  log_error("request from {} failed: {}", client.to_string(), describe(error));
}

void BaseServer::request_stop() noexcept {
  stop_.store(true);
  dispatcher_->interrupt();
  const std::uint64_t one = 1;
  // An eventfd write only fails when the counter would overflow: a wake-up is pending anyway.
  [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
}

void BaseServer::shutdown() {
  request_stop();
  std::unique_lock lock(done_mu_);
  done_cv_.wait(lock, [this] { return !serving_.load(); });
}

BaseServer::Wait BaseServer::wait_readable(std::optional<std::chrono::milliseconds> limit) {
  pollfd fds[2] = {{socket_.fileno(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  const int ms = limit ? static_cast<int>(limit->count()) : -1;
  const int r = ::poll(fds, 2, ms);
  if (r < 0 && errno != EINTR) throw_errno("poll");
  if (stop_.load() || (r > 0 && fds[1].revents)) return Wait::stop;
  if (r > 0 && fds[0].revents) return Wait::ready;
  return Wait::timeout;
}

void BaseServer::serve_forever(std::chrono::milliseconds poll_interval) {
  {
    std::lock_guard lock(done_mu_);
    serving_ = true;
  }
  while (!stop_.load()) {
    const Wait w = wait_readable(poll_interval);
    dispatcher_->reap();
    if (w == Wait::ready) process_one();
  }
  dispatcher_->stop(config_.grace);
  std::uint64_t pending = 0;
  [[maybe_unused]] const auto n = ::read(wake_fd_, &pending, sizeof pending);  // drain wake-ups
  stop_ = false;
  {
    std::lock_guard lock(done_mu_);
    serving_ = false;
  }
  done_cv_.notify_all();
}

bool BaseServer::handle_request() {
  const Wait w = wait_readable(config_.timeout);
  dispatcher_->reap();
  if (w == Wait::ready) {
    process_one();
    return true;
  }
  if (w == Wait::timeout) handle_timeout();
  return false;
}

void BaseServer::process_one() {
  try {
    if (socket_.type() == SOCK_DGRAM) {
      process_datagram();
    } else {
      process_stream();
    }
  } catch (const would_block_error&) {
    // The peer went away between poll and accept/recv: nothing to serve.
  } catch (const socket_error& e) {
    const int code = e.code().value();
    if (transient_accept_error(code)) return;
    log_error("{}: {}", address_.to_string(), e.what());
    if (code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM) {
      std::this_thread::sleep_for(100ms);  // out of descriptors: let requests finish first
    }
  }
}

void BaseServer::process_stream() {
  if (!dispatcher_->wait_for_room()) return;  // the limit is kept before accept, not after
  auto [connection, client] = socket_.accept();
  if (!verify_request(client)) {
    log_debug("refused {}", client.to_string());
    return;
  }
  Job job{std::move(connection), [this, client](Socket& request) {
            run_handler(request, client, {});
            // Tell the client we are done; it may already have gone, which is fine.
            ::shutdown(request.fileno(), SHUT_WR);
          }};
  dispatcher_->dispatch(std::move(job));
}

void BaseServer::process_datagram() {
  std::string packet(65536, '\0');
  auto [n, client] = socket_.recvfrom_into(packet);
  packet.resize(n);
  if (!verify_request(client)) {
    log_debug("refused datagram from {}", client.to_string());
    return;
  }
  Job job{Socket(), [this, client, p = std::move(packet)](Socket&) mutable {
            run_handler(socket_, client, std::move(p));
          }};
  dispatcher_->dispatch(std::move(job));
}

void BaseServer::run_handler(Socket& request, const Address& client, std::string packet) {
  // A stream joins the pool (busy until its handler waits for a request); it leaves when
  // this returns, before the dispatcher closes the socket.
  Reusable reusable(request.type() == SOCK_STREAM ? &reusable_ : nullptr, request.fileno());
  RequestContext context{request, client, *this, std::move(packet), reusable};
  try {
    auto handler = factory_(context);
    handler->setup();
    try {
      handler->handle();
    } catch (...) {
      handler->finish();
      throw;
    }
    handler->finish();
  } catch (...) {
    handle_error(client, std::current_exception());
  }
}

void BaseServer::server_close() {
  if (!socket_) return;
  socket_.close();
  if (address_.is_unix() && !address_.is_abstract() && !address_.path().empty()) {
    if (::unlink(address_.path().c_str()) != 0 && errno != ENOENT) {
      throw_errno("unlink " + address_.path());
    }
  }
}

namespace {

Endpoint require_kind(const Endpoint& endpoint, bool want_unix, const char* server) {
  if (endpoint.is_unix() != want_unix) {
    throw std::invalid_argument(std::string(server) + " needs " +
                                (want_unix ? "a unix: address" : "a host:port address") +
                                ", not " + endpoint.to_string());
  }
  return endpoint;
}

}  // namespace

TCPServer::TCPServer(const Endpoint& endpoint, HandlerFactory factory, ServerConfig config)
    : BaseServer(require_kind(endpoint, false, "TCPServer"), SOCK_STREAM, std::move(factory),
                 config) {}

UDPServer::UDPServer(const Endpoint& endpoint, HandlerFactory factory, ServerConfig config)
    : BaseServer(require_kind(endpoint, false, "UDPServer"), SOCK_DGRAM, std::move(factory),
                 config) {}

UnixStreamServer::UnixStreamServer(const Endpoint& endpoint, HandlerFactory factory,
                                   ServerConfig config)
    : BaseServer(require_kind(endpoint, true, "UnixStreamServer"), SOCK_STREAM, std::move(factory),
                 config) {}

UnixDatagramServer::UnixDatagramServer(const Endpoint& endpoint, HandlerFactory factory,
                                       ServerConfig config)
    : BaseServer(require_kind(endpoint, true, "UnixDatagramServer"), SOCK_DGRAM,
                 std::move(factory), config) {}

}  // namespace sockit::server
