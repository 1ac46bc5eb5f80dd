// sockit-bench's histogram: percentiles within its stated precision.
#include <gtest/gtest.h>

#include "../../bench/sockit-bench/histogram.hpp"

namespace sockit::bench {
namespace {

TEST(Histogram, PercentilesWithinOneAndAHalfPercent) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.record(v * 1000);  // 1 us .. 100 ms
  EXPECT_EQ(h.count(), 100000u);
  for (const double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = q * 100000 * 1000;
    EXPECT_NEAR(static_cast<double>(h.percentile(q)), exact, exact * 0.016) << q;
  }
  EXPECT_EQ(h.percentile(1.0), 100000u * 1000);
  EXPECT_EQ(h.max(), 100000u * 1000);
}

TEST(Histogram, SmallValuesAreExactAndMergeAdds) {
  Histogram a, b;
  for (std::uint64_t v = 0; v < 64; ++v) a.record(v);
  b.record(1000000);
  a.merge(b);
  EXPECT_EQ(a.count(), 65u);
  EXPECT_EQ(a.percentile(0.5), 32u);
  EXPECT_EQ(a.percentile(1.0), 1000000u);
  EXPECT_EQ(Histogram().percentile(0.5), 0u);
}

}  // namespace
}  // namespace sockit::bench
