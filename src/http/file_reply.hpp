// Internal: the static server's answer for a regular file it has opened — validators (ETag,
// Last-Modified), the conditional requests of RFC 9110 §13.2.2 (304, 412, If-Range), Range
// (206 with one range, or several as multipart/byteranges; 416) and the small-file cache.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <string_view>

#include "connection.hpp"
#include "file_cache.hpp"

namespace sockit::http {

/// A regular file opened for an answer. Value type; views.
struct OpenFile {
  int fd;                 ///< handed to the Reply, which closes it
  const struct stat& st;  ///< its fstat
  std::string_view name;  ///< its file name, for the Content-Type
};

/// Fills `r` for `req` (GET or HEAD) from `file`; a Range names at most `max_ranges` ranges,
/// else the whole file is sent. Runs on the connection's loop and does not block (the cache
/// reads only small files). `cache` is thread safe.
void file_reply(Reply& r, const Request& req, const OpenFile& file, FileCache& cache,
                std::size_t max_ranges);

}  // namespace sockit::http
