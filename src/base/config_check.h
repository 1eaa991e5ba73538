// Range checks for config validation (the second error tier, status.h): each names the field,
// its allowed range and the value it got, e.g. "fanout: must be in 1..64, got 0".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"

namespace rumor {

inline Status check_count(std::string_view field, uint64_t value, uint64_t lo, uint64_t hi) {
  if (value >= lo && value <= hi) return Status::ok();
  return Status::error(std::string(field) + ": must be in " + std::to_string(lo) + ".." +
                       std::to_string(hi) + ", got " + std::to_string(value));
}

inline std::string ns_text(Duration d) {
  return std::to_string(d.ns()) + "ns";
}

// `range` is how the error states the bounds ("1ms..1h").
inline Status check_duration(std::string_view field, Duration d, Duration lo, Duration hi,
                             std::string_view range) {
  if (d >= lo && d <= hi) return Status::ok();
  return Status::error(std::string(field) + ": must be in " + std::string(range) + ", got " +
                       ns_text(d));
}

}  // namespace rumor
