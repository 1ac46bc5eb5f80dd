#include "sockit/core/log.hpp"

#include <cstdlib>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>

#include "sockit/core/error.hpp"

namespace sockit {

void init_logging(std::string_view level) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    throw parse_error("unknown log level '" + std::string(level) +
                      "' (expected trace, debug, info, warn, error or off)");
  }
  const bool plain = std::getenv("NO_COLOR") != nullptr;
  spdlog::drop("sockit");
  auto logger = spdlog::stderr_color_mt(
      "sockit", plain ? spdlog::color_mode::never : spdlog::color_mode::automatic);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(parsed);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace sockit
