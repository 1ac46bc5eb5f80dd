// Internal: small, often-served files kept in memory with their validators, checked against
// inode, size and modification time on every use so a changed file is never served stale.
// Bounded in bytes (LRU).
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace sockit::http {

/// A cached file: its bytes and the validators every answer carries. Immutable.
struct CachedFile {
  std::string bytes;
  std::string etag;           ///< make_etag(size, mtime)
  std::string last_modified;  ///< http_date(mtime)
};

/// Thread safe.
class FileCache {
 public:
  FileCache(std::size_t max_bytes, std::size_t max_file_bytes)
      : max_bytes_(max_bytes), max_file_bytes_(max_file_bytes) {}

  /// The cached file `st` describes (an fstat of `fd`) if it is cached with this inode, size
  /// and mtime; else, if the file is small enough, reads it from `fd` and caches it. nullptr
  /// when not cacheable or the read failed (the caller streams the file instead).
  std::shared_ptr<const CachedFile> get(const struct stat& st, int fd);

 private:
  using Key = std::pair<dev_t, ino_t>;
  struct Entry {
    std::shared_ptr<const CachedFile> file;
    std::int64_t mtime_ns;
    std::list<Key>::iterator lru;
  };
  void insert(const Key& key, std::shared_ptr<const CachedFile> file, std::int64_t mtime_ns);

  const std::size_t max_bytes_;
  const std::size_t max_file_bytes_;
  std::mutex mu_;
  std::map<Key, Entry> entries_;
  std::list<Key> lru_;  // most recent first
  std::size_t bytes_ = 0;
};

/// The modification time of `st` in nanoseconds.
inline std::int64_t mtime_ns(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace sockit::http
