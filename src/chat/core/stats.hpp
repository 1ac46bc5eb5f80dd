// Internal: the chat server's counters, kept by the hub and its sessions and rendered by
// /metrics. Relaxed atomics: each number is exact, a set of them is not one snapshot.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sockit/chat/protocol/protocol.hpp"
#include "chat/core/disconnect.hpp"
#include "chat/transport/transport.hpp"

namespace sockit::chat {

/// Why a message or request was discarded instead of delivered or served.
enum class DropReason { slow_consumer, rate_limited, closing, store_unavailable };
inline constexpr std::size_t kDropReasons = 4;
std::string_view drop_reason_name(DropReason reason) noexcept;

inline constexpr std::size_t kErrcSlots = static_cast<std::size_t>(Errc::auth_failed) + 1;

/// Thread safe: every member may be called from any thread.
class ChatStats {
 public:
  std::atomic<std::uint64_t> messages_in{0};  ///< broadcasts and directs accepted
  std::atomic<std::uint64_t> direct_deliveries{0};  ///< direct messages handed to their recipient

  void error(Errc code) noexcept { bump(errors_[slot(code)]); }
  void dropped(DropReason reason, std::uint64_t n = 1) noexcept {
    drops_[static_cast<std::size_t>(reason)].fetch_add(n, std::memory_order_relaxed);
  }
  void connected(TransportKind kind) noexcept {
    bump(accepted_[static_cast<std::size_t>(kind)]);
    clients_[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
  }
  void disconnected(TransportKind kind, DisconnectReason reason) noexcept {
    clients_[static_cast<std::size_t>(kind)].fetch_sub(1, std::memory_order_relaxed);
    bump(disconnects_[static_cast<std::size_t>(reason)]);
  }
  /// A connection refused before it became a session (server_full).
  void refused() noexcept { bump(disconnects_[static_cast<std::size_t>(DisconnectReason::server_full)]); }

  std::uint64_t errors(Errc code) const noexcept { return load(errors_[slot(code)]); }
  std::uint64_t drops(DropReason r) const noexcept { return load(drops_[static_cast<std::size_t>(r)]); }
  std::int64_t clients(TransportKind k) const noexcept {
    return clients_[static_cast<std::size_t>(k)].load(std::memory_order_relaxed);
  }
  std::uint64_t accepted(TransportKind k) const noexcept { return load(accepted_[static_cast<std::size_t>(k)]); }
  std::uint64_t disconnects(DisconnectReason r) const noexcept {
    return load(disconnects_[static_cast<std::size_t>(r)]);
  }

 private:
  static std::size_t slot(Errc code) noexcept {
    const auto i = static_cast<std::size_t>(code);
    return i < kErrcSlots ? i : 0;
  }
  static void bump(std::atomic<std::uint64_t>& c) noexcept { c.fetch_add(1, std::memory_order_relaxed); }
  static std::uint64_t load(const std::atomic<std::uint64_t>& c) noexcept {
    return c.load(std::memory_order_relaxed);
  }

  std::array<std::atomic<std::uint64_t>, kErrcSlots> errors_{};
  std::array<std::atomic<std::uint64_t>, kDropReasons> drops_{};
  std::array<std::atomic<std::int64_t>, kTransportKinds> clients_{};
  std::array<std::atomic<std::uint64_t>, kTransportKinds> accepted_{};
  std::array<std::atomic<std::uint64_t>, kDisconnectReasons> disconnects_{};
};

}  // namespace sockit::chat
