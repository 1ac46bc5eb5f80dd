// `sockit http serve`: a static web server on Beast — keep-alive, pipelining, HEAD, Range,
// ETag/Last-Modified, directory listings — that never serves anything outside its root.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>

#include "sockit/socket/address.hpp"
#include "sockit/socket/endpoint.hpp"

namespace sockit::http {

/// Value type.
struct StaticOptions {
  std::filesystem::path root = ".";
  std::size_t max_connections = 1024;
  std::size_t max_header_bytes = 8192;     ///< request line + headers; more: 431
  std::size_t max_target_bytes = 4096;     ///< request target; more: 414
  std::chrono::milliseconds header_timeout{10000};  ///< a request must arrive this fast
  std::chrono::milliseconds idle_timeout{30000};    ///< keep-alive wait between requests
  std::size_t threads = 0;                 ///< 0: one event loop per core
  bool access_log = true;                  ///< one common-log-format line per request
  std::size_t cache_bytes = 64 << 20;      ///< memory for small hot files (0: no cache)
  std::size_t cache_file_bytes = 256 << 10;  ///< files up to this size are cached
};

/// Serves `options.root` on `endpoint` until SIGINT/SIGTERM; `listening` gets the address.
/// Throws std::invalid_argument when the root is not a directory.
void serve_static(const Endpoint& endpoint, const StaticOptions& options,
                  const std::function<void(const Address&)>& listening);

}  // namespace sockit::http
