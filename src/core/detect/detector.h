// MemberDetector: one node's failure-detection state for one member of the heartbeat membership,
// for either detector kind, behind one interface.
//
// The member table keeps one MemberDetector per member, and a simulated world holds n x n of
// them, so the state is kept to what the verdict needs: the time of the last heartbeat progress
// and, for the phi kind, the sliding window of inter-arrival times (phi_accrual.h), which lives
// on the heap and is allocated only at the first heartbeat. sizeof(MemberDetector) is 16 bytes;
// a phi-kind member adds one heap block of 40 bytes + 4 bytes per sample (growing by doubling up
// to `window` samples: about 4 KB at Akka's window of 1000).
//
// The config is not stored: the owner passes the same DetectorConfig to every call (one config
// serves every member of a node, or of a world). Every call is pure in `now`: health() and phi()
// are const and read nothing but the stored state, so a verdict can be asked for any moment, in
// any order, and the answers agree with suspect_at() and dead_at().
//
// The two kinds:
//  - kThreshold (threshold.h; van Renesse et al. 1998): suspect after suspect_after intervals
//    without progress, dead after dead_after more.
//  - kPhi (phi_accrual.h; Hayashibara et al. 2004, with Akka's knobs): suspect while
//    phi >= threshold; dead once phi has stayed >= threshold for dead_after. The moment phi
//    crossed the threshold is derived from the current window, not stored: phi is non-decreasing
//    in the elapsed time, so "crossed at least dead_after ago" is phi(elapsed - dead_after) >=
//    threshold.
// Invariants: the verdict only moves up alive -> suspect -> dead while no heartbeat arrives; a
// heartbeat always brings it back to alive; last_heartbeat() never moves backwards.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/status.h"
#include "base/time.h"
#include "core/detect/health.h"
#include "core/detect/phi_accrual.h"
#include "core/detect/threshold.h"

namespace rumor::core::detect {

struct DetectorConfig {
  enum class Kind : uint8_t {
    kThreshold,  // fixed intervals without progress (threshold.h)
    kPhi,        // phi accrual (phi_accrual.h)
  };
  Kind kind = Kind::kThreshold;
  ThresholdConfig threshold;
  PhiAccrualConfig phi;

  // Validates both kinds' configs (so switching kinds can never expose a bad one), naming the
  // field by its path: "phi.window: must be in 1..100000, got 0".
  Status validate() const;
};

// "threshold" or "phi", and back.
std::string_view detector_kind_name(DetectorConfig::Kind kind);
std::optional<DetectorConfig::Kind> parse_detector_kind(std::string_view s);

class MemberDetector {
 public:
  // Observing since Time::zero(), as after reset(Time::zero()).
  MemberDetector() = default;
  explicit MemberDetector(Time now) { reset(now); }

  // (Re)starts observing at `now`: a new member, or a new generation of one. `now` counts as
  // the first heartbeat (Akka's first heartbeat: a reference point, not yet an interval), and
  // the phi window is dropped (its memory freed) and bootstrapped anew from
  // first_heartbeat_estimate. Do not also call heartbeat() for the same observation: that would
  // record an interval of zero.
  void reset(Time now);

  // Heartbeat progress observed at `now`. Phi kind: the first heartbeat after reset() first
  // puts the two bootstrap samples in the window (allocating it with room for up to
  // config.phi.window samples); then the interval since the last heartbeat
  // joins the window, unless the member was already kDead at `now`, so one long outage does
  // not skew the fit for the next `window` heartbeats. (Akka drops the interval as soon as phi
  // has reached the threshold; we keep suspect-but-not-dead intervals, so a detector whose
  // first_heartbeat_estimate is far below the real interval still learns it instead of
  // suspecting the member forever.) A `now` before last_heartbeat() (a driver bug) changes
  // nothing.
  void heartbeat(const DetectorConfig& config, Time now);

  // The verdict at `now`. A `now` before last_heartbeat() reads as kAlive.
  Health health(const DetectorConfig& config, Time now) const;

  // The suspicion level at `now` (phi_accrual.h); 0 for the threshold kind.
  double phi(const DetectorConfig& config, Time now) const;

  Time last_heartbeat() const { return last_; }

  // The earliest moment, at or after last_heartbeat(), at which health() says kSuspect
  // (resp. kDead) if no heartbeat arrives first: the deadlines a member table schedules.
  // Time::never() if the moment does not fit in a Time. Phi kind: a bisection over the elapsed
  // ns (about 50 evaluations of phi), so call it when a heartbeat moves the deadline, not on
  // every tick.
  Time suspect_at(const DetectorConfig& config) const;
  Time dead_at(const DetectorConfig& config) const;

  // The fit phi is currently measured against (bootstrap, floor and pause applied), and the
  // window behind it; for traces, metrics and the viewer.
  PhiFit phi_fit(const DetectorConfig& config) const {
    return detect::phi_fit(config.phi, window_);
  }
  const PhiWindow& window() const { return window_; }

 private:
  Time last_;
  PhiWindow window_;  // empty until the first heartbeat after reset()
};

// The whole per-member cost inline; see the header comment for the heap part.
static_assert(sizeof(MemberDetector) <= 16, "MemberDetector must stay compact: n x n of them");

}  // namespace rumor::core::detect
