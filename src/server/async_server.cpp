#include "sockit/server/async_server.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "connection_slots.hpp"
#include "flood_trim.hpp"
#include "sockit/core/error.hpp"
#include "sockit/core/log.hpp"
#include "sockit/server/with_timeout.hpp"
#include "sockit/socket/factories.hpp"

namespace sockit::server {
namespace asio = boost::asio;
namespace {

using asio::awaitable;
using asio::use_awaitable;

int dup_checked(int fd) {
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) throw_errno("dup");
  return copy;
}

}  // namespace

namespace {
// A handler that never marks itself idle: its connections are never closed to make room.
ReusableStreamCoroutine never_idle(StreamCoroutine handler) {
  return [h = std::move(handler)](AsyncStream& socket, const Address& peer, Reusable&) {
    return h(socket, peer);
  };
}
}  // namespace

void LogFailure::operator()(std::exception_ptr error) const {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    log_error("{}: {}", what, e.what());
  }
}

using Acceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol>;

// Connections taken at once after one accept, before the loop serves others again.
constexpr int accept_batch = 64;
// How long an accept loop at the limit waits before it looks for a free slot again, should a
// wake-up (posted when a slot is given back) be lost.
constexpr std::chrono::milliseconds room_recheck{50};

// A stream listener: the main one, or one more (AsyncServer::listen).
struct Listener {
  Socket socket;
  Address address;
  ReusableStreamCoroutine handler;
};

// One io_context and its thread; everything in it is touched only on that thread.
struct AsyncWorker {
  asio::io_context ctx{1};
  std::vector<std::unique_ptr<Acceptor>> acceptors;  // one a stream listener
  std::optional<AsyncDatagram> datagram;
  std::set<AsyncStream*> sessions;
  std::set<asio::steady_timer*> waiting_for_room;  // accept loops at the connection limit
  ReusablePool reusable;                           // its sessions waiting for a request
  std::optional<asio::steady_timer> grace;
  bool stopping = false;
};

struct AsyncServer::Impl {
  ServerConfig config;
  DatagramCoroutine datagram;
  Socket listener;  // the first endpoint's (the datagram socket, for a datagram server)
  Address address;
  std::vector<std::unique_ptr<Listener>> listeners;  // stream servers: the first, then more
  int wake_fd = -1;
  std::vector<std::unique_ptr<AsyncWorker>> workers;
  std::vector<ReusablePool*> pools;  // the workers', for evictions across them
  std::atomic<std::size_t> sessions{0};
  std::optional<ConnectionSlots> slots;  // config.max_connections, taken before each accept
  FloodTrim trim;                        // memory back to the system once a flood has passed
  std::function<void()> on_stop;
  std::once_flag stop_once;
  std::atomic<bool> serving{false};
  std::mutex done_mu;
  std::condition_variable done_cv;

  void open(const Endpoint& endpoint, int type);
  Socket bind(const Endpoint& endpoint, int type) const;
  void start(AsyncWorker& w);
  awaitable<void> accept_loop(AsyncWorker& w, Acceptor& acceptor, const Listener& l);
  enum class Accepted { yes, none, failed };
  // Accepts one queued connection into `slot` and starts its session. With none queued, or
  // when accept fails (logged), the slot goes back.
  Accepted accept_one(AsyncWorker& w, Acceptor& acceptor, const Listener& l, ConnectionSlot slot);
  // A free slot, once one is; empty when the worker stops first.
  awaitable<ConnectionSlot> take_slot(AsyncWorker& w, Acceptor& acceptor);
  void wake_for_room();
  // Starts a session for a new connection, which holds `slot`.
  void admit(AsyncWorker& w, AsyncStream socket,
             const asio::generic::stream_protocol::endpoint& from, const Listener& l,
             ConnectionSlot slot);
  bool make_room();
  awaitable<void> session(AsyncWorker& w, AsyncStream socket, Address peer, const Listener& l,
                          ConnectionSlot slot);
  awaitable<void> datagram_loop(AsyncWorker& w);
  awaitable<void> watch_stop(AsyncWorker& w);
  void stop_worker(AsyncWorker& w);
};

Socket AsyncServer::Impl::bind(const Endpoint& endpoint, int type) const {
  ServerOptions options;
  options.type = type;
  options.backlog = config.request_queue_size;
  options.reuse_address = config.allow_reuse_address;
  options.reuse_port = config.allow_reuse_port;
  Socket s = create_server(endpoint, options);
  s.setblocking(false);
  return s;
}

void AsyncServer::Impl::open(const Endpoint& endpoint, int type) {
  listener = bind(endpoint, type);
  address = listener.getsockname();
  wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) throw_errno("eventfd");
  std::size_t n = config.threads ? config.threads : std::thread::hardware_concurrency();
  for (std::size_t i = 0; i < std::max<std::size_t>(n, 1); ++i) {
    workers.push_back(std::make_unique<AsyncWorker>());
    pools.push_back(&workers.back()->reusable);
  }
  slots.emplace(config.max_connections);
  slots->on_free([this] { wake_for_room(); });
}

// A slot was given back (on any thread): every worker's accept loops waiting for one look again.
void AsyncServer::Impl::wake_for_room() {
  for (auto& w : workers) {
    asio::post(w->ctx, [&w = *w] {
      for (asio::steady_timer* t : w.waiting_for_room) t->cancel();
    });
  }
}

void AsyncServer::Impl::start(AsyncWorker& w) {
  for (const auto& l : listeners) {
    const int fd = dup_checked(l->socket.fileno());
    w.acceptors.push_back(std::make_unique<Acceptor>(
        w.ctx, asio::generic::stream_protocol(l->socket.family(), l->socket.proto()), fd));
    w.acceptors.back()->non_blocking(true);  // for the batch after each accept (accept_loop)
    asio::co_spawn(w.ctx, accept_loop(w, *w.acceptors.back(), *l), LogFailure{"accept"});
  }
  if (datagram) {
    const int fd = dup_checked(listener.fileno());
    w.datagram.emplace(w.ctx, asio::generic::datagram_protocol(listener.family(), listener.proto()),
                       fd);
    asio::co_spawn(w.ctx, datagram_loop(w), LogFailure{"datagram"});
  }
  asio::co_spawn(w.ctx, watch_stop(w), LogFailure{"stop"});
}

// Takes a slot, and only then accepts: the count is right before the connection exists here.
// The acceptor is waited on only once accept has found the queue empty: Asio's epoll reactor
// is edge-triggered and its async_wait does not look first, so a wait begun while
// connections are already queued could sleep until yet another one arrives.
awaitable<void> AsyncServer::Impl::accept_loop(AsyncWorker& w, Acceptor& acceptor,
                                               const Listener& l) {
  for (;;) {
    auto slot = co_await take_slot(w, acceptor);
    if (!slot || w.stopping) co_return;
    const Accepted first = accept_one(w, acceptor, l, std::move(slot));
    if (first == Accepted::yes) {
      // Those queued behind it are taken now, a bounded batch, each with a slot of its own:
      // one accept a turn of the loop's queue left the last of a burst of 1,000 connections
      // waiting a second for their first byte.
      for (int more = 0; more < accept_batch && !w.stopping; ++more) {
        auto next = slots->try_take();
        if (!next || accept_one(w, acceptor, l, std::move(next)) != Accepted::yes) break;
      }
      continue;
    }
    if (first == Accepted::failed) {
      asio::steady_timer pause(w.ctx, std::chrono::milliseconds(100));
      co_await pause.async_wait(tuple_awaitable);  // e.g. out of descriptors: let some close
      continue;
    }
    auto [ec] = co_await acceptor.async_wait(Acceptor::wait_read, tuple_awaitable);
    if (w.stopping || ec == asio::error::operation_aborted) co_return;
    if (ec) log_error("waiting for connections on {}: {}", l.address.to_string(), ec.message());
  }
}

AsyncServer::Impl::Accepted AsyncServer::Impl::accept_one(AsyncWorker& w, Acceptor& acceptor,
                                                          const Listener& l, ConnectionSlot slot) {
  asio::generic::stream_protocol::endpoint from;  // filled by accept: no getpeername
  boost::system::error_code ec;
  auto socket = acceptor.accept(from, ec);  // the acceptor is non-blocking
  if (ec == asio::error::would_block || ec == asio::error::try_again) return Accepted::none;
  if (ec == asio::error::connection_aborted) return Accepted::yes;  // gone already; go on
  if (ec) {
    log_error("accept on {}: {}", l.address.to_string(), ec.message());
    return Accepted::failed;
  }
  admit(w, std::move(socket), from, l, std::move(slot));
  return Accepted::yes;
}

namespace {
// Whether a connection waits in the listen queue. Thread safe.
bool connection_queued(Acceptor& acceptor) {
  pollfd p{acceptor.native_handle(), POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}
}  // namespace

// At the limit, with a connection queued: the longest-idle connection (on any worker) is shut
// down, and this loop waits until a slot is given back — by that connection's session once
// its socket is closed, or by any other. The client meanwhile waits in the listen queue.
// With none queued it only waits, and looks again every room_recheck.
awaitable<ConnectionSlot> AsyncServer::Impl::take_slot(AsyncWorker& w, Acceptor& acceptor) {
  asio::steady_timer room(w.ctx);
  for (;;) {
    if (w.stopping) co_return ConnectionSlot();
    if (auto slot = slots->try_take()) co_return slot;
    if (connection_queued(acceptor)) make_room();
    slots->begin_wait();
    if (auto slot = slots->try_take()) {  // given back between the look and the wait
      slots->end_wait();
      co_return slot;
    }
    w.waiting_for_room.insert(&room);
    room.expires_after(room_recheck);
    co_await room.async_wait(tuple_awaitable);  // cancelled by wake_for_room or stop_worker
    w.waiting_for_room.erase(&room);
    slots->end_wait();
  }
}

void AsyncServer::Impl::admit(AsyncWorker& w, AsyncStream socket,
                              const asio::generic::stream_protocol::endpoint& from,
                              const Listener& l, ConnectionSlot slot) {
  if (config.no_delay && (l.socket.family() == AF_INET || l.socket.family() == AF_INET6)) {
    boost::system::error_code ignored;  // a socket that refuses keeps Nagle: slower, not wrong
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  }
  Address peer = Address::from_sockaddr(from.data(), static_cast<socklen_t>(from.size()));
  trim.opened(++sessions);
  asio::co_spawn(w.ctx, session(w, std::move(socket), std::move(peer), l, std::move(slot)),
                 LogFailure{"session"});
}

// Full: the session idle longest, on any worker, is shut down; its own worker ends it.
bool AsyncServer::Impl::make_room() {
  if (!evict_oldest(pools)) return false;
  log_debug("connection limit {} reached; closed the longest-idle connection",
            config.max_connections);
  return true;
}

awaitable<void> AsyncServer::Impl::session(AsyncWorker& w, AsyncStream socket, Address peer,
                                           const Listener& l, ConnectionSlot slot) {
  w.sessions.insert(&socket);
  {
    Reusable reusable(&w.reusable, socket.native_handle());  // leaves before the socket closes
    try {
      co_await l.handler(socket, peer, reusable);
    } catch (const std::exception& e) {
      log_debug("session {} ended: {}", peer.to_string(), e.what());
    }
  }
  w.sessions.erase(&socket);
  boost::system::error_code ignored;  // the handler may have closed it already
  socket.close(ignored);
  slot.release();  // only now: the descriptor is gone
  if (trim.closed(--sessions)) log_debug("a flood of connections has passed: memory trimmed");
  if (w.stopping && w.sessions.empty() && w.grace) w.grace->cancel();
}

awaitable<void> AsyncServer::Impl::datagram_loop(AsyncWorker& w) {
  std::string buffer(65536, '\0');
  for (;;) {
    asio::generic::datagram_protocol::endpoint from;
    auto [ec, n] =
        co_await w.datagram->async_receive_from(asio::buffer(buffer), from, tuple_awaitable);
    if (w.stopping || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      log_error("receive on {}: {}", address.to_string(), ec.message());
      continue;
    }
    const auto peer = Address::from_sockaddr(from.data(), static_cast<socklen_t>(from.size()));
    try {
      co_await datagram(*w.datagram, buffer.substr(0, n), peer);
    } catch (const std::exception& e) {
      log_error("datagram from {}: {}", peer.to_string(), e.what());
    }
  }
}

awaitable<void> AsyncServer::Impl::watch_stop(AsyncWorker& w) {
  asio::posix::stream_descriptor wake(w.ctx, dup_checked(wake_fd));
  // The eventfd is shared by all workers, so it is waited on, never read: all of them wake.
  auto [ec] = co_await wake.async_wait(asio::posix::stream_descriptor::wait_read, tuple_awaitable);
  if (!ec) stop_worker(w);
}

void AsyncServer::Impl::stop_worker(AsyncWorker& w) {
  if (on_stop) std::call_once(stop_once, on_stop);
  w.stopping = true;
  w.reusable.close();  // the sockets are closed below, on this thread; no eviction may race
  boost::system::error_code ignored;  // closing a socket that is already closed is fine
  for (auto& acceptor : w.acceptors) acceptor->close(ignored);
  for (asio::steady_timer* t : w.waiting_for_room) t->cancel();
  if (w.datagram) w.datagram->close(ignored);
  if (w.sessions.empty()) return;
  w.grace.emplace(w.ctx, config.grace);
  w.grace->async_wait([&w](boost::system::error_code) {
    boost::system::error_code ec;
    for (AsyncStream* s : w.sessions) s->close(ec);  // pending operations end with aborted
  });
}

AsyncServer::AsyncServer(const Endpoint& endpoint, StreamCoroutine handler, ServerConfig config)
    : AsyncServer(endpoint, never_idle(std::move(handler)), config) {}

AsyncServer::AsyncServer(const Endpoint& endpoint, ReusableStreamCoroutine handler,
                         ServerConfig config)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = config;
  impl_->open(endpoint, SOCK_STREAM);
  impl_->listeners.push_back(
      std::make_unique<Listener>(Listener{std::move(impl_->listener), impl_->address, std::move(handler)}));
}

const Address& AsyncServer::listen(const Endpoint& endpoint, ReusableStreamCoroutine handler) {
  if (impl_->datagram) throw std::logic_error("AsyncServer::listen: a datagram server has one socket");
  auto socket = impl_->bind(endpoint, SOCK_STREAM);
  auto address = socket.getsockname();
  impl_->listeners.push_back(
      std::make_unique<Listener>(Listener{std::move(socket), std::move(address), std::move(handler)}));
  return impl_->listeners.back()->address;
}

const Address& AsyncServer::listen(const Endpoint& endpoint, StreamCoroutine handler) {
  return listen(endpoint, never_idle(std::move(handler)));
}

AsyncServer::AsyncServer(const Endpoint& endpoint, DatagramCoroutine handler, ServerConfig config)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = config;
  impl_->datagram = std::move(handler);
  impl_->open(endpoint, SOCK_DGRAM);
}

AsyncServer::~AsyncServer() {
  if (impl_->wake_fd >= 0) ::close(impl_->wake_fd);
  std::vector<const Address*> bound{&impl_->address};
  for (std::size_t i = 1; i < impl_->listeners.size(); ++i) bound.push_back(&impl_->listeners[i]->address);
  for (const Address* a : bound) {
    if (a->is_unix() && !a->is_abstract() && !a->path().empty()) ::unlink(a->path().c_str());
  }
}

const Address& AsyncServer::server_address() const noexcept { return impl_->address; }

std::size_t AsyncServer::active_sessions() const noexcept { return impl_->sessions.load(); }

void AsyncServer::on_stop(std::function<void()> hook) { impl_->on_stop = std::move(hook); }

void AsyncServer::serve_forever() {
  {
    std::lock_guard lock(impl_->done_mu);
    impl_->serving = true;
  }
  std::vector<std::thread> threads;
  for (auto& w : impl_->workers) impl_->start(*w);
  for (std::size_t i = 1; i < impl_->workers.size(); ++i) {
    threads.emplace_back([w = impl_->workers[i].get()] { w->ctx.run(); });
  }
  impl_->workers[0]->ctx.run();
  for (auto& t : threads) t.join();
  impl_->slots->clear_wake();  // sessions destroyed with the io_contexts post no wake-ups
  impl_->listener.close();
  for (auto& l : impl_->listeners) l->socket.close();
  {
    std::lock_guard lock(impl_->done_mu);
    impl_->serving = false;
  }
  impl_->done_cv.notify_all();
}

void AsyncServer::request_stop() noexcept {
  const std::uint64_t one = 1;
  // Fails only if the counter would overflow, i.e. a stop is already pending.
  [[maybe_unused]] const auto n = ::write(impl_->wake_fd, &one, sizeof one);
}

void AsyncServer::shutdown() {
  request_stop();
  std::unique_lock lock(impl_->done_mu);
  impl_->done_cv.wait(lock, [this] { return !impl_->serving.load(); });
}

}  // namespace sockit::server
