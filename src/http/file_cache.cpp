#include "file_cache.hpp"

#include <unistd.h>

#include "sockit/http/files.hpp"

namespace sockit::http {

std::shared_ptr<const CachedFile> FileCache::get(const struct stat& st, int fd) {
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_file_bytes_) return nullptr;
  const Key key{st.st_dev, st.st_ino};
  const auto mtime = mtime_ns(st);
  {
    std::lock_guard lock(mu_);
    const auto it = entries_.find(key);
    if (it != entries_.end() && it->second.file->bytes.size() == size && it->second.mtime_ns == mtime) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return it->second.file;
    }
  }
  auto file = std::make_shared<CachedFile>();
  file->bytes.resize(size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, file->bytes.data() + done, size - done, static_cast<off_t>(done));
    if (n <= 0) return nullptr;  // changed under us or unreadable: stream it instead
    done += static_cast<std::size_t>(n);
  }
  file->etag = make_etag(size, mtime);
  file->last_modified = http_date(st.st_mtim.tv_sec);
  insert(key, file, mtime);
  return file;
}

void FileCache::insert(const Key& key, std::shared_ptr<const CachedFile> file, std::int64_t mtime) {
  std::lock_guard lock(mu_);
  if (const auto old = entries_.find(key); old != entries_.end()) {
    bytes_ -= old->second.file->bytes.size();
    lru_.erase(old->second.lru);
    entries_.erase(old);
  }
  bytes_ += file->bytes.size();
  lru_.push_front(key);
  entries_[key] = Entry{std::move(file), mtime, lru_.begin()};
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    const auto victim = entries_.find(lru_.back());
    bytes_ -= victim->second.file->bytes.size();
    entries_.erase(victim);
    lru_.pop_back();
  }
}

}  // namespace sockit::http
