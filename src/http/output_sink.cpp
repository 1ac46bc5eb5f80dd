#include "output_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/core.h>

namespace sockit::http {
namespace fs = std::filesystem;

namespace {

constexpr int kMaxLinks = 40;  // as the kernel's own limit (ELOOP)

// `path` with its last component's symlinks followed, each relative one against the link's
// own directory; what it ends at may not exist yet (a dangling link: the file to create).
fs::path follow_links(fs::path path) {
  for (int hop = 0; hop < kMaxLinks; ++hop) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
    std::error_code ec;
    const auto target = fs::read_symlink(path, ec);
    if (ec)
      throw OutputError(fmt::format("cannot read the link {}: {}", path.string(), ec.message()));
    path = target.is_absolute() ? target : path.parent_path() / target;
  }
  throw OutputError(fmt::format("cannot write {}: {}", path.string(), std::strerror(ELOOP)));
}

// A new file beside `target`, made with O_EXCL (never another's file), mode 0666 less umask.
int create_beside(const fs::path& target, fs::path& temp) {
  const auto stem = "." + target.filename().string() + fmt::format(".sockit-{}", ::getpid());
  for (int attempt = 0;; ++attempt) {
    temp = target.parent_path() / (attempt ? fmt::format("{}-{}", stem, attempt) : stem);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
    if (fd >= 0 || errno != EEXIST || attempt == 100)
      return fd;  // EEXIST: a crashed run's leftover
  }
}

// The replaced file's owner and group where this user may give them (root; or a group it is
// in), else ours: EPERM is the expected answer for anyone else and not an error.
bool keep_owner(int fd, const struct stat& existing) {
  if (::fchown(fd, existing.st_uid, existing.st_gid) == 0) return true;
  if (errno != EPERM) return false;
  return ::fchown(fd, static_cast<uid_t>(-1), existing.st_gid) == 0 || errno == EPERM;
}

}  // namespace

OutputSink::OutputSink(const std::string& path, std::FILE* out) : out_(out) {
  if (path.empty() || path == "-") return;
  name_ = path;
  const auto target = follow_links(path);
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) {
    if (errno != ENOENT) fail("write", errno);
    open_temporary(target, nullptr);  // a new file
  } else if (S_ISDIR(st.st_mode)) {
    fail("write", EISDIR);
  } else if (S_ISREG(st.st_mode)) {
    open_temporary(target, &st);
  } else {
    open_through(target);  // a device, a FIFO, a socket: never replaced
  }
}

OutputSink::~OutputSink() {
  // Best effort, as a destructor cannot report: the body is abandoned, so its close cannot
  // matter, and nothing half-written is left behind.
  if (file_) std::fclose(file_);
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

void OutputSink::open_through(const fs::path& target) {
  const int fd = ::open(target.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) fail("write", errno);
  file_ = ::fdopen(fd, "wb");
  if (!file_) {
    const int e = errno;
    ::close(fd);
    fail("write", e);
  }
}

void OutputSink::open_temporary(const fs::path& target, const struct stat* existing) {
  target_ = target;
  const int fd = create_beside(target, temp_);
  if (fd < 0) {
    const int e = errno;
    temp_.clear();
    fail("write", e);
  }
  file_ = ::fdopen(fd, "wb");
  if (!file_) {
    const int e = errno;
    ::close(fd);
    fail("write", e);
  }
  // The owner first: a chown clears set-id bits, and those are not carried over anyway (the
  // kernel drops them, too, when a file's content is rewritten).
  if (existing && (!keep_owner(fd, *existing) || ::fchmod(fd, existing->st_mode & 0777) != 0)) {
    fail("keep the mode of", errno);
  }
}

void OutputSink::write(const char* data, std::size_t n) {
  FILE* to = file_ ? file_ : out_;
  if (std::fwrite(data, 1, n, to) != n) fail("write", errno);
  written_ += n;
}

void OutputSink::commit() {
  if (!file_) {
    if (std::fflush(out_) != 0) fail("write", errno);
    return;
  }
  const bool closed = std::fclose(std::exchange(file_, nullptr)) == 0;
  if (!closed) fail("save", errno);
  if (temp_.empty()) return;
  if (::rename(temp_.c_str(), target_.c_str()) != 0) fail("save", errno);
  temp_.clear();
}

void OutputSink::fail(const std::string& doing, int errno_value) const {
  throw OutputError(fmt::format("cannot {} {}: {}", doing, name_.empty() ? "stdout" : name_,
                                std::strerror(errno_value)));
}

}  // namespace sockit::http
