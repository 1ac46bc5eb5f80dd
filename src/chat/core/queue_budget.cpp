#include "chat/core/queue_budget.hpp"

#include <utility>

namespace sockit::chat {
namespace {

// The text and the budget it is charged to, in one allocation with the control block.
struct Charged {
  Charged(std::string t, QueueBudget& b) noexcept : text(std::move(t)), budget(b) {
    budget.charge(text.size());
  }
  ~Charged() { budget.release(text.size()); }
  Charged(const Charged&) = delete;
  Charged& operator=(const Charged&) = delete;

  const std::string text;
  QueueBudget& budget;
};

}  // namespace

Encoded QueueBudget::share(std::string text) {
  auto holder = std::make_shared<Charged>(std::move(text), *this);
  const std::string* bytes = &holder->text;
  return Encoded(std::move(holder), bytes);  // aliasing: the holder lives as long as the bytes
}

}  // namespace sockit::chat
