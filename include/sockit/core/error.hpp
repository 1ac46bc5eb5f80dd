// Errors thrown by sockit: socket_error carries errno, timeout_error marks an expired
// timeout, would_block_error a non-blocking call that had nothing to do, parse_error bad text.
#pragma once

#include <stdexcept>
#include <string>
#include <system_error>

namespace sockit {

/// A failed system call on a socket; code() holds the errno value (generic category).
class socket_error : public std::system_error {
 public:
  socket_error(int errno_value, const std::string& what);
  socket_error(std::error_code code, const std::string& what);
};

/// A socket operation did not complete within the socket's timeout (Python's socket.timeout).
class timeout_error : public socket_error {
 public:
  explicit timeout_error(const std::string& what);
};

/// A non-blocking socket had nothing to do right now (Python's BlockingIOError).
class would_block_error : public socket_error {
 public:
  explicit would_block_error(const std::string& what);
};

/// Text that does not parse: an address, a network, a port. what() says what is wrong.
class parse_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Throws socket_error for the current errno, naming the operation ("connect", "bind"...).
[[noreturn]] void throw_errno(const std::string& operation);

/// Throws socket_error (or timeout_error / would_block_error) for errno_value.
[[noreturn]] void throw_error(int errno_value, const std::string& operation);

}  // namespace sockit
