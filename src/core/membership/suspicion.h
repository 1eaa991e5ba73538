// Suspicion: Lifeguard's suspicion timer for one suspect member, as a value (sans-IO).
//
// Lifeguard (Dadgar, Phillips & Currey 2018, §4 "Local Health Aware Suspicion") starts the
// timeout at max and lowers it logarithmically toward min as independent members confirm the
// suspicion; memberlist 0.2.2 implements it in suspicion.go with the sizes of util.go
// suspicionTimeout and state.go suspectNode (fact sheet memberlist-serf-wire.md §7):
//   min = suspicion_mult x max(1, log10(max(1, n))) x probe_interval (log truncated to 1/1000),
//   max = suspicion_max_timeout_mult x min,
//   k   = suspicion_mult - 2 confirmations expected, 0 when n - 2 < k,
//   after c confirmations the timeout, measured from the start, is
//   floor_ms(max - ln(c + 1) / ln(k + 1) x (max - min)), never below min; max itself when c = 0
//   (min when k = 0: then nothing can confirm and the timer is SWIM's fixed one).
// Where memberlist re-arms a Go timer, this value only reports deadline(); the node fires the
// suspicion (declares the member dead{From = self}) once now >= deadline().
//
// Invariants: confirmations() <= k; the accuser and each counted confirmer are distinct, and at
// most k + 1 ids are stored; deadline() never increases and never falls below start + min.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/time.h"
#include "core/membership/swim_config.h"

namespace rumor::core {

// The sizes of one suspicion: expected confirmations and the timeout's bounds.
struct SuspicionParams {
  uint32_t k = 0;
  Duration min;
  Duration max;
};

class Suspicion {
 public:
  // util.go suspicionTimeout, in Go's integer arithmetic: mult x trunc(1000 x scale) x
  // interval / 1000 with scale = max(1, log10(max(1, n))). Saturates at Duration::max() (never
  // for a valid SwimConfig).
  static Duration suspicion_min(uint32_t suspicion_mult, size_t n, Duration probe_interval);
  // state.go suspectNode: suspicion_mult - 2, or 0 when fewer than that many other members
  // (n - 2, n counting this node and the suspect) could confirm.
  static uint32_t expected_confirmations(uint32_t suspicion_mult, size_t n);
  // The parameters a node with `n` known members (itself, dead and left included) uses. With
  // config.dynamic_suspicion off: k = 0 and max = min, a fixed timeout of min.
  static SuspicionParams params(const SwimConfig& config, size_t n);
  // suspicion.go remainingSuspicionTime before the elapsed time is taken off: the timeout from
  // the start after `c` of `k` confirmations. c = 0 gives max (min when k = 0).
  static Duration timeout_after(uint32_t c, uint32_t k, Duration min, Duration max);

  // A suspicion raised by `accuser` (a member id; NameId in the node) at `start`. The accuser
  // never counts as a confirmation: its own suspicion may be gossiped back. Requires
  // min <= max (asserted).
  Suspicion(uint32_t accuser, uint32_t k, Duration min, Duration max, Time start);
  Suspicion(uint32_t accuser, const SuspicionParams& p, Time start)
      : Suspicion(accuser, p.k, p.min, p.max, start) {}

  // Counts `from` as a confirmation: true if it is new (not the accuser, not seen before) and
  // fewer than k have been counted; the deadline then moves toward start + min (never
  // later). False changes nothing.
  bool confirm(uint32_t from);

  Time deadline() const { return start_ + timeout_; }
  bool expired(Time now) const { return now >= deadline(); }
  Time start() const { return start_; }
  Duration timeout() const { return timeout_; }
  uint32_t confirmations() const { return confirmations_; }
  uint32_t expected() const { return k_; }
  uint32_t accuser() const { return seen_.front(); }
  Duration min() const { return min_; }
  Duration max() const { return max_; }

 private:
  uint32_t k_;
  uint32_t confirmations_ = 0;
  Duration min_;
  Duration max_;
  Time start_;
  Duration timeout_;
  std::vector<uint32_t> seen_;  // the accuser, then each counted confirmer: <= k + 1 ids
};

// The same as the static members, for callers that prefer free functions.
inline Duration suspicion_min(uint32_t suspicion_mult, size_t n, Duration probe_interval) {
  return Suspicion::suspicion_min(suspicion_mult, n, probe_interval);
}
inline uint32_t expected_confirmations(uint32_t suspicion_mult, size_t n) {
  return Suspicion::expected_confirmations(suspicion_mult, n);
}

}  // namespace rumor::core
