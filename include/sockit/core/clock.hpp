// Wall-clock time as the stores and the chat protocol write it: Unix time in milliseconds.
#pragma once

#include <chrono>
#include <cstdint>

namespace sockit {

/// Milliseconds since the Unix epoch, from the system clock. Thread safe.
inline std::int64_t unix_time_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace sockit
