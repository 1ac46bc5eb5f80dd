// Internal: memory given back after a flood of connections. glibc keeps what a server freed in
// its arenas for reuse, so after thousands of connections came and went the process stays at
// its peak size; and each thread's arena fragments differently, so floods ratchet it up. Once
// the connections have fallen well below their peak, malloc_trim returns the free pages.
#pragma once

#include <atomic>
#include <cstddef>

namespace sockit::server {

/// Thread safe.
class FloodTrim {
 public:
  /// Floods smaller than this are not worth a trim (it walks every arena: a few ms).
  static constexpr std::size_t kMinFlood = 1024;

  /// A connection was opened; `open` are open now.
  void opened(std::size_t open) noexcept;
  /// A connection was closed, `open` are left. Gives memory back (malloc_trim) when they have
  /// fallen to a quarter of the most open since the last trim, if that was a flood; once per
  /// flood, on the calling thread. True when it trimmed.
  bool closed(std::size_t open) noexcept;

 private:
  std::atomic<std::size_t> peak_{0};
};

}  // namespace sockit::server
