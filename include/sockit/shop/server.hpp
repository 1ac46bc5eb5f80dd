// The snack shop service: many customers at once on one shared, SQLite-backed stock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "sockit/server/config.hpp"
#include "sockit/server/message_reader.hpp"
#include "sockit/socket/endpoint.hpp"

namespace sockit::shop {

/// Value type.
struct ShopOptions {
  std::optional<std::filesystem::path> catalog;  ///< JSON or CSV; default: the seed's three snacks
  std::optional<std::filesystem::path> data_dir;  ///< shop.db lives here; nullopt keeps nothing
  std::int64_t balance_cents = 1000;              ///< each customer's starting balance
  server::MessageLimits limits;                   ///< line limit, quiet pause, idle timeout
};

/// Opens the store, listens on `endpoint` (a thread per customer unless config says
/// otherwise), tells `listening` the address, and serves until SIGINT/SIGTERM. Throws
/// parse_error for a bad catalog, store_error for a store that cannot open.
void serve(const Endpoint& endpoint, const server::ServerConfig& config,
           const ShopOptions& options, const std::function<void(const Address&)>& listening);

}  // namespace sockit::shop
