// Socket: Python's socket object in C++ — an RAII, move-only owner of one descriptor with the
// same method table and semantics (recv returns what arrived, send may be partial, sendall
// loops, settimeout(None|0|t) means blocking / non-blocking / timeout).
//
// Errors throw socket_error (errno inside); an expired timeout throws timeout_error; a
// non-blocking call with nothing to do throws would_block_error. EINTR is retried inside.
// Every send uses MSG_NOSIGNAL: a closed peer is an EPIPE error, never a SIGPIPE.
//
// Thread safety: a Socket is not thread safe, except that one thread may send while another
// receives on the same socket (as with the descriptor itself).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <sys/socket.h>

#include "sockit/socket/address.hpp"

namespace sockit {

class SocketFile;

/// A timeout: nullopt blocks forever, zero is non-blocking, anything else bounds each call.
using Timeout = std::optional<std::chrono::milliseconds>;

class Socket {
 public:
  /// An empty socket owning nothing (fileno() == -1).
  Socket() noexcept = default;
  /// socket(family, type, proto): AF_INET/AF_INET6/AF_UNIX × SOCK_STREAM/SOCK_DGRAM/
  /// SOCK_SEQPACKET/SOCK_RAW. The descriptor is close-on-exec.
  Socket(int family, int type, int proto = 0);
  /// Takes ownership of an open descriptor, reading its family/type/protocol from the kernel.
  static Socket adopt(int fd);
  /// socketpair(family, type): two connected sockets.
  static std::pair<Socket, Socket> pair(int family = AF_UNIX, int type = SOCK_STREAM);

  Socket(Socket&& other) noexcept;
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  /// Closes the descriptor; a close error here cannot be reported (call close() to see it).
  ~Socket();

  explicit operator bool() const noexcept { return fd_ >= 0; }
  int fileno() const noexcept { return fd_; }
  int family() const noexcept { return family_; }
  int type() const noexcept { return type_; }
  int proto() const noexcept { return proto_; }

  void bind(const Address& address);
  void listen(int backlog = SOMAXCONN);
  /// Waits for a connection (honouring the timeout); the new socket is blocking.
  std::pair<Socket, Address> accept();
  void connect(const Address& address);
  /// connect() that returns the error instead of throwing (0 on success; EINPROGRESS for a
  /// non-blocking socket; ETIMEDOUT when the timeout expires).
  std::error_code connect_ex(const Address& address) noexcept;

  /// Receives at most `max` bytes; returns what arrived, empty at orderly close (streams).
  std::string recv(std::size_t max, int flags = 0);
  /// Receives into `buffer`; returns the byte count (0 at orderly close).
  std::size_t recv_into(std::span<char> buffer, int flags = 0);
  std::size_t recv_into(std::span<char> buffer, std::error_code& ec, int flags = 0) noexcept;
  /// Sends some of `data`; returns how much was taken (may be less than all).
  std::size_t send(std::string_view data, int flags = 0);
  std::size_t send(std::string_view data, std::error_code& ec, int flags = 0) noexcept;
  /// Sends all of `data` or throws; with a timeout, the timeout bounds the whole call.
  void sendall(std::string_view data, int flags = 0);
  /// Datagram receive: the payload (at most `max` bytes) and the sender.
  std::pair<std::string, Address> recvfrom(std::size_t max, int flags = 0);
  std::pair<std::size_t, Address> recvfrom_into(std::span<char> buffer, int flags = 0);
  std::size_t sendto(std::string_view data, const Address& address, int flags = 0);

  /// shutdown(SHUT_RD | SHUT_WR | SHUT_RDWR).
  void shutdown(int how);
  /// Closes now, reporting the error if close fails. Safe on an empty socket.
  void close();
  /// Gives up ownership: returns the descriptor and leaves this socket empty.
  int detach() noexcept;

  Address getpeername() const;
  Address getsockname() const;

  void setsockopt(int level, int option, int value);
  void setsockopt(int level, int option, const void* value, socklen_t size);
  int getsockopt(int level, int option) const;
  socklen_t getsockopt(int level, int option, void* value, socklen_t size) const;

  /// nullopt: blocking; zero: non-blocking; otherwise each call waits at most this long.
  void settimeout(Timeout timeout);
  Timeout gettimeout() const noexcept { return timeout_; }
  /// setblocking(true) == settimeout(nullopt); setblocking(false) == settimeout(0).
  void setblocking(bool blocking);
  bool getblocking() const noexcept { return !timeout_ || timeout_->count() != 0; }

  /// A buffered reader/writer over this socket, which must outlive it.
  SocketFile makefile(std::size_t buffer_size = 8192);

 private:
  using Clock = std::chrono::steady_clock;
  using Deadline = std::optional<Clock::time_point>;

  Deadline deadline() const;
  bool wait_ready(short events, Deadline deadline, std::error_code& ec) const noexcept;
  template <class Call>
  long io(short events, Deadline deadline, std::error_code& ec, Call call) const noexcept;
  std::error_code finish_connect(Deadline deadline) noexcept;
  void read_identity();

  int fd_ = -1;
  int family_ = AF_UNSPEC;
  int type_ = 0;
  int proto_ = 0;
  Timeout timeout_;
};

}  // namespace sockit
