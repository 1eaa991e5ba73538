#include "core/detect/threshold.h"

#include <gtest/gtest.h>

namespace rumor::core::detect {
namespace {

constexpr Duration kNs = Duration::nanos(1);

TEST(ThresholdConfig, DefaultsAreValid) {
  EXPECT_TRUE(ThresholdConfig{}.validate().is_ok());
}

TEST(ThresholdHealth, SuspectExactlyAtSuspectAfterIntervalsAndDeadExactlyAtDeadAfterMore) {
  ThresholdConfig c;
  c.suspect_after = 3;
  c.dead_after = 2;
  c.interval = Duration::seconds(1);
  const Time last = Time::from_ns(5'000'000'000);
  EXPECT_EQ(threshold_health(c, last, last), Health::kAlive);
  EXPECT_EQ(threshold_health(c, last, last + Duration::seconds(3) - kNs), Health::kAlive);
  EXPECT_EQ(threshold_health(c, last, last + Duration::seconds(3)), Health::kSuspect);
  EXPECT_EQ(threshold_health(c, last, last + Duration::seconds(5) - kNs), Health::kSuspect);
  EXPECT_EQ(threshold_health(c, last, last + Duration::seconds(5)), Health::kDead);
  EXPECT_EQ(threshold_health(c, last, last + Duration::seconds(3600)), Health::kDead);
}

TEST(ThresholdHealth, BoundariesHoldForEveryCombinationOfCounts) {
  for (uint32_t x = 1; x <= 5; ++x) {
    for (uint32_t y = 1; y <= 5; ++y) {
      ThresholdConfig c;
      c.suspect_after = x;
      c.dead_after = y;
      c.interval = Duration::millis(7);
      ASSERT_TRUE(c.validate().is_ok());
      const Time last = Time::from_ns(-123);  // any origin works, negative times too
      const Time suspect = last + c.interval * x;
      const Time dead = last + c.interval * (x + y);
      EXPECT_EQ(c.suspect_timeout(), c.interval * x);
      EXPECT_EQ(c.dead_timeout(), c.interval * (x + y));
      EXPECT_EQ(threshold_health(c, last, suspect - kNs), Health::kAlive) << x << "," << y;
      EXPECT_EQ(threshold_health(c, last, suspect), Health::kSuspect) << x << "," << y;
      EXPECT_EQ(threshold_health(c, last, dead - kNs), Health::kSuspect) << x << "," << y;
      EXPECT_EQ(threshold_health(c, last, dead), Health::kDead) << x << "," << y;
    }
  }
}

TEST(ThresholdHealth, NowBeforeLastProgressReadsAsAlive) {
  const ThresholdConfig c;
  const Time last = Time::from_ns(10'000'000'000);
  EXPECT_EQ(threshold_health(c, last, Time::zero()), Health::kAlive);
}

TEST(ThresholdConfig, LargestValidConfigTimeoutsAreExact) {
  ThresholdConfig c;
  c.suspect_after = 1000;
  c.dead_after = 1000;
  c.interval = Duration::seconds(3600);
  ASSERT_TRUE(c.validate().is_ok());
  EXPECT_EQ(c.suspect_timeout(), Duration::seconds(3600 * 1000));
  EXPECT_EQ(c.dead_timeout(), Duration::seconds(int64_t{3600} * 2000));
  EXPECT_EQ(threshold_health(c, Time::zero(), Time::zero() + c.dead_timeout()), Health::kDead);
}

TEST(ThresholdConfig, ValidationNamesTheFieldAndItsRange) {
  ThresholdConfig c;
  c.suspect_after = 0;
  EXPECT_EQ(c.validate().message(), "suspect_after: must be in 1..1000, got 0");
  c.suspect_after = 1001;
  EXPECT_EQ(c.validate().message(), "suspect_after: must be in 1..1000, got 1001");
  c = ThresholdConfig{};
  c.dead_after = 0;
  EXPECT_EQ(c.validate().message(), "dead_after: must be in 1..1000, got 0");
  c = ThresholdConfig{};
  c.interval = Duration::zero();
  EXPECT_EQ(c.validate().message(), "interval: must be in 1ms..1h, got 0ns");
  c.interval = Duration::seconds(3601);
  EXPECT_EQ(c.validate().message(), "interval: must be in 1ms..1h, got 3601000000000ns");
  c.interval = Duration::millis(1);
  EXPECT_TRUE(c.validate().is_ok());
}

}  // namespace
}  // namespace rumor::core::detect
