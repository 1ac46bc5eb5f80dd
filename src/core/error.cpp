#include "sockit/core/error.hpp"

#include <cerrno>

namespace sockit {

socket_error::socket_error(int errno_value, const std::string& what)
    : std::system_error(errno_value, std::generic_category(), what) {}

socket_error::socket_error(std::error_code code, const std::string& what)
    : std::system_error(code, what) {}

timeout_error::timeout_error(const std::string& what) : socket_error(ETIMEDOUT, what) {}

would_block_error::would_block_error(const std::string& what) : socket_error(EWOULDBLOCK, what) {}

void throw_errno(const std::string& operation) { throw_error(errno, operation); }

void throw_error(int errno_value, const std::string& operation) {
  if (errno_value == EAGAIN || errno_value == EWOULDBLOCK || errno_value == EINPROGRESS) {
    throw would_block_error(operation);
  }
  if (errno_value == ETIMEDOUT) throw timeout_error(operation);
  throw socket_error(errno_value, operation);
}

}  // namespace sockit
