// Internal: --allow / --deny by address or CIDR network, over the ip module.
#pragma once

#include <string>
#include <vector>

#include "sockit/core/ip.hpp"
#include "sockit/socket/address.hpp"

namespace sockit::nc {

/// Immutable after construction; thread safe.
class AccessList {
 public:
  /// Throws parse_error for an entry that is not an address or network.
  AccessList(const std::vector<std::string>& allow, const std::vector<std::string>& deny);
  /// Unix peers are always allowed; with an allow list only listed peers are; a denied peer
  /// never is.
  bool allows(const Address& peer) const;

 private:
  static std::vector<ip::Network> parse_all(const std::vector<std::string>& entries);
  std::vector<ip::Network> allow_;
  std::vector<ip::Network> deny_;
};

}  // namespace sockit::nc
