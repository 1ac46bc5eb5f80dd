// Internal: the chat server's web port — the embedded chat page, the WebSocket at /ws (the
// same protocol and limits as TCP, into the same hub), /healthz and /metrics.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "sockit/chat/core/limits.hpp"
#include "sockit/server/async_server.hpp"

namespace sockit::server {
class TlsCerts;
}

namespace sockit::chat {

class Hub;
class ChatStore;

/// What a web connection needs; every member must outlive the server. Read only once
/// serving starts (thread safe).
struct WebContext {
  Hub& hub;
  const ChatLimits& limits;
  const ChatStore* store;                 ///< may be null (no history)
  std::vector<std::string> allow_origins;  ///< more than the same host; "*": any
  std::chrono::seconds ws_idle{60};       ///< ping after half of it, close after all of it
  const server::TlsCerts* tls = nullptr;          ///< HTTPS and wss:// when set
  std::string metrics_token;              ///< /metrics needs "Authorization: Bearer" it; empty: open
  bool serve_metrics = true;              ///< false: /metrics is on a port of its own
  bool metrics_only = false;              ///< this port serves /metrics and /healthz only
};

/// The coroutine that serves one web connection: HTTP/1.1 keep-alive until it upgrades to
/// the chat WebSocket or closes. While it waits for a request, a full server may close it to
/// make room (plain HTTP; a WebSocket never).
server::ReusableStreamCoroutine web_coroutine(const WebContext& context);

}  // namespace sockit::chat
