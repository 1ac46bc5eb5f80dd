// The snack shop's conversation: every line a customer may send, against a store in memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sockit/shop/catalog.hpp"
#include "sockit/shop/session.hpp"
#include "sockit/shop/store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sockit::shop;
  static ShopStore store = ShopStore::open_memory(default_catalog());
  ShopSession session(store, "127.0.0.1:1");
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    (void)session.on_line(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    if (session.balance_cents() < 0) __builtin_trap();
  }
  return 0;
}
