#include "file_cache.hpp"

#include <unistd.h>

namespace sockit::http {

std::shared_ptr<const std::string> FileCache::get(const std::string& path, std::uint64_t size,
                                                  std::int64_t mtime_ns, int fd) {
  if (size > max_file_bytes_) return nullptr;
  {
    std::lock_guard lock(mu_);
    const auto it = entries_.find(path);
    if (it != entries_.end() && it->second.bytes->size() == size &&
        it->second.mtime_ns == mtime_ns) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return it->second.bytes;
    }
  }
  auto bytes = std::make_shared<std::string>(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, bytes->data() + done, size - done, static_cast<off_t>(done));
    if (n <= 0) return nullptr;  // changed under us or unreadable: stream it instead
    done += static_cast<std::size_t>(n);
  }
  insert(path, bytes, mtime_ns);
  return bytes;
}

void FileCache::insert(const std::string& path, std::shared_ptr<const std::string> bytes,
                       std::int64_t mtime_ns) {
  std::lock_guard lock(mu_);
  if (const auto old = entries_.find(path); old != entries_.end()) {
    bytes_ -= old->second.bytes->size();
    lru_.erase(old->second.lru);
    entries_.erase(old);
  }
  bytes_ += bytes->size();
  lru_.push_front(path);
  entries_[path] = Entry{std::move(bytes), mtime_ns, lru_.begin()};
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    const auto victim = entries_.find(lru_.back());
    bytes_ -= victim->second.bytes->size();
    entries_.erase(victim);
    lru_.pop_back();
  }
}

}  // namespace sockit::http
