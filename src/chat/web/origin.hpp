// Internal: the checks of a /ws upgrade request before the handshake: which web pages may
// open the chat WebSocket (Origin), and whether the client's key is one (RFC 6455).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sockit::chat {

/// True when an upgrade request with this `origin` header (empty if absent) and `host` header
/// may proceed. A request without Origin comes from a non-browser client (which could claim
/// any Origin) and is let through. A page served by this same host:port (the Host header)
/// may always connect; so may one whose origin equals an entry of `allowed`
/// ("http://host[:port]", scheme and host compared without case, default ports implied);
/// "*" in `allowed` lets every origin in. Pure; thread safe.
bool origin_allowed(std::string_view origin, std::string_view host,
                    const std::vector<std::string>& allowed);

/// True when `key` (the Sec-WebSocket-Key header) is the base64 form of 16 bytes, as RFC 6455
/// §4.2.1 requires: 24 characters, the last two "=". Others get 400. Pure; thread safe.
bool valid_websocket_key(std::string_view key) noexcept;

}  // namespace sockit::chat
