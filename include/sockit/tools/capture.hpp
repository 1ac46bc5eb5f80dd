// Capture: live packets from one interface through libpcap, with a BPF filter compiled by
// libpcap from tcpdump's expression language. Needs CAP_NET_RAW (and CAP_NET_ADMIN for some
// interfaces); without it the constructor says so.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "sockit/tools/packet.hpp"

namespace sockit {

/// Capturing is not possible: no permission, no such interface, a filter that does not
/// compile. what() is one line for the user.
class capture_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CaptureOptions {
  std::string interface = "any";  ///< "any" is every interface, loopback included
  std::string filter;             ///< tcpdump syntax ("tcp port 8000"); empty takes everything
  int snaplen = 65535;            ///< bytes kept of each frame
};

/// One open capture. Not thread safe: one thread reads it.
class Capture {
 public:
  /// Opens and starts capturing at once. Throws capture_error.
  explicit Capture(const CaptureOptions& options);
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  /// The next decodable packet, waiting at most `timeout`; nullopt when none came (frames the
  /// decoder does not read are skipped). Throws capture_error if the interface goes away.
  std::optional<Packet> next(std::chrono::milliseconds timeout);
  /// Frames the kernel dropped because this reader was too slow (pcap_stats).
  unsigned dropped() const;
  /// The link type read (a DLT_ number).
  int link_type() const noexcept { return link_; }

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  int link_ = 0;
};

}  // namespace sockit
