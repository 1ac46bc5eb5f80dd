// `sockit demo handshake`: a listener and a client inside one process on loopback, traced,
// and told step by step in the tutorials' terms: the three-way handshake, one message each
// way, the four-way teardown from the chosen side, TIME_WAIT on that side, and restarting
// the server on its port without and with SO_REUSEADDR.
#pragma once

#include <functional>
#include <string>

#include "sockit/tools/trace_text.hpp"

namespace sockit {

struct HandshakeDemoOptions {
  bool server_closes_first = false;  ///< which side closes first (and so ends in TIME_WAIT)
  bool reuseaddr_at_once = false;    ///< the restart sets SO_REUSEADDR at once: no failing attempt
  Lang lang = Lang::en;
  std::string interface = "lo";
};

/// Runs the demo, handing each line of the story (no newline) to `say`. Throws
/// capture_error without the capabilities to capture, std::system_error if loopback fails.
/// Thread safe (it owns everything it uses).
void run_handshake_demo(const HandshakeDemoOptions& options,
                        const std::function<void(const std::string&)>& say);

}  // namespace sockit
