// Test support: test data that no text editor would make, and a way to compare big blobs in
// a failure message without printing them.
#pragma once

#include <random>
#include <string>

#include "support/process.hpp"

namespace sockit::test {

/// `n` pseudo-random bytes (every byte value), the same for the same `seed`.
inline std::string random_bytes(std::size_t n, std::uint64_t seed = 7) {
  std::string data(n, '\0');
  std::mt19937_64 rng(seed);
  for (auto& c : data) c = static_cast<char>(rng());
  return data;
}

/// The SHA-256 of `data` in hex, from the system's sha256sum.
inline std::string sha256_of(const std::string& data) {
  return run({"sha256sum"}, data).out.substr(0, 64);
}

}  // namespace sockit::test
