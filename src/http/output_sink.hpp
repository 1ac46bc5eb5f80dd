// Internal: where `sockit http get` puts a body, the way curl does. "" and "-" are the given
// stream (stdout). A regular file, or a new one, is written to a temporary file beside it and
// renamed over it only when the body is complete, keeping an existing file's permissions (and
// owner and group, where this user may set them). Anything else that exists — a character
// device such as /dev/null, a FIFO, a socket — is written through: renaming over it would
// replace the device with a plain file. A symlink is followed: its target is written or
// replaced, the link stays a link.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace sockit::http {

/// The destination cannot be opened, written or saved; what() is one line naming it and why.
struct OutputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One download's destination. Not thread safe. Owns the file it opened (not `out`).
class OutputSink {
 public:
  /// Opens `path` ("" or "-": `out`). Throws OutputError. A FIFO blocks here until it has a
  /// reader, as with any writer.
  OutputSink(const std::string& path, std::FILE* out);
  ~OutputSink();  ///< not committed: a temporary file is removed, the destination untouched
  OutputSink(const OutputSink&) = delete;
  OutputSink& operator=(const OutputSink&) = delete;

  /// Appends to the body. Throws OutputError.
  void write(const char* data, std::size_t n);
  /// The body is complete: flushed, and a temporary file renamed into place. Throws OutputError.
  void commit();
  std::uint64_t written() const noexcept { return written_; }
  /// False for stdout: a progress bar would mix with the body on a terminal.
  bool to_file() const noexcept { return !name_.empty(); }

 private:
  void open_through(const std::filesystem::path& target);
  void open_temporary(const std::filesystem::path& target, const struct stat* existing);
  [[noreturn]] void fail(const std::string& doing, int errno_value) const;

  std::string name_;              // as the user gave it, for messages; empty: stdout
  std::filesystem::path target_;  // a temporary file's destination (symlinks followed)
  std::filesystem::path temp_;    // empty unless written through a temporary file
  std::FILE* file_ = nullptr;     // owned; null for stdout
  std::FILE* out_;
  std::uint64_t written_ = 0;
};

}  // namespace sockit::http
