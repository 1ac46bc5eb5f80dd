// SocketFile: what Python's socket.makefile() gives — a buffered reader with readline() and a
// buffered writer over a Socket it does not own.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sockit {

class Socket;

/// Buffered reading and writing over a borrowed Socket, which must outlive this object.
/// Not thread safe. Reads honour the socket's timeout (timeout_error propagates and keeps
/// already-buffered bytes for the next call).
class SocketFile {
 public:
  explicit SocketFile(Socket& socket, std::size_t buffer_size = 8192);
  SocketFile(SocketFile&&) noexcept = default;
  SocketFile(const SocketFile&) = delete;
  SocketFile& operator=(const SocketFile&) = delete;
  SocketFile& operator=(SocketFile&&) = delete;
  /// Flushes pending writes; an error there cannot be reported, so call flush() first.
  ~SocketFile();

  /// One line including its '\n'; at most `limit` bytes (a longer line comes in pieces);
  /// the last unterminated line at end of stream; empty at end of stream.
  std::string readline(std::size_t limit = 65536);
  /// Exactly `n` bytes, or fewer only at end of stream.
  std::string read(std::size_t n);
  /// Everything until end of stream, at most `limit` bytes (throws std::length_error past it).
  std::string read_all(std::size_t limit = 64 * 1024 * 1024);
  /// Bytes already received but not yet returned.
  std::size_t buffered() const noexcept { return in_.size() - pos_; }

  /// Buffers `data`, sending once the buffer fills.
  void write(std::string_view data);
  /// Sends everything buffered.
  void flush();

 private:
  bool fill();  // false at end of stream
  std::string take(std::size_t n);

  Socket* socket_;
  std::size_t buffer_size_;
  std::string in_;
  std::size_t pos_ = 0;
  std::string out_;
};

}  // namespace sockit
