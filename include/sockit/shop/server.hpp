// The snack shop service: many customers at once on one shared, SQLite-backed stock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "sockit/server/config.hpp"
#include "sockit/server/message_reader.hpp"
#include "sockit/server/service.hpp"
#include "sockit/socket/address.hpp"
#include "sockit/socket/endpoint.hpp"

namespace sockit::shop {

/// Value type.
struct ShopOptions {
  std::optional<std::filesystem::path> catalog;  ///< JSON or CSV; default: the seed's three snacks
  std::optional<std::filesystem::path> data_dir;  ///< shop.db lives here; nullopt keeps nothing
  std::int64_t balance_cents = 1000;              ///< each customer's starting balance
  server::MessageLimits limits;                   ///< line limit, quiet pause, idle timeout
};

/// The shop, embeddable (server/service.hpp): opens the store and listens on `endpoint` (a
/// thread per customer unless config says otherwise) when constructed; serves from start()
/// until stop(). Thread safety as Service's.
class ShopServer : public server::Service {
 public:
  /// Throws parse_error for a bad catalog, store_error for a store that cannot open,
  /// socket_error when it cannot listen.
  ShopServer(const Endpoint& endpoint, const server::ServerConfig& config, ShopOptions options);
  ~ShopServer() override;
  /// Where it listens (the real port when bound to port 0). Thread safe.
  const Address& local_address() const noexcept;
  void request_stop() noexcept override;

 private:
  void run() override;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sockit::shop
