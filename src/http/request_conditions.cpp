#include "request_conditions.hpp"

namespace sockit::http {
namespace {

// Every line of `field` (a list may be sent as several lines, RFC 9110 §5.3).
std::vector<std::string_view> lines_of(const Request& req, bhttp::field field) {
  std::vector<std::string_view> lines;
  const auto [first, last] = req.equal_range(field);
  for (auto it = first; it != last; ++it)
    lines.emplace_back(it->value().data(), it->value().size());
  return lines;
}

}  // namespace

Conditions conditions_of(const Request& req) {
  Conditions c;
  c.if_match = lines_of(req, bhttp::field::if_match);
  c.if_unmodified_since = lines_of(req, bhttp::field::if_unmodified_since);
  c.if_none_match = lines_of(req, bhttp::field::if_none_match);
  c.if_modified_since = lines_of(req, bhttp::field::if_modified_since);
  c.if_range = lines_of(req, bhttp::field::if_range);
  c.get_or_head = req.method() == bhttp::verb::get || req.method() == bhttp::verb::head;
  c.has_range = req.count(bhttp::field::range) > 0;
  return c;
}

}  // namespace sockit::http
