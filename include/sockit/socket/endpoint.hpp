// Endpoint: what a user types to name a socket address — `host:port`, `:port`, `[v6]:port`,
// `unix:/path` or `unix:@abstract` — before any name is resolved. Pure; no sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sockit {

/// A parsed, unresolved address. Value type; thread safe as any value.
struct Endpoint {
  enum class Kind { inet, unix_path, unix_abstract };

  Kind kind = Kind::inet;
  std::string host;  ///< inet: a name or a literal (IPv6 without brackets); empty means "any"
  std::uint16_t port = 0;
  std::string path;  ///< unix: the path, or the abstract name without its '@'

  /// Parses `host:port`, `:port`, `[v6]:port`, `unix:/path`, `unix:@name`. When the text has
  /// no port and `default_port` is given, that port is used. Throws parse_error naming the fault.
  static Endpoint parse(std::string_view text, std::optional<std::uint16_t> default_port = {});

  bool is_unix() const { return kind != Kind::inet; }

  /// Prints in the form parse() reads: `127.0.0.1:80`, `[::1]:80`, `:80`, `unix:/p`, `unix:@n`.
  std::string to_string() const;

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

/// Parses a port number "0".."65535". Throws parse_error ("bad port 'x'", "port 70000 out of
/// range 0-65535", "missing port").
std::uint16_t parse_port(std::string_view text);

/// Checks that `name` can be a DNS host name: labels of letters, digits, '-' and '_', each
/// 1-63 bytes, 253 bytes in all, an optional final dot. Throws parse_error saying why not.
/// Pure; thread safe.
void check_hostname(std::string_view name);

/// The longest Unix socket path the kernel accepts (sun_path less its terminating NUL).
inline constexpr std::size_t max_unix_path = 107;

}  // namespace sockit
