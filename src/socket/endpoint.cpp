#include "sockit/socket/endpoint.hpp"

#include <charconv>
#include <string>

#include "sockit/core/error.hpp"

namespace sockit {
namespace {

std::string quoted(std::string_view text) {
  std::string out;  // appended, not "'" + string: GCC 12's -Wrestrict misfires on that
  out.reserve(text.size() + 2);
  return out.append(1, '\'').append(text).append(1, '\'');
}

Endpoint parse_unix(std::string_view rest, std::string_view text) {
  Endpoint ep;
  const bool abstract = !rest.empty() && rest.front() == '@';
  if (abstract) rest.remove_prefix(1);
  if (rest.empty()) throw parse_error("empty unix socket path in " + quoted(text));
  if (rest.size() > max_unix_path) {
    throw parse_error("unix socket path too long (" + std::to_string(rest.size()) + " bytes, max " +
                      std::to_string(max_unix_path) + ")");
  }
  if (rest.find('\0') != std::string_view::npos) {
    throw parse_error("unix socket path contains a NUL byte");
  }
  ep.kind = abstract ? Endpoint::Kind::unix_abstract : Endpoint::Kind::unix_path;
  ep.path = std::string(rest);
  return ep;
}

// Splits "[v6]:port" / "[v6]" into host and the text after ']' (":port" or "").
std::pair<std::string_view, std::string_view> split_bracketed(std::string_view text) {
  const auto close = text.find(']');
  if (close == std::string_view::npos) throw parse_error("missing ']' in " + quoted(text));
  const auto host = text.substr(1, close - 1);
  if (host.empty()) throw parse_error("empty IPv6 address in brackets in " + quoted(text));
  if (host.find('[') != std::string_view::npos) throw parse_error("bad brackets in " + quoted(text));
  const auto rest = text.substr(close + 1);
  if (!rest.empty() && rest.front() != ':') {
    throw parse_error("expected ':' after ']' in " + quoted(text));
  }
  return {host, rest};
}

std::uint16_t port_or_default(std::string_view port_text, bool has_colon,
                              std::optional<std::uint16_t> default_port, std::string_view text) {
  if (has_colon) return parse_port(port_text);
  if (default_port) return *default_port;
  throw parse_error("missing port in " + quoted(text) + " (expected HOST:PORT)");
}

}  // namespace

std::uint16_t parse_port(std::string_view text) {
  if (text.empty()) throw parse_error("missing port");
  unsigned long value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range || (ec == std::errc{} && ptr == end && value > 65535)) {
    throw parse_error("port " + std::string(text) + " out of range 0-65535");
  }
  if (ec != std::errc{} || ptr != end) throw parse_error("bad port " + quoted(text));
  return static_cast<std::uint16_t>(value);
}

void check_hostname(std::string_view name) {
  const std::string shown = quoted(name);
  if (name.empty()) throw parse_error("empty host name");
  if (name.size() > 254 || (name.size() == 254 && name.back() != '.')) {
    throw parse_error("host name too long (max 253 bytes): " + shown);
  }
  if (name.back() == '.') name.remove_suffix(1);
  std::size_t label = 0;
  for (const char c : name) {
    if (c == '.') {
      if (label == 0) throw parse_error("empty label in host name " + shown);
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) throw parse_error("bad character in host name " + shown);
    if (++label > 63) throw parse_error("label longer than 63 bytes in host name " + shown);
  }
  if (label == 0) throw parse_error("empty label in host name " + shown);
}

Endpoint Endpoint::parse(std::string_view text, std::optional<std::uint16_t> default_port) {
  if (text.starts_with("unix:")) return parse_unix(text.substr(5), text);
  if (text.empty()) throw parse_error("empty address");
  Endpoint ep;
  if (text.front() == '[') {
    const auto [host, rest] = split_bracketed(text);
    ep.host = std::string(host);
    ep.port = port_or_default(rest.empty() ? rest : rest.substr(1), !rest.empty(), default_port,
                              text);
    return ep;
  }
  if (text.find(']') != std::string_view::npos) throw parse_error("bad brackets in " + quoted(text));
  const auto colon = text.rfind(':');
  if (colon != std::string_view::npos && text.find(':') != colon) {
    throw parse_error("IPv6 address needs brackets, as in [::1]:8000: " + quoted(text));
  }
  const bool has_colon = colon != std::string_view::npos;
  ep.host = std::string(text.substr(0, has_colon ? colon : text.size()));
  ep.port = port_or_default(has_colon ? text.substr(colon + 1) : std::string_view{}, has_colon,
                            default_port, text);
  if (ep.host.find_first_of(" \t\r\n/") != std::string::npos) {
    throw parse_error("bad host " + quoted(ep.host));
  }
  return ep;
}

std::string Endpoint::to_string() const {
  switch (kind) {
    case Kind::unix_path:
      return "unix:" + path;
    case Kind::unix_abstract:
      return "unix:@" + path;
    case Kind::inet:
      break;
  }
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace sockit
