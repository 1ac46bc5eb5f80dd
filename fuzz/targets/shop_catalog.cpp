// Catalog files (JSON and CSV) and prices: bad text must be a parse_error, nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sockit/core/error.hpp"
#include "sockit/shop/catalog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sockit::shop;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    check_catalog(parse_catalog_json(text));
  } catch (const sockit::parse_error&) {
  }
  try {
    check_catalog(parse_catalog_csv(text));
  } catch (const sockit::parse_error&) {
  }
  try {
    (void)format_price(parse_price(text));
  } catch (const sockit::parse_error&) {
  }
  return 0;
}
