#include "core/membership/awareness.h"

#include <gtest/gtest.h>

#include <climits>

namespace rumor::core {
namespace {

TEST(Awareness, StartsHealthyAndScalesByScorePlusOne) {
  Awareness a(8);
  EXPECT_EQ(a.score(), 0u);
  EXPECT_EQ(a.scale(Duration::seconds(1)), Duration::seconds(1));
  a.apply_delta(3);
  EXPECT_EQ(a.score(), 3u);
  EXPECT_EQ(a.scale(Duration::millis(500)), Duration::seconds(2));
}

TEST(Awareness, ScoreIsClampedIntoZeroToMaxMinusOne) {
  Awareness a(8);
  a.apply_delta(-1);
  EXPECT_EQ(a.score(), 0u);
  for (int i = 0; i < 20; ++i)
    a.apply_delta(1);
  EXPECT_EQ(a.score(), 7u);
  EXPECT_EQ(a.scale(Duration::seconds(1)), Duration::seconds(8));  // LAN probes back off to 8 s
  a.apply_delta(-2);
  EXPECT_EQ(a.score(), 5u);
}

TEST(Awareness, RailedScoreStaysRailedUnderExtremeDeltas) {
  Awareness a(8);
  a.apply_delta(INT_MAX);
  EXPECT_EQ(a.score(), 7u);
  a.apply_delta(INT_MAX);
  EXPECT_EQ(a.score(), 7u);
  a.apply_delta(INT_MIN);
  EXPECT_EQ(a.score(), 0u);
  a.apply_delta(INT_MIN);
  EXPECT_EQ(a.score(), 0u);
}

TEST(Awareness, MultiplierOfOneNeverScales) {
  Awareness a(1);
  a.apply_delta(5);
  EXPECT_EQ(a.score(), 0u);
  EXPECT_EQ(a.scale(Duration::seconds(3)), Duration::seconds(3));
  EXPECT_EQ(a.max_multiplier(), 1u);
}

TEST(Awareness, MissedNacksRaiseTheScoreByTheShortfall) {
  // A failed probe that expected 3 nacks and got 1 adds 2; a success then takes 1 off.
  Awareness a(8);
  a.apply_delta(3 - 1);
  EXPECT_EQ(a.score(), 2u);
  a.apply_delta(-1);
  EXPECT_EQ(a.score(), 1u);
}

}  // namespace
}  // namespace rumor::core
