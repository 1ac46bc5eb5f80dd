// Internal: the conditional header fields of a request on sockit's HTTP connection loop, for
// evaluate_preconditions (sockit/http/preconditions.hpp). Shared by every web port.
#pragma once

#include "connection.hpp"
#include "sockit/http/preconditions.hpp"

namespace sockit::http {

/// Views into `req`, which must outlive the result. Pure.
Conditions conditions_of(const Request& req);

}  // namespace sockit::http
