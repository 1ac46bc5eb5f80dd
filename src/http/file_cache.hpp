// Internal: small, often-served files kept in memory, checked against size and modification
// time on every use so a changed file is never served stale. Bounded in bytes (LRU).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sockit::http {

/// Thread safe.
class FileCache {
 public:
  FileCache(std::size_t max_bytes, std::size_t max_file_bytes)
      : max_bytes_(max_bytes), max_file_bytes_(max_file_bytes) {}

  /// The cached bytes of `path` if it is cached with this size and mtime; else, if the file
  /// is small enough, reads it (from `fd`) and caches it. nullptr when not cacheable or the
  /// read failed (the caller streams the file instead).
  std::shared_ptr<const std::string> get(const std::string& path, std::uint64_t size,
                                         std::int64_t mtime_ns, int fd);

 private:
  struct Entry {
    std::shared_ptr<const std::string> bytes;
    std::int64_t mtime_ns;
    std::list<std::string>::iterator lru;
  };
  void insert(const std::string& path, std::shared_ptr<const std::string> bytes,
              std::int64_t mtime_ns);

  const std::size_t max_bytes_;
  const std::size_t max_file_bytes_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recent first
  std::size_t bytes_ = 0;
};

}  // namespace sockit::http
