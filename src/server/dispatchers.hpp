// Internal: the factories of the three blocking dispatchers.
#pragma once

#include <cstddef>
#include <memory>

#include "sockit/server/dispatcher.hpp"

namespace sockit::server {

std::unique_ptr<Dispatcher> make_sequential_dispatcher();
std::unique_ptr<Dispatcher> make_threading_dispatcher(std::size_t max_threads);
std::unique_ptr<Dispatcher> make_forking_dispatcher(std::size_t max_children);

}  // namespace sockit::server
