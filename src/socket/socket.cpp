#include "sockit/socket/socket.hpp"

#include <cerrno>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "sockit/core/error.hpp"

namespace sockit {
namespace {

std::error_code errno_code(int e) { return {e, std::generic_category()}; }

void check(const std::error_code& ec, const char* operation) {
  if (ec) throw_error(ec.value(), operation);
}

void set_nonblocking(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) throw_errno("fcntl(F_GETFL)");
  const int wanted = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (wanted != flags && ::fcntl(fd, F_SETFL, wanted) < 0) throw_errno("fcntl(F_SETFL)");
}

}  // namespace

Socket::Socket(int family, int type, int proto) {
  fd_ = ::socket(family, type | SOCK_CLOEXEC, proto);
  if (fd_ < 0) throw_errno("socket");
  family_ = family;
  type_ = type;
  proto_ = proto;
}

Socket Socket::adopt(int fd) {
  Socket s;
  s.fd_ = fd;
  s.read_identity();
  return s;
}

std::pair<Socket, Socket> Socket::pair(int family, int type) {
  int fds[2];
  if (::socketpair(family, type | SOCK_CLOEXEC, 0, fds) != 0) throw_errno("socketpair");
  return {adopt(fds[0]), adopt(fds[1])};
}

Socket::Socket(Socket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      family_(other.family_),
      type_(other.type_),
      proto_(other.proto_),
      timeout_(other.timeout_) {}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    family_ = other.family_;
    type_ = other.type_;
    proto_ = other.proto_;
    timeout_ = other.timeout_;
  }
  return *this;
}

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
}

void Socket::read_identity() {
  family_ = getsockopt(SOL_SOCKET, SO_DOMAIN);
  type_ = getsockopt(SOL_SOCKET, SO_TYPE);
  proto_ = getsockopt(SOL_SOCKET, SO_PROTOCOL);
}

Socket::Deadline Socket::deadline() const {
  if (!timeout_ || timeout_->count() == 0) return std::nullopt;
  return Clock::now() + *timeout_;
}

bool Socket::wait_ready(short events, Deadline deadline, std::error_code& ec) const noexcept {
  for (;;) {
    int wait_ms = -1;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
      wait_ms = left.count() > 0 ? static_cast<int>(left.count()) : 0;
    }
    pollfd p{fd_, events, 0};
    const int r = ::poll(&p, 1, wait_ms);
    if (r > 0) return true;
    if (r == 0) {
      ec = errno_code(ETIMEDOUT);
      return false;
    }
    if (errno != EINTR) {
      ec = errno_code(errno);
      return false;
    }
  }
}

template <class Call>
long Socket::io(short events, Deadline deadline, std::error_code& ec, Call call) const noexcept {
  ec.clear();
  const bool timed = timeout_ && timeout_->count() > 0;
  // With a timeout, a read waits for readiness first, as CPython's socket module does: a
  // server's next read usually finds nothing yet, and trying first costs a syscall each time.
  // A write tries first: there is usually room.
  if (timed && events == POLLIN && !wait_ready(events, deadline, ec)) return -1;
  for (;;) {
    const long r = static_cast<long>(call());
    if (r >= 0) return r;
    const int e = errno;
    if (e == EINTR) continue;
    if ((e == EAGAIN || e == EWOULDBLOCK) && timed) {
      if (!wait_ready(events, deadline, ec)) return -1;
      continue;
    }
    ec = errno_code(e);
    return -1;
  }
}

void Socket::bind(const Address& address) {
  if (::bind(fd_, address.data(), address.size()) != 0) throw_errno("bind " + address.to_string());
}

void Socket::listen(int backlog) {
  if (::listen(fd_, backlog) != 0) throw_errno("listen");
}

std::pair<Socket, Address> Socket::accept() {
  Address peer;
  socklen_t len = Address::capacity();
  std::error_code ec;
  const long fd = io(POLLIN, deadline(), ec, [&] {
    len = Address::capacity();
    return ::accept4(fd_, peer.data(), &len, SOCK_CLOEXEC);
  });
  check(ec, "accept");
  peer.resize(len);
  Socket conn;
  conn.fd_ = static_cast<int>(fd);
  conn.family_ = family_;
  conn.type_ = type_;
  conn.proto_ = proto_;
  return {std::move(conn), peer};
}

std::error_code Socket::finish_connect(Deadline deadline) noexcept {
  std::error_code ec;
  if (!wait_ready(POLLOUT, deadline, ec)) return ec;
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno_code(errno);
  return err ? errno_code(err) : std::error_code{};
}

std::error_code Socket::connect_ex(const Address& address) noexcept {
  const Deadline dl = deadline();
  if (::connect(fd_, address.data(), address.size()) == 0) return {};
  const int e = errno;
  const bool timed = timeout_ && timeout_->count() > 0;
  if (e == EINTR || (e == EINPROGRESS && timed)) return finish_connect(dl);
  return errno_code(e);
}

void Socket::connect(const Address& address) {
  const auto ec = connect_ex(address);
  if (ec) throw_error(ec.value(), "connect " + address.to_string());
}

std::string Socket::recv(std::size_t max, int flags) {
  std::string data(max, '\0');
  data.resize(recv_into(data, flags));
  return data;
}

std::size_t Socket::recv_into(std::span<char> buffer, int flags) {
  std::error_code ec;
  const auto n = recv_into(buffer, ec, flags);
  check(ec, "recv");
  return n;
}

std::size_t Socket::recv_into(std::span<char> buffer, std::error_code& ec, int flags) noexcept {
  const long n = io(POLLIN, deadline(), ec,
                    [&] { return ::recv(fd_, buffer.data(), buffer.size(), flags); });
  return n < 0 ? 0 : static_cast<std::size_t>(n);
}

std::size_t Socket::send(std::string_view data, int flags) {
  std::error_code ec;
  const auto n = send(data, ec, flags);
  check(ec, "send");
  return n;
}

std::size_t Socket::send(std::string_view data, std::error_code& ec, int flags) noexcept {
  const long n = io(POLLOUT, deadline(), ec, [&] {
    return ::send(fd_, data.data(), data.size(), flags | MSG_NOSIGNAL);
  });
  return n < 0 ? 0 : static_cast<std::size_t>(n);
}

void Socket::sendall(std::string_view data, int flags) {
  const Deadline dl = deadline();  // one budget for the whole call, as Python does
  std::error_code ec;
  while (!data.empty()) {
    const long n = io(POLLOUT, dl, ec, [&] {
      return ::send(fd_, data.data(), data.size(), flags | MSG_NOSIGNAL);
    });
    check(ec, "sendall");
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::pair<std::size_t, Address> Socket::recvfrom_into(std::span<char> buffer, int flags) {
  Address from;
  socklen_t len = Address::capacity();
  std::error_code ec;
  const long n = io(POLLIN, deadline(), ec, [&] {
    len = Address::capacity();
    return ::recvfrom(fd_, buffer.data(), buffer.size(), flags, from.data(), &len);
  });
  check(ec, "recvfrom");
  from.resize(len);
  return {static_cast<std::size_t>(n), from};
}

std::pair<std::string, Address> Socket::recvfrom(std::size_t max, int flags) {
  std::string data(max, '\0');
  auto [n, from] = recvfrom_into(data, flags);
  data.resize(n);
  return {std::move(data), from};
}

std::size_t Socket::sendto(std::string_view data, const Address& address, int flags) {
  std::error_code ec;
  const long n = io(POLLOUT, deadline(), ec, [&] {
    return ::sendto(fd_, data.data(), data.size(), flags | MSG_NOSIGNAL, address.data(),
                    address.size());
  });
  check(ec, "sendto");
  return static_cast<std::size_t>(n);
}

void Socket::shutdown(int how) {
  if (::shutdown(fd_, how) != 0) throw_errno("shutdown");
}

void Socket::close() {
  if (fd_ < 0) return;
  const int fd = std::exchange(fd_, -1);
  // Linux releases the descriptor even when close reports EINTR, so it is never retried.
  if (::close(fd) != 0 && errno != EINTR) throw_errno("close");
}

int Socket::detach() noexcept { return std::exchange(fd_, -1); }

Address Socket::getpeername() const {
  Address a;
  socklen_t len = Address::capacity();
  if (::getpeername(fd_, a.data(), &len) != 0) throw_errno("getpeername");
  a.resize(len);
  return a;
}

Address Socket::getsockname() const {
  Address a;
  socklen_t len = Address::capacity();
  if (::getsockname(fd_, a.data(), &len) != 0) throw_errno("getsockname");
  a.resize(len);
  return a;
}

void Socket::setsockopt(int level, int option, int value) {
  setsockopt(level, option, &value, sizeof value);
}

void Socket::setsockopt(int level, int option, const void* value, socklen_t size) {
  if (::setsockopt(fd_, level, option, value, size) != 0) throw_errno("setsockopt");
}

int Socket::getsockopt(int level, int option) const {
  int value = 0;
  getsockopt(level, option, &value, sizeof value);
  return value;
}

socklen_t Socket::getsockopt(int level, int option, void* value, socklen_t size) const {
  if (::getsockopt(fd_, level, option, value, &size) != 0) throw_errno("getsockopt");
  return size;
}

void Socket::settimeout(Timeout timeout) {
  if (timeout && timeout->count() < 0) throw std::invalid_argument("timeout must be >= 0");
  set_nonblocking(fd_, timeout.has_value());
  timeout_ = timeout;
}

void Socket::setblocking(bool blocking) {
  settimeout(blocking ? Timeout{} : Timeout{std::chrono::milliseconds{0}});
}

}  // namespace sockit
