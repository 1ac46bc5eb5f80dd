#include "json_print.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/core.h>

namespace sockit::app {

void print_json(const boost::json::value& value) {
  fmt::print("{}\n", boost::json::serialize(value));
}

}  // namespace sockit::app
