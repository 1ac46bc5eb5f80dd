#include "file_reply.hpp"

#include <unistd.h>

#include <random>
#include <utility>

#include <fmt/core.h>

#include "request_conditions.hpp"
#include "sockit/http/files.hpp"
#include "sockit/http/preconditions.hpp"
#include "sockit/http/ranges.hpp"

namespace sockit::http {
namespace {

// The file is not the answer after all (412, 416, or its bytes copied into the body).
void drop_file(Reply& r) {
  if (r.fd >= 0) ::close(std::exchange(r.fd, -1));
  r.cached.reset();
}

// 64 random bits an answer: a boundary no file is likely to hold. One generator a thread.
std::string new_boundary() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("sockit-{:016x}", rng());
}

// ETag and Last-Modified, from the cache when the file is in it (formatted once), and the
// cached bytes to send.
void set_validators(Reply& r, const struct stat& st, std::shared_ptr<const CachedFile> cached) {
  if (cached) {
    r.head.set(bhttp::field::etag, cached->etag);
    r.head.set(bhttp::field::last_modified, cached->last_modified);
    r.cached = std::shared_ptr<const std::string>(cached, &cached->bytes);
  } else {
    r.head.set(bhttp::field::etag, make_etag(static_cast<std::uint64_t>(st.st_size), mtime_ns(st)));
    r.head.set(bhttp::field::last_modified, http_date(st.st_mtim.tv_sec));
  }
}

void one_range(Reply& r, const ByteRange& range, std::uint64_t size) {
  r.offset = range.first;
  r.length = range.length();
  r.head.set(bhttp::field::content_range,
             fmt::format("bytes {}-{}/{}", range.first, range.last, size));
}

// Several ranges: from memory for a cached file, else each part sent from the file.
void many_ranges(Reply& r, const std::vector<ByteRange>& ranges, std::uint64_t size,
                 std::string_view type) {
  const auto boundary = new_boundary();
  auto body = multipart_byteranges(ranges, size, type, boundary);
  r.head.set(bhttp::field::content_type, "multipart/byteranges; boundary=" + boundary);
  if (r.cached) {
    r.body = multipart_body(body, *r.cached);
    drop_file(r);
    return;
  }
  r.length = body.length();
  r.multipart = std::move(body);
}

void range_reply(Reply& r, std::string_view header, std::uint64_t size, std::string_view type,
                 std::size_t max_ranges) {
  const auto set = parse_ranges(header, size, max_ranges);
  if (set.unsatisfiable) {
    drop_file(r);  // the answer is the text below, not the file
    plain(r, bhttp::status::range_not_satisfiable, "range not satisfiable\n");
    r.head.set(bhttp::field::content_range, fmt::format("bytes */{}", size));
    return;
  }
  if (set.ranges.empty()) return;  // ignored: the whole file
  r.head.result(bhttp::status::partial_content);
  if (set.ranges.size() == 1) return one_range(r, set.ranges.front(), size);
  many_ranges(r, set.ranges, size, type);
}

}  // namespace

void file_reply(Reply& r, const Request& req, const OpenFile& file, FileCache& cache,
                std::size_t max_ranges) {
  r.fd = file.fd;
  set_validators(r, file.st, cache.get(file.st, file.fd));
  const auto etag = r.head[bhttp::field::etag];
  const Validators current{std::string_view(etag.data(), etag.size()), file.st.st_mtim.tv_sec};
  const auto verdict = evaluate_preconditions(conditions_of(req), current);
  if (verdict == Verdict::not_modified)
    return r.head.result(bhttp::status::not_modified);  // no Content-Type
  if (verdict == Verdict::precondition_failed) {
    drop_file(r);
    return plain(r, bhttp::status::precondition_failed, "precondition failed\n");
  }
  const auto size = static_cast<std::uint64_t>(file.st.st_size);
  const auto type = mime_type(file.name);
  r.head.set(bhttp::field::accept_ranges, "bytes");
  r.head.set(bhttp::field::content_type, type);
  r.length = size;
  if (verdict == Verdict::proceed && req.count(bhttp::field::range)) {
    const auto header = req[bhttp::field::range];
    range_reply(r, std::string_view(header.data(), header.size()), size, type, max_ranges);
  }
}

}  // namespace sockit::http
