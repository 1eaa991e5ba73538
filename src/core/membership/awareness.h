// Awareness: Lifeguard's local health score, the node's estimate of its own timeliness.
//
// Lifeguard (Dadgar, Phillips & Currey 2018, §3 "Local Health Multiplier"): a node that misses
// acks it should have received, or has to refute accusations against itself, is more likely the
// slow one, so it probes less often and waits longer before suspecting others. memberlist 0.2.2
// (awareness.go) keeps an integer score in [0, max - 1] (max = AwarenessMaxMultiplier, 8 by
// default) and scales the probe interval by score + 1. The node applies the deltas (fact sheet
// memberlist-serf-wire.md §7): -1 after a successful probe; on a failed probe + (expected nacks -
// received nacks) when nacks were asked for, else +1; +1 per refutation. Sans-IO and exact: the
// score is an integer and scale() is integer multiplication.
//
// Invariant: 0 <= score() <= max_multiplier() - 1, whatever deltas are applied.
#pragma once

#include <cstdint>

#include "base/time.h"

namespace rumor::core {

class Awareness {
 public:
  // max_multiplier >= 1 (asserted; SwimConfig::validate() keeps it in 1..64).
  explicit Awareness(uint32_t max_multiplier);

  // Adds `delta` and clamps the score into [0, max - 1]; a railed score stays railed.
  void apply_delta(int delta);

  uint32_t score() const { return score_; }
  uint32_t max_multiplier() const { return max_; }
  // d x (score + 1) (awareness.go ScaleTimeout).
  Duration scale(Duration d) const { return d * (int64_t{score_} + 1); }

 private:
  uint32_t max_;
  uint32_t score_ = 0;
};

}  // namespace rumor::core
