// SwimPlan: what a swim world (swim_world.h) is made of and judged by, derived from its SimConfig
// alone, so tests and tools can compute it without running the world.
//
//   - Addresses: node i listens at 10.(i>>16).(i>>8 & 255).(i & 255):7946; swim_index() maps an
//     address back to its node (nullopt for anything else, which the world counts and drops).
//   - Faults drawn from the seed: resolve_swim_faults() turns swim.crash_count and
//     swim.slow_count into explicit crashes and slow nodes (Prng stream kPlanStream of the
//     seed), distinct from each other and from every node the lists name.
//   - Touched members (exempt from checker (a)): crashed at any time, slow, leaving, or off the
//     largest side of some partition; persistent ones (left out of checker (b)): slow.
//   - The checkers' bounds (swim_checkers.h): derived from the node configuration and n.
// All are pure functions of the config: the same config gives the same plan.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/time.h"
#include "core/address.h"
#include "core/membership/swim_config.h"
#include "sim/sim_config.h"
#include "sim/swim_checkers.h"

namespace rumor::sim {

inline constexpr uint16_t kSwimPort = 7946;

// A time of the swim fault plan (seconds from the start of the run) on the virtual clock.
Time at_seconds(double s);

core::Address swim_address(uint32_t i);
std::optional<uint32_t> swim_index(const core::Address& a, uint32_t nodes);

// The fault plan with swim.crash_count and swim.slow_count resolved into explicit crashes (at
// crash_at_s, no restart) and slow nodes (delay slow_delay_ms), drawn from the seed among the
// nodes no list names, crashed ones first; the counts are then 0. config must have validated.
SimConfig resolve_swim_faults(const SimConfig& config);

// Per node: 1 if some fault of the (resolved) plan touches it.
std::vector<uint8_t> swim_touched(const SimConfig& config);

// Per node: 1 if its fault never heals (a slow member), which checker (b) leaves out.
std::vector<uint8_t> swim_persistent(const SimConfig& config);

// The longest suspicion timeout a node of an n-member cluster starts: suspicion_mult x
// max(1, log10 n) x probe_interval, times suspicion_max_timeout_mult.
Duration swim_suspicion_max(const core::SwimConfig& c, uint32_t n);

// The checkers' bounds (swim_checkers.h has the reasoning): (a) 2 x scaled push-pull interval +
// longest suspicion; (b) reconnect interval + 2 x scaled push-pull interval + 2 x longest
// suspicion + 10 probe intervals + 50 gossip intervals, after the last crash, restart, heal,
// leave (+ its grace) or join, and not judged when a partition never heals or slow members run
// without Lifeguard; (c) gossip_to_the_dead_time.
SwimCheckBounds swim_check_bounds(const SimConfig& config);

}  // namespace rumor::sim
