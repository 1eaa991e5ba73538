// Fixed-threshold heartbeat failure detection: the classic rule of gossip-style heartbeat
// membership (van Renesse, Minsky & Hayden, "A Gossip-Style Failure Detection Service",
// Middleware 1998, section 2: a member whose heartbeat counter has not increased for T_fail is
// considered failed, and is forgotten T_cleanup later).
//
// Here both times are counted in heartbeat intervals: a member is kSuspect once `suspect_after`
// intervals have passed without heartbeat progress, and kDead once `dead_after` more have passed.
// The rule is a pure function of the last time progress was observed and `now`; the only state a
// member needs is that one Time (kept by MemberDetector, detector.h). The boundaries are
// inclusive: at exactly suspect_after x interval the member is suspect.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "base/time.h"
#include "core/detect/health.h"

namespace rumor::core::detect {

struct ThresholdConfig {
  // Intervals without heartbeat progress before a member is suspect. 1..1000. Gossip brings
  // heartbeat progress in bursts (a fresh copy, then rounds in which every partner's copy is
  // staler), so silences of several intervals are normal and grow with log n. Measured with
  // push-pull, fanout 1, async timing, n = 1000, five 100-interval runs: suspect_after 5 (dead
  // after 3 more) gave about a million false suspicions and 13 false deaths, 8 (and 4) gave 12
  // and none (tools/detection.py; docs/convergence.md, section 5).
  uint32_t suspect_after = 8;
  // Further intervals without progress, once suspect, before it is dead. 1..1000.
  uint32_t dead_after = 4;
  // The heartbeat interval the thresholds are counted in. 1 ms .. 1 hour.
  Duration interval = Duration::seconds(1);

  // Names the first field out of range and its allowed range ("suspect_after: must be in
  // 1..1000, got 0").
  Status validate() const;

  // The silences after which a member turns suspect and dead: suspect_after x interval and
  // (suspect_after + dead_after) x interval. Exact for every valid config (at most 7.2e15 ns).
  Duration suspect_timeout() const { return interval * suspect_after; }
  Duration dead_timeout() const { return interval * (int64_t{suspect_after} + dead_after); }
};

// The verdict for a member whose heartbeat last made progress at `last_progress`. A `now` before
// `last_progress` (a driver bug, never a remote peer's doing) reads as no silence: kAlive.
Health threshold_health(const ThresholdConfig& config, Time last_progress, Time now);

}  // namespace rumor::core::detect
