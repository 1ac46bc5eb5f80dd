#include "access.hpp"

#include <algorithm>

namespace sockit::nc {
namespace {

// The peer as the ip module sees it; an IPv4-mapped IPv6 peer counts as its IPv4 address.
ip::Address ip_of(const Address& peer) {
  auto host = peer.host();
  const auto pct = host.find('%');
  if (pct != std::string::npos) host.erase(pct);
  ip::Address a = ip::Address::parse(host);
  if (a.is_v6()) {
    if (const auto v4 = a.v6().mapped_v4()) return *v4;
  }
  return a;
}

bool any_contains(const std::vector<ip::Network>& nets, const ip::Address& a) {
  return std::any_of(nets.begin(), nets.end(), [&](const ip::Network& n) {
    return n.address().family() == a.family() && n.contains(a);
  });
}

}  // namespace

std::vector<ip::Network> AccessList::parse_all(const std::vector<std::string>& entries) {
  std::vector<ip::Network> out;
  for (const auto& e : entries) out.push_back(ip::Network::parse(e));
  return out;
}

AccessList::AccessList(const std::vector<std::string>& allow, const std::vector<std::string>& deny)
    : allow_(parse_all(allow)), deny_(parse_all(deny)) {}

bool AccessList::allows(const Address& peer) const {
  if (!peer.is_inet()) return true;
  const auto a = ip_of(peer);
  if (any_contains(deny_, a)) return false;
  return allow_.empty() || any_contains(allow_, a);
}

}  // namespace sockit::nc
