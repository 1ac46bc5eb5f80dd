// The sequential model: each request runs to completion in the serving thread.
#include "sockit/server/dispatcher.hpp"

#include <stdexcept>

#include "dispatchers.hpp"

namespace sockit::server {

Dispatcher::~Dispatcher() = default;

namespace {

class SequentialDispatcher final : public Dispatcher {
 public:
  bool dispatch(Job job) override {
    busy_ = true;
    job.run(job.connection);
    busy_ = false;
    return true;
  }
  void stop(std::chrono::milliseconds) override {}
  std::size_t active() const override { return busy_ ? 1 : 0; }

 private:
  std::atomic<bool> busy_{false};
};

}  // namespace

std::unique_ptr<Dispatcher> make_sequential_dispatcher() {
  return std::make_unique<SequentialDispatcher>();
}

std::unique_ptr<Dispatcher> make_dispatcher(const ServerConfig& config) {
  switch (config.model) {
    case Model::sequential:
      return make_sequential_dispatcher();
    case Model::threading:
      return make_threading_dispatcher(config.max_threads);
    case Model::forking:
      return make_forking_dispatcher(config.max_children);
    case Model::async:
      break;
  }
  throw std::invalid_argument("the async model is served by AsyncServer, not a Dispatcher");
}

}  // namespace sockit::server
