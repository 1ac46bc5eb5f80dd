/// \file
/// Overloaded{f, g, ...}: one callable from several lambdas, for std::visit over a variant. A
/// visit that leaves an alternative without a matching lambda does not compile.
#pragma once

namespace sockit {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;  // (clang before 17 deduces no aggregate's arguments)

}  // namespace sockit
