#include "chat/web/metrics.hpp"

#include <fmt/format.h>

#include "chat/core/hub.hpp"
#include "server/send_ring.hpp"
#include "sockit/chat/store/store.hpp"

namespace sockit::chat {
namespace {

// One metric family: its HELP and TYPE lines, then samples added by the caller.
class Page {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(text_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  template <class T>
  void sample(std::string_view name, T value) {
    fmt::format_to(std::back_inserter(text_), "{} {}\n", name, value);
  }
  template <class T>
  void sample(std::string_view name, std::string_view label, std::string_view label_value, T value) {
    // Label values here are fixed identifiers, never client text: no escaping needed.
    fmt::format_to(std::back_inserter(text_), "{}{{{}=\"{}\"}} {}\n", name, label, label_value, value);
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

void clients(Page& page, const ChatStats& stats) {
  page.family("sockit_chat_clients", "gauge", "Open chat connections, by transport.");
  for (std::size_t i = 0; i < kTransportKinds; ++i) {
    const auto kind = static_cast<TransportKind>(i);
    page.sample("sockit_chat_clients", "transport", transport_name(kind), stats.clients(kind));
  }
  page.family("sockit_chat_connections_total", "counter",
              "Chat connections accepted, by transport.");
  for (std::size_t i = 0; i < kTransportKinds; ++i) {
    const auto kind = static_cast<TransportKind>(i);
    page.sample("sockit_chat_connections_total", "transport", transport_name(kind),
                stats.accepted(kind));
  }
}

void traffic(Page& page, const Hub& hub, const ChatStats& stats) {
  page.family("sockit_chat_rooms", "gauge", "Rooms with at least one member.");
  page.sample("sockit_chat_rooms", hub.directory().room_count());
  page.family("sockit_chat_messages_received_total", "counter",
              "Room and direct messages accepted from clients.");
  page.sample("sockit_chat_messages_received_total", stats.messages_in.load(std::memory_order_relaxed));
  page.family("sockit_chat_deliveries_total", "counter", "Messages queued to their recipients.");
  page.sample("sockit_chat_deliveries_total", hub.deliveries());
  page.family("sockit_io_uring_submits_total", "counter",
              "io_uring_enter calls that sent a loop turn's writes (--io-uring).");
  page.sample("sockit_io_uring_submits_total", server::SendRing::submits());
  page.family("sockit_io_uring_sends_total", "counter", "Writes sent through those calls.");
  page.sample("sockit_io_uring_sends_total", server::SendRing::sends());
}

void failures(Page& page, const ChatStats& stats) {
  page.family("sockit_chat_errors_total", "counter", "Error answers sent to clients, by code.");
  for (std::size_t i = 1; i < kErrcSlots; ++i) {
    const auto code = static_cast<Errc>(i);
    page.sample("sockit_chat_errors_total", "code", code_name(code), stats.errors(code));
  }
  page.family("sockit_chat_dropped_total", "counter",
              "Messages and requests discarded instead of delivered or served, by reason.");
  for (std::size_t i = 0; i < kDropReasons; ++i) {
    const auto reason = static_cast<DropReason>(i);
    page.sample("sockit_chat_dropped_total", "reason", drop_reason_name(reason), stats.drops(reason));
  }
  page.family("sockit_chat_disconnects_total", "counter", "Chat connections ended, by reason.");
  for (std::size_t i = 0; i < kDisconnectReasons; ++i) {
    const auto reason = static_cast<DisconnectReason>(i);
    page.sample("sockit_chat_disconnects_total", "reason", disconnect_reason_name(reason),
                stats.disconnects(reason));
  }
}

void store_state(Page& page, const ChatStore* store) {
  page.family("sockit_chat_store_queue_length", "gauge",
              "Room messages accepted and not yet committed to the store.");
  page.sample("sockit_chat_store_queue_length", store ? store->queue_length() : 0);
  page.family("sockit_chat_store_last_flush_timestamp_seconds", "gauge",
              "Unix time of the store's last commit; 0 before the first or without a store.");
  const auto ms = store ? store->last_flush_ms() : 0;
  page.sample("sockit_chat_store_last_flush_timestamp_seconds",
              fmt::format("{}.{:03}", ms / 1000, ms % 1000));
  page.family("sockit_chat_store_failed", "gauge",
              "1 while the store cannot write (it retries; room messages are refused meanwhile).");
  page.sample("sockit_chat_store_failed", store && store->failure() ? 1 : 0);
  page.family("sockit_chat_store_failures_total", "counter",
              "Times the store went from writing to failing.");
  page.sample("sockit_chat_store_failures_total", store ? store->failures() : 0);
}

void queue_memory(Page& page, const Hub& hub) {
  page.family("sockit_chat_queued_bytes", "gauge",
              "Memory held by unsent output of all sessions (shared messages counted once).");
  page.sample("sockit_chat_queued_bytes", hub.budget().used());
}

void cluster_state(Page& page, const cluster::Gauges& g) {
  page.family("sockit_chat_cluster_redis_instances", "gauge", "Redis instances of --cluster.");
  page.sample("sockit_chat_cluster_redis_instances", g.instances);
  page.family("sockit_chat_cluster_redis_connected", "gauge", "Redis instances reachable now.");
  page.sample("sockit_chat_cluster_redis_connected", g.connected);
  page.family("sockit_chat_cluster_reconnects_total", "counter",
              "Redis instances connected again after a loss.");
  page.sample("sockit_chat_cluster_reconnects_total", g.reconnects);
  page.family("sockit_chat_cluster_publish_seconds", "summary",
              "Round trip of a room message through Redis (numbered, kept, published).");
  page.sample("sockit_chat_cluster_publish_seconds_sum", fmt::format("{:.6f}", g.publish_seconds_sum));
  page.sample("sockit_chat_cluster_publish_seconds_count", g.publishes);
  page.family("sockit_chat_cluster_caught_up_total", "counter",
              "Room messages read from the streams to fill what a subscription missed.");
  page.sample("sockit_chat_cluster_caught_up_total", g.caught_up);
  page.family("sockit_chat_cluster_catch_up_lag_seconds", "gauge",
              "The last catch-up: from reconnecting to Redis to having read what was missed.");
  page.sample("sockit_chat_cluster_catch_up_lag_seconds", fmt::format("{:.6f}", g.catch_up_lag_seconds));
  page.family("sockit_chat_cluster_reaped_nodes_total", "counter",
              "Silent nodes whose users this node removed from the cluster.");
  page.sample("sockit_chat_cluster_reaped_nodes_total", g.reaped_nodes);
  page.family("sockit_chat_cluster_heartbeat_failures_total", "counter",
              "Heartbeats of this node that Redis did not take (unreachable, out of memory).");
  page.sample("sockit_chat_cluster_heartbeat_failures_total", g.heartbeat_failures);
  page.family("sockit_chat_cluster_expiry_checks_total", "counter",
              "Looks for silent nodes, made while this node's own heartbeats are sound.");
  page.sample("sockit_chat_cluster_expiry_checks_total", g.expiry_checks);
  page.family("sockit_chat_cluster_subscription_bytes_total", "counter",
              "Bytes Redis sent this node on its subscriptions: the messages of the rooms it has "
              "members in, and its users' direct messages.");
  page.sample("sockit_chat_cluster_subscription_bytes_total", g.subscription_bytes);
}

}  // namespace

std::string render_metrics(const Hub& hub, const ChatStore* store) {
  Page page;
  const auto& stats = hub.stats();
  clients(page, stats);
  traffic(page, hub, stats);
  failures(page, stats);
  store_state(page, store);
  queue_memory(page, hub);
  if (const auto gauges = hub.directory().gauges()) cluster_state(page, *gauges);
  return page.take();
}

}  // namespace sockit::chat
