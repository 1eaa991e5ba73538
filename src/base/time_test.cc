#include "base/time.h"

#include <gtest/gtest.h>

namespace rumor {
namespace {

TEST(Time, ArithmeticIsExactInNanoseconds) {
  const Time t = Time::zero() + Duration::millis(1500);
  EXPECT_EQ(t.ns(), 1'500'000'000);
  EXPECT_EQ((t - Time::zero()), Duration::seconds(1) + Duration::millis(500));
  EXPECT_EQ((t - Duration::micros(1)).ns(), 1'499'999'000);
  EXPECT_DOUBLE_EQ(Duration::millis(250).sec(), 0.25);
}

TEST(Time, NeverIsLaterThanAnyRealTime) {
  EXPECT_LT(Time::zero() + Duration::seconds(1'000'000), Time::never());
}

}  // namespace
}  // namespace rumor
