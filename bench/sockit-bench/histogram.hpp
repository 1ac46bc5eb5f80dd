// Latency recording for sockit-bench: a log-linear histogram (HDR-style: every value kept to
// within 1/64 of itself) that merges across threads and answers percentiles.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <vector>

namespace sockit::bench {

/// Not thread safe: one per thread, merged at the end.
class Histogram {
 public:
  static constexpr int kSubBits = 6;  // 64 sub-buckets per power of two: < 1.6 % error

  void record(std::uint64_t value_ns) {
    ++counts_[index(value_ns)];
    ++total_;
    if (value_ns > max_) max_ = value_ns;
  }
  void merge(const Histogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    if (other.max_ > max_) max_ = other.max_;
  }
  std::uint64_t count() const { return total_; }
  std::uint64_t max() const { return max_; }

  /// The value at quantile q (0..1), as the upper edge of its bucket.
  std::uint64_t percentile(double q) const {
    if (total_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(upper(i), max_);
    }
    return max_;
  }

 private:
  static std::size_t index(std::uint64_t v) {
    if (v < (1u << kSubBits)) return static_cast<std::size_t>(v);
    const int exp = static_cast<int>(std::bit_width(v)) - 1 - kSubBits;
    const auto sub = (v >> exp) & ((1u << kSubBits) - 1);
    return static_cast<std::size_t>((exp + 1) << kSubBits) + static_cast<std::size_t>(sub);
  }
  static std::uint64_t upper(std::size_t i) {
    if (i < (1u << kSubBits)) return i;
    const auto exp = static_cast<int>(i >> kSubBits) - 1;
    const auto sub = (i & ((1u << kSubBits) - 1)) | (1u << kSubBits);
    return ((static_cast<std::uint64_t>(sub) + 1) << exp) - 1;
  }

  std::array<std::uint64_t, (64 - kSubBits + 1) << kSubBits> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace sockit::bench
