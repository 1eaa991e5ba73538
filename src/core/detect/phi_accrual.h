// Phi accrual failure detection (Hayashibara, Défago, Yared & Katayama, "The phi Accrual Failure
// Detector", SRDS 2004), with the knobs and bootstrap of Akka's PhiAccrualFailureDetector and
// Cassandra's FailureDetector.
//
// Instead of a yes/no verdict, the detector outputs a suspicion level
//   phi(t) = -log10(1 - F(t - t_last)),
// where t_last is the last heartbeat's arrival and F is the normal CDF fitted (mean, standard
// deviation) to a sliding window of recent heartbeat inter-arrival times. phi = 1, 2, 3, 8 mean
// roughly a 10%, 1%, 0.1%, 1e-8 chance that a heartbeat is merely late (under the model); the
// member turns suspect when phi reaches `threshold`.
//
// Three pieces live here, each sans-IO and pure:
//  - PhiAccrualConfig: the knobs, validated once.
//  - phi(): the suspicion level for an elapsed time, mean and standard deviation; computed from
//    std::erfc (not Akka's logistic approximation), in log space in the far tail, so it is
//    finite, never NaN, and non-decreasing in `elapsed`.
//  - PhiWindow: the sliding window of inter-arrival times, one per observed member.
// Per-member bookkeeping (last arrival, bootstrap, the suspect/dead verdict) is MemberDetector's
// (detector.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/status.h"
#include "base/time.h"

namespace rumor::core::detect {

// The largest sliding window a member may keep (400 KB of samples).
inline constexpr uint32_t kMaxPhiWindow = 100'000;

struct PhiAccrualConfig {
  // phi at or above which a member is suspect. 0.1..100 (Akka and Cassandra default 8;
  // Cassandra advises 10-12 on clouds and never outside 5-12).
  double threshold = 8.0;
  // Most inter-arrival samples kept per member (Akka: max-sample-size). 1..kMaxPhiWindow.
  uint32_t window = 1000;
  // Floor for the fitted standard deviation, so a very regular sender is not suspected after
  // a tiny delay. 1 us .. 1 hour.
  Duration min_std_dev = Duration::millis(100);
  // Added to the fitted mean: a pause this long is tolerated without phi rising (Akka:
  // acceptable-heartbeat-pause). 0 .. 1 hour.
  Duration acceptable_pause = Duration::zero();
  // Before a member's first real interval is known, the window is bootstrapped as Akka does:
  // mean = this estimate, standard deviation = estimate / 4 (two synthetic samples, estimate
  // -/+ estimate / 4). 1 ms .. 1 hour.
  Duration first_heartbeat_estimate = Duration::seconds(1);
  // How long phi must stay at or above `threshold` before a suspect member is dead.
  // 1 ms .. 24 hours.
  Duration dead_after = Duration::seconds(10);

  // Names the first field out of range and its allowed range ("window: must be in 1..100000,
  // got 0").
  Status validate() const;
};

// The largest value phi() returns. Past it (some 2,000 standard deviations late) the difference
// between one hopeless value and another carries no information.
inline constexpr double kMaxPhi = 1e6;

// phi = -log10(0.5 * erfc((elapsed - mean) / (std_dev * sqrt 2))), the normal upper tail of the
// elapsed time since the last heartbeat, for a fitted mean and standard deviation in ns.
// Properties every caller may rely on: phi >= 0; phi is non-decreasing in `elapsed`; phi is
// finite for every finite input and capped at kMaxPhi; elapsed == mean gives log10(2). A
// std_dev_ns <= 0 is a step: 0 below the mean, log10(2) at it, kMaxPhi above it. NaN inputs are
// a broken invariant.
double phi(Duration elapsed, double mean_ns, double std_dev_ns);

// The sliding window of one member's heartbeat inter-arrival times, with its mean and
// population standard deviation (as Akka's HeartbeatHistory).
//
// Compact by design, since a simulated world keeps n x n of them:
//  - sizeof(PhiWindow) is one pointer; a default-constructed window (what a MemberDetector holds
//    until its first heartbeat) allocates nothing.
//  - Samples are 32-bit microseconds (an interval is rounded to the nearest microsecond and
//    saturates at 2^32 - 1 us, about 71.6 minutes).
//  - They live in a ring buffer, in one heap block with the running sums, that grows by doubling
//    only up to `limit`, so a short-lived member costs little memory.
//  - The running sum and sum of squares are exact integers (64- and 128-bit), so sliding the
//    window any number of times accumulates no floating-point drift: the statistics depend only
//    on the samples currently in the window, and equal those of a fresh window holding them.
// Copying deep-copies the samples.
class PhiWindow {
 public:
  // An empty window that will hold up to `limit` samples, 1..kMaxPhiWindow (a broken invariant
  // otherwise). Allocates a small block at once; capacity grows as samples arrive.
  explicit PhiWindow(uint32_t limit);
  // An empty window with no limit and no allocation; add() on it is a broken invariant.
  PhiWindow() = default;
  PhiWindow(const PhiWindow& other);
  PhiWindow& operator=(const PhiWindow& other);
  PhiWindow(PhiWindow&& other) noexcept;
  PhiWindow& operator=(PhiWindow&& other) noexcept;
  ~PhiWindow();

  // Appends one inter-arrival time, forgetting the oldest sample once `limit` are held. A
  // negative interval counts as zero.
  void add(Duration interval);

  size_t size() const;
  // The most samples held; 0 for a default-constructed window.
  uint32_t limit() const;
  // Bytes this window holds on the heap (0 for a default-constructed window).
  size_t heap_bytes() const;
  // Mean and population standard deviation of the held samples, in ns; 0 for an empty window.
  double mean_ns() const;
  double std_dev_ns() const;

  // The i-th held sample, oldest first, in microseconds; i < size() (for tests and traces).
  uint32_t sample_us(size_t i) const;

  // The sample a Duration is stored as: rounded to the nearest microsecond, clamped to
  // 0 .. 2^32 - 1.
  static uint32_t to_sample_us(Duration interval);

 private:
  struct Block;
  Block* block_ = nullptr;
};

// The normal distribution phi is measured against, in ns.
struct PhiFit {
  double mean_ns = 0;
  double std_dev_ns = 0;
};

// The fit for a member's window under `config`: the window's mean plus acceptable_pause, and its
// standard deviation floored at min_std_dev. An empty window (no interval known yet) reads as
// Akka's bootstrap: the two synthetic samples first_heartbeat_estimate -/+ estimate / 4, whose
// mean is the estimate and standard deviation a quarter of it.
PhiFit phi_fit(const PhiAccrualConfig& config, const PhiWindow& window);

// The two samples the bootstrap stands for, in the order a window receives them.
Duration phi_bootstrap_low(const PhiAccrualConfig& config);
Duration phi_bootstrap_high(const PhiAccrualConfig& config);

}  // namespace rumor::core::detect
