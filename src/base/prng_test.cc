#include "base/prng.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>

namespace rumor {
namespace {

TEST(Prng, SameSeedGivesSameSequence) {
  Prng a(42), b(42);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(a.next_u64(), b.next_u64());
}

TEST(Prng, DifferentSeedsGiveDifferentSequences) {
  Prng a(1), b(2);
  int equal = 0;
  for (int i = 0; i < 100; ++i)
    equal += a.next_u64() == b.next_u64();
  EXPECT_EQ(equal, 0);
}

TEST(Prng, SequenceIsFixedAcrossMachinesForSeedZero) {
  // xoshiro256** over splitmix64(0): these values pin the algorithm, so a change to either
  // (which would silently change every simulation) fails here.
  Prng p(0);
  const uint64_t first = p.next_u64();
  Prng q(0);
  EXPECT_EQ(first, q.next_u64());
  EXPECT_EQ(first, 0x99ec5f36cb75f2b4ULL);
}

TEST(Prng, UniformStaysBelowBoundAndCoversIt) {
  Prng p(7);
  std::array<int, 10> counts{};
  for (int i = 0; i < 100000; ++i) {
    const uint64_t v = p.uniform(10);
    ASSERT_LT(v, 10u);
    counts[v]++;
  }
  // Chi-square with 9 degrees of freedom; 27.9 is the 0.1% critical value.
  double chi2 = 0;
  for (int c : counts)
    chi2 += (c - 10000.0) * (c - 10000.0) / 10000.0;
  EXPECT_LT(chi2, 27.9);
}

TEST(Prng, UnitIsInHalfOpenInterval) {
  Prng p(9);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = p.unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 100000, 0.5, 0.01);
}

TEST(Prng, NormalHasUnitVarianceAndZeroMean) {
  Prng p(11);
  double sum = 0, sq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double x = p.normal();
    sum += x;
    sq += x * x;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sq / n, 1.0, 0.02);
}

TEST(Prng, DeriveGivesIndependentStreamsPerIndex) {
  EXPECT_NE(Prng::derive(5, 0), Prng::derive(5, 1));
  EXPECT_NE(Prng::derive(5, 0), Prng::derive(6, 0));
  EXPECT_EQ(Prng::derive(5, 3), Prng::derive(5, 3));
}

}  // namespace
}  // namespace rumor
