// Logging for every layer: one line per event on stderr (spdlog), level set by --log-level.
#pragma once

#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>

namespace sockit {

/// Sends logs to stderr, coloured only on a terminal and never with NO_COLOR set, at `level`
/// (trace, debug, info, warn, error, off). Throws parse_error for an unknown level. Call once
/// from main() before any thread starts.
void init_logging(std::string_view level = "info");

/// Thread safe.
template <class... Args>
void log_info(spdlog::format_string_t<Args...> format, Args&&... args) {
  spdlog::info(format, std::forward<Args>(args)...);
}
template <class... Args>
void log_warn(spdlog::format_string_t<Args...> format, Args&&... args) {
  spdlog::warn(format, std::forward<Args>(args)...);
}
template <class... Args>
void log_error(spdlog::format_string_t<Args...> format, Args&&... args) {
  spdlog::error(format, std::forward<Args>(args)...);
}
template <class... Args>
void log_debug(spdlog::format_string_t<Args...> format, Args&&... args) {
  spdlog::debug(format, std::forward<Args>(args)...);
}

}  // namespace sockit
