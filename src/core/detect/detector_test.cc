#include "core/detect/detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "base/prng.h"

namespace rumor::core::detect {
namespace {

constexpr Duration kNs = Duration::nanos(1);

Time at_s(double s) {
  return Time::from_ns(static_cast<int64_t>(std::llround(s * 1e9)));
}

DetectorConfig phi_config() {
  DetectorConfig c;
  c.kind = DetectorConfig::Kind::kPhi;
  return c;  // threshold 8, window 1000, min std dev 100 ms, dead after 10 s
}

DetectorConfig threshold_config() {
  DetectorConfig c;
  c.kind = DetectorConfig::Kind::kThreshold;
  c.threshold.suspect_after = 3;
  c.threshold.dead_after = 2;
  c.threshold.interval = Duration::seconds(1);
  return c;
}

// health() agrees with suspect_at() and dead_at() to the nanosecond.
void expect_deadlines_match_health(const MemberDetector& d, const DetectorConfig& c) {
  const Time suspect = d.suspect_at(c);
  const Time dead = d.dead_at(c);
  ASSERT_LT(suspect, dead);
  if (suspect > d.last_heartbeat()) {
    EXPECT_EQ(d.health(c, suspect - kNs), Health::kAlive);
  }
  EXPECT_EQ(d.health(c, suspect), Health::kSuspect);
  EXPECT_EQ(d.health(c, dead - kNs), Health::kSuspect);
  EXPECT_EQ(d.health(c, dead), Health::kDead);
}

TEST(MemberDetector, StaysCompactForNByNTables) {
  EXPECT_LE(sizeof(MemberDetector), 16u);
  const MemberDetector d(at_s(1));
  EXPECT_EQ(d.window().heap_bytes(), 0u);  // nothing on the heap before the first heartbeat
}

TEST(MemberDetector, HealthNamesReadInLogs) {
  EXPECT_STREQ(health_name(Health::kAlive), "alive");
  EXPECT_STREQ(health_name(Health::kSuspect), "suspect");
  EXPECT_STREQ(health_name(Health::kDead), "dead");
  EXPECT_EQ(detector_kind_name(DetectorConfig::Kind::kPhi), "phi");
  EXPECT_EQ(parse_detector_kind("threshold"), DetectorConfig::Kind::kThreshold);
  EXPECT_EQ(parse_detector_kind(detector_kind_name(DetectorConfig::Kind::kPhi)),
            DetectorConfig::Kind::kPhi);
  EXPECT_FALSE(parse_detector_kind("swim").has_value());
}

TEST(MemberDetector, ThresholdKindSuspectsAfterXIntervalsAndKillsAfterYMore) {
  const DetectorConfig c = threshold_config();
  MemberDetector d(at_s(0));
  d.heartbeat(c, at_s(10));
  EXPECT_EQ(d.last_heartbeat(), at_s(10));
  EXPECT_EQ(d.health(c, at_s(13) - kNs), Health::kAlive);
  EXPECT_EQ(d.health(c, at_s(13)), Health::kSuspect);
  EXPECT_EQ(d.health(c, at_s(15) - kNs), Health::kSuspect);
  EXPECT_EQ(d.health(c, at_s(15)), Health::kDead);
  EXPECT_EQ(d.suspect_at(c), at_s(13));
  EXPECT_EQ(d.dead_at(c), at_s(15));
  EXPECT_EQ(d.phi(c, at_s(14)), 0.0);
  expect_deadlines_match_health(d, c);
}

TEST(MemberDetector, ThresholdKindNeverAllocates) {
  const DetectorConfig c = threshold_config();
  MemberDetector d(at_s(0));
  for (int i = 1; i <= 100; ++i)
    d.heartbeat(c, at_s(i));
  EXPECT_EQ(d.window().heap_bytes(), 0u);
}

TEST(MemberDetector, SuspectedMemberReturnsToAliveOnAFreshHeartbeat) {
  for (const DetectorConfig& c : {threshold_config(), phi_config()}) {
    MemberDetector d(at_s(0));
    for (int i = 1; i <= 20; ++i)
      d.heartbeat(c, at_s(i));
    const Time suspect = d.suspect_at(c);
    EXPECT_EQ(d.health(c, suspect), Health::kSuspect);
    d.heartbeat(c, suspect);
    EXPECT_EQ(d.health(c, suspect), Health::kAlive) << detector_kind_name(c.kind);
    EXPECT_EQ(d.last_heartbeat(), suspect);
  }
}

TEST(MemberDetector, DeadMemberReturnsToAliveOnAFreshHeartbeat) {
  for (const DetectorConfig& c : {threshold_config(), phi_config()}) {
    MemberDetector d(at_s(0));
    for (int i = 1; i <= 20; ++i)
      d.heartbeat(c, at_s(i));
    const Time dead = d.dead_at(c);
    EXPECT_EQ(d.health(c, dead), Health::kDead);
    d.heartbeat(c, dead);
    EXPECT_EQ(d.health(c, dead + Duration::millis(500)), Health::kAlive)
        << detector_kind_name(c.kind);
  }
}

TEST(MemberDetector, HeartbeatFromThePastChangesNothing) {
  for (const DetectorConfig& c : {threshold_config(), phi_config()}) {
    MemberDetector d(at_s(0));
    d.heartbeat(c, at_s(1));
    d.heartbeat(c, at_s(2));
    const size_t samples = d.window().size();
    d.heartbeat(c, at_s(1.5));
    EXPECT_EQ(d.last_heartbeat(), at_s(2));
    EXPECT_EQ(d.window().size(), samples);
    EXPECT_EQ(d.health(c, at_s(1)), Health::kAlive);  // a now before the last heartbeat
  }
}

TEST(MemberDetector, PhiKindWithRegularJitteredHeartbeatsIsNeverSuspected) {
  const DetectorConfig c = phi_config();
  Prng prng(7);
  MemberDetector d(Time::zero());
  Time t = Time::zero();
  double max_phi = 0;
  for (int i = 0; i < 3000; ++i) {  // three times the window: the window slides
    // 1 s +/- 100 ms, uniform.
    const Time next = t + Duration::millis(900) + Duration::micros(prng.uniform(200'001));
    // Just before a heartbeat lands is when phi is highest.
    max_phi = std::max(max_phi, d.phi(c, next));
    ASSERT_EQ(d.health(c, next), Health::kAlive) << "heartbeat " << i;
    ASSERT_EQ(d.health(c, t + (next - t) / 2), Health::kAlive) << "heartbeat " << i;
    d.heartbeat(c, next);
    t = next;
  }
  EXPECT_EQ(d.window().size(), 1000u);
  EXPECT_LT(max_phi, 4.0);
  EXPECT_NEAR(d.phi_fit(c).mean_ns, 1e9, 1e7);
  EXPECT_DOUBLE_EQ(d.phi_fit(c).std_dev_ns, 1e8);  // jitter std ~58 ms, floored at 100 ms
}

TEST(MemberDetector, PhiKindSuspectsSoonAfterHeartbeatsStopAndKillsAfterDeadAfter) {
  const DetectorConfig c = phi_config();
  Prng prng(11);
  MemberDetector d(Time::zero());
  Time t = Time::zero();
  for (int i = 0; i < 200; ++i) {
    t = t + Duration::millis(950) + Duration::micros(prng.uniform(100'001));
    d.heartbeat(c, t);
  }
  // Heartbeats stop at t. phi = 8 about 5.6 floored std devs (560 ms) past the ~1 s mean.
  const Time suspect = d.suspect_at(c);
  EXPECT_GT(suspect, t + Duration::millis(1400));
  EXPECT_LT(suspect, t + Duration::millis(1700));
  EXPECT_EQ(d.health(c, t + Duration::millis(1200)), Health::kAlive);
  EXPECT_EQ(d.health(c, t + Duration::seconds(2)), Health::kSuspect);
  EXPECT_GE(d.phi(c, suspect), 8.0);
  EXPECT_LT(d.phi(c, suspect - kNs), 8.0);
  EXPECT_EQ(d.dead_at(c), suspect + Duration::seconds(10));
  EXPECT_EQ(d.health(c, t + Duration::seconds(11)), Health::kSuspect);
  EXPECT_EQ(d.health(c, t + Duration::seconds(12)), Health::kDead);
  EXPECT_EQ(d.health(c, t + Duration::seconds(100000)), Health::kDead);
  expect_deadlines_match_health(d, c);
}

TEST(MemberDetector, PhiKindVerdictOnlyWorsensWhileSilent) {
  const DetectorConfig c = phi_config();
  MemberDetector d(Time::zero());
  for (int i = 1; i <= 10; ++i)
    d.heartbeat(c, at_s(i));
  Health prev = Health::kAlive;
  double prev_phi = 0;
  for (int ms = 0; ms <= 20'000; ++ms) {
    const Time now = at_s(10) + Duration::millis(ms);
    const Health h = d.health(c, now);
    const double p = d.phi(c, now);
    ASSERT_GE(h, prev) << ms;
    ASSERT_GE(p, prev_phi) << ms;
    prev = h;
    prev_phi = p;
  }
  EXPECT_EQ(prev, Health::kDead);
}

TEST(MemberDetector, PhiKindBeforeAnyHeartbeatUsesTheBootstrapEstimate) {
  const DetectorConfig c = phi_config();
  const MemberDetector d(at_s(100));
  EXPECT_EQ(d.window().size(), 0u);
  // mean 1 s, std dev 250 ms: phi = 8 at 1 s + 5.612 x 250 ms ~ 2.403 s.
  const Duration to_suspect = d.suspect_at(c) - at_s(100);
  EXPECT_NEAR(to_suspect.sec(), 1.0 + 5.612001244 * 0.25, 1e-6);
  EXPECT_DOUBLE_EQ(d.phi(c, at_s(101)), std::log10(2.0));
  expect_deadlines_match_health(d, c);
}

TEST(MemberDetector, FirstHeartbeatAfterResetAddsTheBootstrapSamplesThenTheInterval) {
  const DetectorConfig c = phi_config();
  MemberDetector d(at_s(0));
  d.heartbeat(c, at_s(1.1));
  ASSERT_EQ(d.window().size(), 3u);
  EXPECT_EQ(d.window().sample_us(0), 750'000u);
  EXPECT_EQ(d.window().sample_us(1), 1'250'000u);
  EXPECT_EQ(d.window().sample_us(2), 1'100'000u);
  d.heartbeat(c, at_s(2.1));
  EXPECT_EQ(d.window().size(), 4u);
}

TEST(MemberDetector, ResetStartsANewGenerationFromTheBootstrap) {
  const DetectorConfig c = phi_config();
  MemberDetector d(at_s(0));
  for (int i = 1; i <= 50; ++i)
    d.heartbeat(c, at_s(i * 0.1));  // a fast sender
  EXPECT_GT(d.window().heap_bytes(), 0u);
  d.reset(at_s(100));
  EXPECT_EQ(d.last_heartbeat(), at_s(100));
  EXPECT_EQ(d.window().size(), 0u);
  EXPECT_EQ(d.window().heap_bytes(), 0u);
  EXPECT_EQ(d.health(c, at_s(102)), Health::kAlive);  // bootstrap: suspect only at ~2.4 s
  EXPECT_DOUBLE_EQ(d.phi_fit(c).mean_ns, 1e9);
}

TEST(MemberDetector, IntervalEndingInDeathIsNotASample) {
  const DetectorConfig c = phi_config();
  MemberDetector d(at_s(0));
  for (int i = 1; i <= 10; ++i)
    d.heartbeat(c, at_s(i));
  const size_t before = d.window().size();
  // Back after 2 s: suspect, not dead. The interval still teaches the fit.
  d.heartbeat(c, at_s(12));
  EXPECT_EQ(d.window().size(), before + 1);
  // Back after a 60 s outage: it was dead, and one outage must not skew the next 1000 fits.
  d.heartbeat(c, at_s(72));
  EXPECT_EQ(d.window().size(), before + 1);
  EXPECT_EQ(d.last_heartbeat(), at_s(72));
  EXPECT_EQ(d.health(c, at_s(73)), Health::kAlive);
}

TEST(MemberDetector, PhiKindLearnsAnIntervalFarAboveTheEstimate) {
  DetectorConfig c = phi_config();
  c.phi.first_heartbeat_estimate = Duration::millis(100);  // the real interval is 10x that
  MemberDetector d(Time::zero());
  int suspected_late = 0;
  for (int i = 1; i <= 100; ++i) {
    const Time next = at_s(i);
    if (i > 20 && d.health(c, next) != Health::kAlive) ++suspected_late;
    d.heartbeat(c, next);
  }
  EXPECT_EQ(suspected_late, 0);
  EXPECT_GT(d.phi_fit(c).mean_ns, 8e8);
}

TEST(MemberDetector, AcceptablePauseDelaysSuspicion) {
  DetectorConfig c = phi_config();
  MemberDetector plain(Time::zero());
  for (int i = 1; i <= 20; ++i)
    plain.heartbeat(c, at_s(i));
  const Time without = plain.suspect_at(c);
  c.phi.acceptable_pause = Duration::seconds(3);
  EXPECT_EQ(plain.suspect_at(c) - without, Duration::seconds(3));
  expect_deadlines_match_health(plain, c);
}

TEST(MemberDetector, DeadlinesMatchHealthAcrossConfigs) {
  Prng prng(3);
  for (int trial = 0; trial < 50; ++trial) {
    DetectorConfig c = phi_config();
    c.phi.threshold = 0.1 + prng.unit() * 20;
    c.phi.window = 1 + static_cast<uint32_t>(prng.uniform(50));
    c.phi.min_std_dev = Duration::micros(1 + static_cast<int64_t>(prng.uniform(200'000)));
    c.phi.acceptable_pause = Duration::millis(static_cast<int64_t>(prng.uniform(2000)));
    c.phi.dead_after = Duration::millis(1 + static_cast<int64_t>(prng.uniform(20'000)));
    ASSERT_TRUE(c.validate().is_ok()) << c.validate().message();
    MemberDetector d(Time::zero());
    Time t = Time::zero();
    const int beats = static_cast<int>(prng.uniform(30));
    for (int i = 0; i < beats; ++i) {
      t = t + Duration::micros(static_cast<int64_t>(1 + prng.uniform(3'000'000)));
      d.heartbeat(c, t);
    }
    SCOPED_TRACE(trial);
    expect_deadlines_match_health(d, c);
  }
}

TEST(MemberDetector, CopiesAreIndependent) {
  const DetectorConfig c = phi_config();
  MemberDetector a(Time::zero());
  for (int i = 1; i <= 5; ++i)
    a.heartbeat(c, at_s(i));
  MemberDetector b = a;
  a.heartbeat(c, at_s(6));
  EXPECT_EQ(b.last_heartbeat(), at_s(5));
  EXPECT_EQ(b.window().size(), a.window().size() - 1);
}

TEST(DetectorConfig, DefaultsAreValid) {
  EXPECT_TRUE(DetectorConfig{}.validate().is_ok());
}

TEST(DetectorConfig, ValidationNamesTheFieldByItsPath) {
  DetectorConfig c;
  c.threshold.interval = Duration::zero();
  EXPECT_EQ(c.validate().message(), "threshold.interval: must be in 1ms..1h, got 0ns");
  c = DetectorConfig{};
  c.phi.window = 0;
  EXPECT_EQ(c.validate().message(), "phi.window: must be in 1..100000, got 0");
  // Both kinds are checked whichever is selected.
  c.kind = DetectorConfig::Kind::kThreshold;
  EXPECT_FALSE(c.validate().is_ok());
}

}  // namespace
}  // namespace rumor::core::detect
