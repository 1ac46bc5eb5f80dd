// Request targets of `sockit http serve`: whatever the text, a resolved file lies under the
// root (no `..`, encoded slash or NUL gets out).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "sockit/http/files.hpp"

namespace {

std::filesystem::path make_root() {
  const auto root = std::filesystem::temp_directory_path() / "sockit-fuzz-root";
  std::filesystem::create_directories(root / "sub");
  std::ofstream(root / "index.html") << "hi";
  std::ofstream(root / "sub" / "a b.txt") << "x";
  return std::filesystem::canonical(root);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path root = make_root();
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  const auto result = sockit::http::resolve_target(root, target);
  const auto text = result.path.lexically_normal().string();
  if (!result.path.empty() && text.rfind(root.string(), 0) != 0) __builtin_trap();
  (void)sockit::http::mime_type(text);
  return 0;
}
