// Prints a Boost.JSON value as one line on stdout: the `--json` output of every fact tool.
#pragma once

#include <boost/json/value.hpp>

namespace sockit::app {

/// Serialises `value` and writes it with a trailing newline to stdout.
void print_json(const boost::json::value& value);

}  // namespace sockit::app
