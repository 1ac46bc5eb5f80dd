// How a server's end-of-turn writes reach the kernel: batched through io_uring (one system call
// for every connection the loop writes to in a turn) or one sendmsg a connection.
#pragma once

#include <optional>
#include <string>

namespace sockit::server {

enum class SendPath {
  automatic,  ///< io_uring where the kernel allows it, else sendmsg (logged once)
  io_uring,   ///< io_uring; a server refuses to start without it
  sendmsg,    ///< one sendmsg a connection
};

/// "auto", "on", "off" -> the path; nullopt for anything else.
std::optional<SendPath> parse_send_path(const std::string& text);

/// Chooses the path for the loops started after it (process-wide): throws
/// std::runtime_error for io_uring where the kernel refuses it, with the reason.
void use_send_path(SendPath path);

}  // namespace sockit::server
