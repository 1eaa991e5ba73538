#include "core/detect/threshold.h"

#include <string>

namespace rumor::core::detect {

Status ThresholdConfig::validate() const {
  if (suspect_after < 1 || suspect_after > 1000) {
    return Status::error("suspect_after: must be in 1..1000, got " + std::to_string(suspect_after));
  }
  if (dead_after < 1 || dead_after > 1000) {
    return Status::error("dead_after: must be in 1..1000, got " + std::to_string(dead_after));
  }
  if (interval < Duration::millis(1) || interval > Duration::seconds(3600)) {
    return Status::error("interval: must be in 1ms..1h, got " + std::to_string(interval.ns()) +
                         "ns");
  }
  return Status::ok();
}

Health threshold_health(const ThresholdConfig& config, Time last_progress, Time now) {
  const Duration silence = now - last_progress;
  if (silence >= config.dead_timeout()) return Health::kDead;
  if (silence >= config.suspect_timeout()) return Health::kSuspect;
  return Health::kAlive;
}

}  // namespace rumor::core::detect
