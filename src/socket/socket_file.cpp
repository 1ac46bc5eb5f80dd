#include "sockit/socket/socket_file.hpp"

#include <algorithm>
#include <stdexcept>
#include <system_error>

#include "sockit/socket/socket.hpp"

namespace sockit {

SocketFile Socket::makefile(std::size_t buffer_size) { return SocketFile(*this, buffer_size); }

SocketFile::SocketFile(Socket& socket, std::size_t buffer_size)
    : socket_(&socket), buffer_size_(std::max<std::size_t>(buffer_size, 1)) {}

SocketFile::~SocketFile() {
  if (out_.empty() || !*socket_) return;
  std::error_code ec;
  std::string_view rest = out_;
  while (!rest.empty()) {
    const auto n = socket_->send(rest, ec);
    if (ec) return;  // documented: errors after the owner skipped flush() are not reportable
    rest.remove_prefix(n);
  }
}

bool SocketFile::fill() {
  if (pos_ > 0) {  // drop what was consumed so the buffer never grows past what is pending
    in_.erase(0, pos_);
    pos_ = 0;
  }
  const std::size_t old = in_.size();
  in_.resize(old + buffer_size_);
  std::size_t n = 0;
  try {
    n = socket_->recv_into(std::span<char>(in_.data() + old, buffer_size_));
  } catch (...) {
    in_.resize(old);
    throw;
  }
  in_.resize(old + n);
  return n > 0;
}

std::string SocketFile::take(std::size_t n) {
  std::string out = in_.substr(pos_, n);
  pos_ += n;
  if (pos_ == in_.size()) {
    in_.clear();
    pos_ = 0;
  }
  return out;
}

std::string SocketFile::readline(std::size_t limit) {
  std::size_t scanned = 0;
  for (;;) {
    const std::string_view have(in_.data() + pos_, in_.size() - pos_);
    const auto nl = have.find('\n', scanned);
    if (nl != std::string_view::npos && nl < limit) return take(nl + 1);
    if (have.size() >= limit) return take(limit);
    scanned = have.size();
    if (!fill()) return take(buffered());
  }
}

std::string SocketFile::read(std::size_t n) {
  while (buffered() < n) {
    if (!fill()) break;
  }
  return take(std::min(n, buffered()));
}

std::string SocketFile::read_all(std::size_t limit) {
  while (fill()) {
    if (buffered() > limit) throw std::length_error("read_all: stream longer than limit");
  }
  return take(buffered());
}

void SocketFile::write(std::string_view data) {
  out_.append(data);
  if (out_.size() >= buffer_size_) flush();
}

void SocketFile::flush() {
  if (out_.empty()) return;
  socket_->sendall(out_);
  out_.clear();
}

}  // namespace sockit
