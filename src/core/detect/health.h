// Health: what a failure detector says about one member at one moment.
//
// Both detectors of the heartbeat membership (threshold.h, phi_accrual.h, unified per member in
// detector.h) answer with one of three verdicts, ordered by severity: kAlive < kSuspect < kDead.
// A detector's verdict only ever moves up that order while no heartbeat arrives, and a fresh
// heartbeat brings it back to kAlive. What the membership does with a verdict (announce a
// suspicion, remove the member) is the member table's business, not the detector's.
#pragma once

#include <cstdint>

namespace rumor::core::detect {

enum class Health : uint8_t {
  kAlive,    // heartbeats are arriving about as expected
  kSuspect,  // heartbeats are overdue: the member may have failed
  kDead,     // heartbeats have been overdue for long enough to give the member up
};

// "alive", "suspect" or "dead": for logs, traces and the viewer.
constexpr const char* health_name(Health h) {
  switch (h) {
    case Health::kAlive:
      return "alive";
    case Health::kSuspect:
      return "suspect";
    case Health::kDead:
      return "dead";
  }
  return "unknown";
}

}  // namespace rumor::core::detect
