// Internal: the chat server's /metrics page in the Prometheus text exposition format 0.0.4.
#pragma once

#include <string>

namespace sockit::chat {

class Hub;
class ChatStore;

/// The content type of render_metrics' text.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

/// Clients by transport, rooms, messages in, deliveries, errors by code, drops and
/// disconnects by reason, and the store's queue and last commit (`store` may be null).
/// Thread safe.
std::string render_metrics(const Hub& hub, const ChatStore* store);

}  // namespace sockit::chat
