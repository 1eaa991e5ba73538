#include "core/membership/suspicion.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace rumor::core {
namespace {

constexpr Duration kSec = Duration::seconds(1);
const Time kStart = Time::from_ns(1'000'000'000'000);

TEST(Suspicion, MinimumFollowsTheLanFiguresOfTheFactSheet) {
  // 4 x max(1, log10 n) x 1 s: flat at 4 s up to n = 10, then logarithmic.
  for (size_t n : {0, 1, 2, 5, 10}) {
    EXPECT_EQ(Suspicion::suspicion_min(4, n, kSec), Duration::seconds(4)) << n;
  }
  EXPECT_EQ(Suspicion::suspicion_min(4, 100, kSec), Duration::seconds(8));
  EXPECT_EQ(Suspicion::suspicion_min(4, 1000, kSec), Duration::seconds(12));
  EXPECT_EQ(Suspicion::suspicion_min(4, 10000, kSec), Duration::seconds(16));
}

TEST(Suspicion, MinimumTruncatesTheLogFactorToThreeDecimalsLikeMemberlist) {
  // Figures from memberlist 0.2.2's util.go suspicionTimeout, run with Go 1.19.
  EXPECT_EQ(Suspicion::suspicion_min(4, 11, kSec), Duration::millis(4164));
  EXPECT_EQ(Suspicion::suspicion_min(4, 50, kSec), Duration::millis(6792));
  EXPECT_EQ(Suspicion::suspicion_min(6, 50, Duration::seconds(5)), Duration::millis(50940));
  EXPECT_EQ(Suspicion::suspicion_min(3, 333, Duration::nanos(1234567)), Duration::nanos(9340733));
  EXPECT_EQ(Suspicion::suspicion_min(4, 123457, Duration::nanos(1234567)),
            Duration::nanos(25140722));
}

TEST(Suspicion, MinimumSaturatesInsteadOfOverflowing) {
  EXPECT_EQ(Suspicion::suspicion_min(0xffffffffu, 1'000'000, Duration::seconds(3600)),
            Duration::max());
}

TEST(Suspicion, ExpectedConfirmationsAreMultMinusTwoOnlyWhenEnoughOthersExist) {
  // n counts this node and the suspect, so n - 2 others could confirm.
  for (size_t n : {0, 1, 2, 3})
    EXPECT_EQ(Suspicion::expected_confirmations(4, n), 0u) << n;
  EXPECT_EQ(Suspicion::expected_confirmations(4, 4), 2u);
  EXPECT_EQ(Suspicion::expected_confirmations(4, 1000), 2u);
  EXPECT_EQ(Suspicion::expected_confirmations(6, 5), 0u);
  EXPECT_EQ(Suspicion::expected_confirmations(6, 6), 4u);
  EXPECT_EQ(Suspicion::expected_confirmations(3, 3), 1u);
  EXPECT_EQ(Suspicion::expected_confirmations(2, 100), 0u);
  EXPECT_EQ(Suspicion::expected_confirmations(1, 100), 0u);
  EXPECT_EQ(expected_confirmations(4, 4), 2u);  // the free-function spelling
  EXPECT_EQ(suspicion_min(4, 100, kSec), Duration::seconds(8));
}

TEST(Suspicion, LanParamsGiveFourAndTwentyFourSecondsUpToTenNodes) {
  const SwimConfig lan = SwimConfig::lan();
  const SuspicionParams small = Suspicion::params(lan, 10);
  EXPECT_EQ(small.k, 2u);
  EXPECT_EQ(small.min, Duration::seconds(4));
  EXPECT_EQ(small.max, Duration::seconds(24));
  const SuspicionParams hundred = Suspicion::params(lan, 100);
  EXPECT_EQ(hundred.min, Duration::seconds(8));
  EXPECT_EQ(hundred.max, Duration::seconds(48));
  EXPECT_EQ(Suspicion::params(lan, 3).k, 0u);
}

TEST(Suspicion, StartsAtMaxWhenConfirmationsAreExpectedAndAtMinWhenNone) {
  const Suspicion expecting(1, 2, Duration::seconds(4), Duration::seconds(24), kStart);
  EXPECT_EQ(expecting.deadline(), kStart + Duration::seconds(24));
  const Suspicion none(1, 0, Duration::seconds(4), Duration::seconds(24), kStart);
  EXPECT_EQ(none.deadline(), kStart + Duration::seconds(4));
}

TEST(Suspicion, OneConfirmationBringsLanSmallClusterTo11380Ms) {
  Suspicion s(7, Suspicion::params(SwimConfig::lan(), 5), kStart);
  EXPECT_TRUE(s.confirm(8));
  EXPECT_EQ(s.confirmations(), 1u);
  EXPECT_EQ(s.deadline(), kStart + Duration::millis(11381));  // 24 - ln2/ln3 x 20 = 11.3814 s
  EXPECT_TRUE(s.confirm(9));
  EXPECT_EQ(s.deadline(), kStart + Duration::seconds(4));
}

TEST(Suspicion, TimeoutsMatchMemberlistRemainingSuspicionTime) {
  // memberlist's own test cases (suspicion_test.go), elapsed added back, and Go-computed ones.
  const Duration min2 = Duration::seconds(2), max30 = Duration::seconds(30);
  EXPECT_EQ(Suspicion::timeout_after(0, 3, min2, max30), max30);
  EXPECT_EQ(Suspicion::timeout_after(1, 3, min2, max30), Duration::seconds(16));
  EXPECT_EQ(Suspicion::timeout_after(2, 3, min2, max30), Duration::millis(7810));
  EXPECT_EQ(Suspicion::timeout_after(3, 3, min2, max30), min2);
  EXPECT_EQ(Suspicion::timeout_after(1, 3, Duration::millis(500), Duration::seconds(2)),
            Duration::millis(1250));
  const Duration odd = Duration::nanos(1234567891);
  EXPECT_EQ(Suspicion::timeout_after(1, 4, odd, odd * 7), Duration::millis(5451));
  EXPECT_EQ(Suspicion::timeout_after(4, 4, odd, odd * 7), odd);  // floored below min: min
  EXPECT_EQ(Suspicion::timeout_after(3, 8, Duration::millis(3), Duration::millis(21)),
            Duration::millis(9));
}

TEST(Suspicion, ConfirmationsShortenTimeoutTowardMin) {
  const Duration min = Duration::seconds(8), max = Duration::seconds(48);
  Suspicion s(0, 6, min, max, kStart);
  Time previous = s.deadline();
  for (uint32_t from = 1; from <= 6; ++from) {
    ASSERT_TRUE(s.confirm(from));
    EXPECT_LT(s.deadline(), previous) << from;
    EXPECT_GE(s.deadline(), kStart + min) << from;
    previous = s.deadline();
  }
  EXPECT_EQ(s.deadline(), kStart + min);
}

TEST(Suspicion, AccuserAndDuplicateConfirmationsAreIgnored) {
  Suspicion s(5, 3, Duration::millis(500), Duration::seconds(2), kStart);
  EXPECT_FALSE(s.confirm(5));  // the accuser's own suspicion gossiped back
  EXPECT_EQ(s.confirmations(), 0u);
  EXPECT_EQ(s.deadline(), kStart + Duration::seconds(2));
  EXPECT_TRUE(s.confirm(6));
  const Time after_one = s.deadline();
  EXPECT_FALSE(s.confirm(6));
  EXPECT_FALSE(s.confirm(5));
  EXPECT_EQ(s.confirmations(), 1u);
  EXPECT_EQ(s.deadline(), after_one);
  EXPECT_EQ(s.accuser(), 5u);
}

TEST(Suspicion, ConfirmationsBeyondKAreIgnored) {
  Suspicion s(0, 2, Duration::seconds(4), Duration::seconds(24), kStart);
  EXPECT_TRUE(s.confirm(1));
  EXPECT_TRUE(s.confirm(2));
  for (uint32_t from = 3; from < 100; ++from)
    EXPECT_FALSE(s.confirm(from));
  EXPECT_EQ(s.confirmations(), 2u);
  EXPECT_EQ(s.deadline(), kStart + Duration::seconds(4));
}

TEST(Suspicion, FixedTimeoutWithoutDynamicSuspicionIgnoresConfirmations) {
  SwimConfig swim = SwimConfig::lan();
  swim.dynamic_suspicion = false;
  const SuspicionParams p = Suspicion::params(swim, 100);
  EXPECT_EQ(p.k, 0u);
  EXPECT_EQ(p.min, Duration::seconds(8));
  EXPECT_EQ(p.max, p.min);
  Suspicion s(1, p, kStart);
  EXPECT_EQ(s.deadline(), kStart + Duration::seconds(8));
  EXPECT_FALSE(s.confirm(2));
  EXPECT_EQ(s.deadline(), kStart + Duration::seconds(8));
}

TEST(Suspicion, ExpiresExactlyAtTheDeadline) {
  Suspicion s(1, 0, Duration::seconds(4), Duration::seconds(24), kStart);
  EXPECT_FALSE(s.expired(kStart + Duration::seconds(4) - Duration::nanos(1)));
  EXPECT_TRUE(s.expired(kStart + Duration::seconds(4)));
  EXPECT_EQ(s.start(), kStart);
  EXPECT_EQ(s.expected(), 0u);
  EXPECT_EQ(s.min(), Duration::seconds(4));
  EXPECT_EQ(s.max(), Duration::seconds(24));
}

TEST(Suspicion, ConfirmationAfterTheNewDeadlinePassedLeavesItInThePast) {
  // memberlist fires at once when the shortened timeout has already elapsed.
  Suspicion s(1, 2, Duration::seconds(4), Duration::seconds(24), kStart);
  const Time late = kStart + Duration::seconds(20);
  EXPECT_FALSE(s.expired(late));
  EXPECT_TRUE(s.confirm(2));
  EXPECT_TRUE(s.expired(late));
}

}  // namespace
}  // namespace rumor::core
