#include "core/detect/phi_accrual.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "base/prng.h"

namespace rumor::core::detect {
namespace {

constexpr double kMean = 1e9;  // 1 s
constexpr double kStd = 1e8;   // 100 ms

// The elapsed time `z` standard deviations past kMean, to the nanosecond.
Duration at_z(double z) {
  return Duration::nanos(static_cast<int64_t>(std::llround(kMean + z * kStd)));
}

// -log10 of the normal upper tail, computed to 40 digits with mpmath.
struct Reference {
  double z;
  double phi;
};
constexpr Reference kTable[] = {
    {-3, 0.00058664931379006669}, {-2, 0.0099943795341087089}, {-1, 0.075026012957818023},
    {0, 0.30102999566398119521},  {1, 0.79954554149197050003}, {2, 1.6430160801409370480},
    {3, 2.8696990359293690772},   {4, 4.4993349075564788648},  {5, 6.5426456723906544963},
    {6, 9.0058643274767042092},   {10, 23.118053405486075894}, {20, 88.560095343075591920},
};
// Past z = 30 erfc nears the bottom of the double range; these exercise the log-space tail.
constexpr Reference kTailTable[] = {
    {30, 197.30920926166094939},   {37, 299.24218117860992167}, {38, 315.53978970396250789},
    {40, 349.43700645934584209},   {50, 544.96633586199665500}, {100, 2173.8715428690343765},
    {1000, 217150.64004199438628},
};

TEST(Phi, ElapsedEqualToMeanGivesLog10Of2) {
  EXPECT_DOUBLE_EQ(phi(Duration::nanos(1'000'000'000), kMean, kStd), std::log10(2.0));
  EXPECT_NEAR(phi(Duration::nanos(1'000'000'000), kMean, kStd), 0.30103, 1e-5);
}

TEST(Phi, MatchesTheNormalTable) {
  EXPECT_NEAR(phi(at_z(1), kMean, kStd), 0.80, 0.001);   // 15.87% upper tail
  EXPECT_NEAR(phi(at_z(2), kMean, kStd), 1.643, 0.001);  // 2.275%
  EXPECT_NEAR(phi(at_z(3), kMean, kStd), 2.870, 0.001);  // 0.135%
  for (const Reference& r : kTable) {
    EXPECT_NEAR(phi(at_z(r.z), kMean, kStd), r.phi, 1e-12 * std::max(1.0, r.phi)) << "z=" << r.z;
  }
}

TEST(Phi, ThresholdEightIsCrossedAboutFivePointSixStandardDeviationsLate) {
  // mpmath: phi(z) = 8 at z = 5.612001244...
  EXPECT_LT(phi(at_z(5.6120), kMean, kStd), 8.0);
  EXPECT_GE(phi(at_z(5.6121), kMean, kStd), 8.0);
}

TEST(Phi, FarTailIsFiniteAndAccurate) {
  for (const Reference& r : kTailTable) {
    const double p = phi(at_z(r.z), kMean, kStd);
    EXPECT_TRUE(std::isfinite(p));
    EXPECT_NEAR(p, r.phi, 1e-12 * r.phi) << "z=" << r.z;
  }
}

TEST(Phi, IsCappedAndNeverNaNAtTheExtremes) {
  EXPECT_EQ(phi(Duration::max(), kMean, kStd), kMaxPhi);
  EXPECT_EQ(phi(Duration::max(), 0, 1e-300), kMaxPhi);
  EXPECT_EQ(phi(Duration::nanos(std::numeric_limits<int64_t>::min()), kMean, kStd), 0.0);
  EXPECT_EQ(phi(Duration::zero(), 1e18, 1.0), 0.0);
  EXPECT_LT(phi(at_z(2000), kMean, kStd), kMaxPhi);
  EXPECT_EQ(phi(at_z(3000), kMean, kStd), kMaxPhi);
}

TEST(Phi, ZeroStdDevIsAStepAtTheMean) {
  EXPECT_EQ(phi(Duration::nanos(999), 1000, 0), 0.0);
  EXPECT_DOUBLE_EQ(phi(Duration::nanos(1000), 1000, 0), std::log10(2.0));
  EXPECT_EQ(phi(Duration::nanos(1001), 1000, 0), kMaxPhi);
}

void expect_non_decreasing(int64_t from_ns, int64_t to_ns, int64_t step_ns, double mean,
                           double std_dev) {
  double prev = phi(Duration::nanos(from_ns), mean, std_dev);
  for (int64_t e = from_ns + step_ns; e <= to_ns; e += step_ns) {
    const double p = phi(Duration::nanos(e), mean, std_dev);
    ASSERT_TRUE(std::isfinite(p)) << e;
    ASSERT_GE(p, 0.0) << e;
    ASSERT_GE(p, prev) << "phi decreased at elapsed " << e << "ns";
    prev = p;
  }
}

TEST(Phi, IsNonDecreasingInElapsedEverywhere) {
  // Coarse over -10..2500 standard deviations, then ns by ns across the places where the
  // computation changes branch: the mean (z = 0) and the switch to the far-tail series (z = 30).
  expect_non_decreasing(-static_cast<int64_t>(kStd) * 9, static_cast<int64_t>(kStd) * 2500,
                        static_cast<int64_t>(kStd) / 500, kMean, kStd);
  const double std_dev = 1e6;  // 1 ms: one ns is 1e-6 standard deviations
  expect_non_decreasing(-50'000, 50'000, 1, 0, std_dev);
  expect_non_decreasing(30'000'000 - 50'000, 30'000'000 + 50'000, 1, 0, std_dev);
}

TEST(PhiWindow, HoldsMeanAndPopulationStdDevOfItsSamples) {
  PhiWindow w(100);
  EXPECT_EQ(w.size(), 0u);
  EXPECT_EQ(w.mean_ns(), 0.0);
  EXPECT_EQ(w.std_dev_ns(), 0.0);
  for (int s = 1; s <= 5; ++s)
    w.add(Duration::seconds(s));
  EXPECT_EQ(w.size(), 5u);
  EXPECT_DOUBLE_EQ(w.mean_ns(), 3e9);
  EXPECT_DOUBLE_EQ(w.std_dev_ns(), std::sqrt(2.0) * 1e9);
}

TEST(PhiWindow, SlidingForgetsTheOldestSamples) {
  PhiWindow w(3);
  w.add(Duration::seconds(1));
  w.add(Duration::seconds(2));
  w.add(Duration::seconds(3));
  EXPECT_DOUBLE_EQ(w.mean_ns(), 2e9);
  w.add(Duration::seconds(10));  // 1 s is forgotten
  EXPECT_EQ(w.size(), 3u);
  EXPECT_DOUBLE_EQ(w.mean_ns(), 5e9);
  EXPECT_EQ(w.sample_us(0), 2'000'000u);
  EXPECT_EQ(w.sample_us(2), 10'000'000u);
  w.add(Duration::seconds(10));
  w.add(Duration::seconds(10));  // only the 10 s samples remain
  EXPECT_DOUBLE_EQ(w.mean_ns(), 1e10);
  EXPECT_EQ(w.std_dev_ns(), 0.0);
}

TEST(PhiWindow, WindowOfOneHoldsOnlyTheNewestSample) {
  PhiWindow w(1);
  w.add(Duration::millis(5));
  w.add(Duration::millis(7));
  EXPECT_EQ(w.size(), 1u);
  EXPECT_DOUBLE_EQ(w.mean_ns(), 7e6);
  EXPECT_EQ(w.std_dev_ns(), 0.0);
}

TEST(PhiWindow, MemoryGrowsWithTheSamplesOnlyUpToTheLimit) {
  EXPECT_EQ(sizeof(PhiWindow), sizeof(void*));
  EXPECT_EQ(PhiWindow().heap_bytes(), 0u);
  PhiWindow w(1000);
  w.add(Duration::seconds(1));
  const size_t small = w.heap_bytes();
  EXPECT_LE(small, 80u);
  for (int i = 0; i < 5000; ++i)
    w.add(Duration::seconds(1));
  EXPECT_EQ(w.size(), 1000u);
  EXPECT_LE(w.heap_bytes(), small + 1000 * sizeof(uint32_t));
  EXPECT_GE(w.heap_bytes(), 1000 * sizeof(uint32_t));
}

TEST(PhiWindow, SamplesAreRoundedMicrosecondsThatSaturate) {
  EXPECT_EQ(PhiWindow::to_sample_us(Duration::nanos(-5)), 0u);
  EXPECT_EQ(PhiWindow::to_sample_us(Duration::nanos(499)), 0u);
  EXPECT_EQ(PhiWindow::to_sample_us(Duration::nanos(1499)), 1u);
  EXPECT_EQ(PhiWindow::to_sample_us(Duration::nanos(1500)), 2u);
  EXPECT_EQ(PhiWindow::to_sample_us(Duration::micros(4'294'967'295)), 4'294'967'295u);
  EXPECT_EQ(PhiWindow::to_sample_us(Duration::seconds(7200)), 4'294'967'295u);
  EXPECT_EQ(PhiWindow::to_sample_us(Duration::max()), 4'294'967'295u);
  PhiWindow w(4);
  w.add(Duration::nanos(-1'000'000));  // a negative interval counts as zero
  EXPECT_EQ(w.sample_us(0), 0u);
}

TEST(PhiWindow, ExactSumsLeaveNoDriftAfterAMillionSlides) {
  constexpr uint32_t kLimit = 1000;
  PhiWindow w(kLimit);
  Prng prng(42);
  std::vector<uint32_t> added;
  for (int i = 0; i < 1'000'000; ++i) {
    // Mostly ~1 s heartbeats, now and then a huge (even saturating) gap, to stress the sums.
    uint64_t us = 900'000 + prng.uniform(200'000);
    if (prng.uniform(1000) == 0) us = prng.uniform(uint64_t{1} << 33);
    w.add(Duration::micros(static_cast<int64_t>(us)));
    added.push_back(static_cast<uint32_t>(std::min<uint64_t>(us, 4'294'967'295u)));
  }
  ASSERT_EQ(w.size(), kLimit);
  // The window holds exactly the newest kLimit samples, oldest first...
  PhiWindow fresh(kLimit);
  for (size_t i = 0; i < kLimit; ++i) {
    ASSERT_EQ(w.sample_us(i), added[added.size() - kLimit + i]);
    fresh.add(Duration::micros(w.sample_us(i)));
  }
  // ...and its statistics are bit for bit those of a fresh window holding them,
  EXPECT_EQ(w.mean_ns(), fresh.mean_ns());
  EXPECT_EQ(w.std_dev_ns(), fresh.std_dev_ns());
  // which agree with a two-pass recomputation.
  long double sum = 0;
  for (size_t i = 0; i < kLimit; ++i)
    sum += w.sample_us(i);
  const long double mean = sum / kLimit;
  long double sq = 0;
  for (size_t i = 0; i < kLimit; ++i)
    sq += (w.sample_us(i) - mean) * (w.sample_us(i) - mean);
  const double mean_ns = static_cast<double>(mean * 1000);
  const double std_ns = static_cast<double>(std::sqrt(sq / kLimit) * 1000);
  EXPECT_NEAR(w.mean_ns(), mean_ns, 1e-12 * mean_ns);
  EXPECT_NEAR(w.std_dev_ns(), std_ns, 1e-12 * std_ns);
}

TEST(PhiWindow, CopiesAreDeepAndMovesLeaveAnEmptyWindow) {
  PhiWindow a(10);
  a.add(Duration::seconds(1));
  PhiWindow b = a;
  a.add(Duration::seconds(3));
  EXPECT_EQ(b.size(), 1u);
  EXPECT_DOUBLE_EQ(b.mean_ns(), 1e9);
  EXPECT_DOUBLE_EQ(a.mean_ns(), 2e9);
  b = a;
  EXPECT_DOUBLE_EQ(b.mean_ns(), 2e9);
  PhiWindow c = std::move(a);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  EXPECT_EQ(a.heap_bytes(), 0u);
}

TEST(PhiFit, EmptyWindowReadsAsAkkaBootstrap) {
  PhiAccrualConfig c;
  c.first_heartbeat_estimate = Duration::seconds(2);
  c.min_std_dev = Duration::millis(1);
  const PhiFit fit = phi_fit(c, PhiWindow());
  EXPECT_DOUBLE_EQ(fit.mean_ns, 2e9);
  EXPECT_DOUBLE_EQ(fit.std_dev_ns, 5e8);
  // The same as a window holding the two synthetic samples.
  PhiWindow w(1000);
  w.add(phi_bootstrap_low(c));
  w.add(phi_bootstrap_high(c));
  EXPECT_EQ(phi_bootstrap_low(c), Duration::millis(1500));
  EXPECT_EQ(phi_bootstrap_high(c), Duration::millis(2500));
  EXPECT_DOUBLE_EQ(phi_fit(c, w).mean_ns, fit.mean_ns);
  EXPECT_DOUBLE_EQ(phi_fit(c, w).std_dev_ns, fit.std_dev_ns);
}

TEST(PhiFit, MinStdDevFloorsARegularSender) {
  PhiAccrualConfig c;
  c.min_std_dev = Duration::millis(100);
  PhiWindow w(1000);
  for (int i = 0; i < 50; ++i)
    w.add(Duration::seconds(1));
  EXPECT_EQ(w.std_dev_ns(), 0.0);
  const PhiFit fit = phi_fit(c, w);
  EXPECT_DOUBLE_EQ(fit.std_dev_ns, 1e8);
  // One std dev late reads as one floored std dev: phi ~ 0.80, not infinite.
  EXPECT_NEAR(phi(Duration::millis(1100), fit.mean_ns, fit.std_dev_ns), 0.7995455, 1e-6);
  // A spread wider than the floor is kept as it is.
  PhiWindow wide(1000);
  wide.add(Duration::millis(800));
  wide.add(Duration::millis(1200));
  EXPECT_DOUBLE_EQ(phi_fit(c, wide).std_dev_ns, 2e8);
}

TEST(PhiFit, AcceptablePauseShiftsTheMean) {
  PhiAccrualConfig c;
  c.acceptable_pause = Duration::seconds(3);
  PhiWindow w(1000);
  for (int i = 0; i < 10; ++i)
    w.add(Duration::seconds(1));
  const PhiFit fit = phi_fit(c, w);
  EXPECT_DOUBLE_EQ(fit.mean_ns, 4e9);
  EXPECT_DOUBLE_EQ(phi(Duration::seconds(4), fit.mean_ns, fit.std_dev_ns), std::log10(2.0));
  EXPECT_LT(phi(Duration::millis(3500), fit.mean_ns, fit.std_dev_ns), 1e-6);
}

TEST(PhiAccrualConfig, DefaultsAreValid) {
  EXPECT_TRUE(PhiAccrualConfig{}.validate().is_ok());
}

TEST(PhiAccrualConfig, ValidationNamesTheFieldAndItsRange) {
  PhiAccrualConfig c;
  c.threshold = 0.05;
  EXPECT_EQ(c.validate().message(), "threshold: must be in 0.1..100, got 0.05");
  c.threshold = std::nan("");
  EXPECT_EQ(c.validate().message(), "threshold: must be in 0.1..100, got nan");
  c = PhiAccrualConfig{};
  c.window = 0;
  EXPECT_EQ(c.validate().message(), "window: must be in 1..100000, got 0");
  c.window = 100'001;
  EXPECT_EQ(c.validate().message(), "window: must be in 1..100000, got 100001");
  c = PhiAccrualConfig{};
  c.min_std_dev = Duration::zero();
  EXPECT_EQ(c.validate().message(), "min_std_dev: must be in 1us..1h, got 0ns");
  c = PhiAccrualConfig{};
  c.acceptable_pause = Duration::nanos(-1);
  EXPECT_EQ(c.validate().message(), "acceptable_pause: must be in 0..1h, got -1ns");
  c = PhiAccrualConfig{};
  c.first_heartbeat_estimate = Duration::micros(999);
  EXPECT_EQ(c.validate().message(), "first_heartbeat_estimate: must be in 1ms..1h, got 999000ns");
  c = PhiAccrualConfig{};
  c.dead_after = Duration::seconds(24 * 3600 + 1);
  EXPECT_EQ(c.validate().message(), "dead_after: must be in 1ms..24h, got 86401000000000ns");
}

}  // namespace
}  // namespace rumor::core::detect
