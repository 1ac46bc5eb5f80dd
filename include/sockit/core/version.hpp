// The library's version string, "MAJOR.MINOR.PATCH".
#pragma once

#include <string_view>

namespace sockit {

/// Thread safe.
std::string_view version() noexcept;

}  // namespace sockit
