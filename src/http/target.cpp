#include <system_error>

#include <boost/url/decode_view.hpp>
#include <boost/url/pct_string_view.hpp>

#include "sockit/http/files.hpp"

namespace sockit::http {
namespace fs = std::filesystem;

namespace {

bool contains_ci(std::string_view text, std::string_view needle) {
  for (std::size_t i = 0; i + needle.size() <= text.size(); ++i) {
    bool same = true;
    for (std::size_t j = 0; j < needle.size() && same; ++j) {
      same = std::tolower(static_cast<unsigned char>(text[i + j])) == needle[j];
    }
    if (same) return true;
  }
  return false;
}

// Whether `path` is `root` or below it, comparing whole path elements.
bool within(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // a trailing separator of the root
    if (p == path.end() || *r != *p) return false;
  }
  return true;
}

}  // namespace

LexicalTarget lexical_target(std::string_view target) {
  LexicalTarget out;
  if (target.empty() || target.front() != '/') return {400, {}, {}};
  target = target.substr(0, target.find_first_of("?#"));
  // An encoded slash or backslash would hide a segment boundary from the checks below.
  if (contains_ci(target, "%2f") || contains_ci(target, "%5c")) return {404, {}, {}};
  const auto pct = boost::urls::make_pct_string_view(target);
  if (!pct) return {400, {}, {}};
  for (const char c : boost::urls::decode_view(*pct)) out.decoded += c;
  if (out.decoded.find('\0') != std::string::npos) return {400, {}, {}};
  std::size_t start = 1;
  while (start <= out.decoded.size()) {
    const auto end = std::min(out.decoded.find('/', start), out.decoded.size());
    const std::string_view segment(out.decoded.data() + start, end - start);
    if (segment == "..") return {403, {}, {}};
    if (!segment.empty() && segment != ".") {
      if (!out.relative.empty()) out.relative += '/';
      out.relative += segment;
    }
    start = end + 1;
  }
  return out;
}

TargetResult resolve_target(const fs::path& root, std::string_view target) {
  auto lexical = lexical_target(target);
  if (lexical.status) return {lexical.status, {}, false, {}};
  TargetResult out;
  out.decoded = std::move(lexical.decoded);
  std::error_code ec;
  const fs::path real = fs::canonical(root / lexical.relative, ec);  // follows symlinks: they must stay inside
  if (ec) return {404, {}, false, {}};
  if (!within(root, real)) return {403, {}, false, {}};
  out.path = real;
  out.is_directory = fs::is_directory(real, ec);
  if (!out.is_directory && out.decoded.ends_with('/')) return {404, {}, false, {}};  // "file/" names no file
  return out;
}

}  // namespace sockit::http
