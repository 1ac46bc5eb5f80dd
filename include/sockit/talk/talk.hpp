// One-to-one, full-duplex chat (the tutorials' "QQ" A and B): what the user types goes to the
// peer line by line while whatever the peer sends is printed as it arrives. A line `quit`
// from either side ends both. Over TCP, or UDP with one datagram per line.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "sockit/socket/endpoint.hpp"
#include "sockit/socket/socket.hpp"

namespace sockit::talk {

/// How a conversation ended.
enum class End {
  local_quit,   ///< the user typed `quit`
  peer_quit,    ///< the peer sent `quit`
  peer_closed,  ///< the peer closed the connection (TCP)
  input_ended,  ///< our input ended and, over UDP, there is nothing more to wait for
};

std::string_view describe(End end) noexcept;

struct TalkOptions {
  std::chrono::milliseconds quiet{150};  ///< a pause that ends a peer's line with no newline
  std::size_t max_line = 65536;          ///< longer lines from the peer are cut there
  std::size_t max_pending = 1000;        ///< UDP listen: lines typed before a peer appears
  bool quit_word = true;                 ///< a line `quit` ends the conversation
};

/// Reports connection events ("connected to X") for the caller to print.
using Notify = std::function<void(const std::string&)>;

/// Listens on `endpoint`: TCP accepts one peer (then stops listening); UDP takes the sender
/// of the first datagram as the peer. `listening` is told the bound address first.
/// Not thread safe; blocks until the conversation ends.
End listen(const Endpoint& endpoint, bool udp, int input_fd, std::FILE* output,
           const TalkOptions& options, const Notify& notify);

/// Connects to `endpoint` and talks. Over UDP an empty datagram announces us to the peer.
End connect(const Endpoint& endpoint, bool udp, int input_fd, std::FILE* output,
            const TalkOptions& options, const Notify& notify);

/// The conversation on a connected socket (stream), or on a UDP socket whose peer is known
/// (connected) or not yet (`peer_known` false: the first sender becomes the peer).
End converse(Socket& socket, bool peer_known, int input_fd, std::FILE* output,
             const TalkOptions& options, const Notify& notify);

}  // namespace sockit::talk
