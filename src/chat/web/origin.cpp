#include "chat/web/origin.hpp"

#include <algorithm>
#include <optional>

#include <boost/url/parse.hpp>

namespace sockit::chat {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string default_port(std::string_view scheme) { return scheme == "https" ? "443" : "80"; }

// "scheme://host:port" with case folded and the default port spelled out; nullopt when
// `origin` is not an http(s) origin ("null", a path, garbage).
std::optional<std::string> normal_origin(std::string_view origin) {
  const auto url = boost::urls::parse_absolute_uri(origin);
  if (!url || !url->has_authority()) return std::nullopt;
  const auto scheme = lower(url->scheme());
  if (scheme != "http" && scheme != "https") return std::nullopt;
  if (!url->encoded_path().empty() && url->encoded_path() != "/") return std::nullopt;
  const std::string port = url->has_port() ? std::string(url->port()) : default_port(scheme);
  return scheme + "://" + lower(url->encoded_host()) +
         ":" + port;
}

// The Host header as "host:port", the port implied by `scheme` when absent.
std::optional<std::string> normal_host(std::string_view host, std::string_view scheme) {
  const auto authority = boost::urls::parse_authority(host);
  if (!authority || host.empty()) return std::nullopt;
  const std::string port =
      authority->has_port() ? std::string(authority->port()) : default_port(scheme);
  return lower(authority->encoded_host()) + ":" + port;
}

}  // namespace

bool origin_allowed(std::string_view origin, std::string_view host,
                    const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), "*") != allowed.end()) return true;
  if (origin.empty()) return true;  // not a browser: it could claim any Origin anyway
  const auto normal = normal_origin(origin);
  if (!normal) return false;
  const auto scheme = normal->substr(0, normal->find(':'));
  if (const auto same = normal_host(host, scheme); same && *normal == scheme + "://" + *same) {
    return true;
  }
  return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& entry) {
    const auto other = normal_origin(entry);
    return other && *other == *normal;
  });
}

bool valid_websocket_key(std::string_view key) noexcept {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  constexpr std::string_view kLastOfSixteen = "AQgw";  // 2 bits of data, 4 zero bits
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (std::size_t i = 0; i < 21; ++i) {
    if (kAlphabet.find(key[i]) == std::string_view::npos) return false;
  }
  return kLastOfSixteen.find(key[21]) != std::string_view::npos;
}

}  // namespace sockit::chat
