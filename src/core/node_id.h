// NodeId: a node's identity inside one cluster or simulated world.
//
// A dense 32-bit index: the simulator numbers its nodes 0..n-1 and the heartbeat membership
// layer maps member names to ids. kNoNode marks "nobody" (no peer chosen, unknown sender).
#pragma once

#include <cstdint>

namespace rumor::core {

using NodeId = uint32_t;
inline constexpr NodeId kNoNode = 0xffffffffu;

}  // namespace rumor::core
