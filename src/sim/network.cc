#include "sim/network.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rumor::sim {

Network::Network(const SimConfig& config, uint64_t seed)
    : prng_(seed), loss_(config.loss), duplicate_(config.duplicate), latency_(config.latency) {
  for (const Partition& p : config.partitions) {
    Cut c;
    const auto rest = static_cast<uint8_t>(p.groups.size());
    c.group_of.assign(config.nodes, rest);
    for (size_t g = 0; g < p.groups.size(); ++g) {
      for (uint32_t node : p.groups[g])
        c.group_of[node] = static_cast<uint8_t>(g);
    }
    c.start = p.start;
    c.heal = p.heal.value_or(std::numeric_limits<double>::infinity());
    c.one_way = p.one_way;
    cuts_.push_back(std::move(c));
  }
}

Fate Network::fate(core::NodeId from, core::NodeId to, double t) {
  for (const Cut& c : cuts_) {
    if (t < c.start || t >= c.heal) continue;
    const uint8_t gf = c.group_of[from], gt = c.group_of[to];
    if (gf == gt) continue;
    if (!c.one_way || gf == 0) return Fate::kCut;
  }
  if (loss_ > 0 && prng_.chance(loss_)) return Fate::kLost;
  return Fate::kDeliver;
}

bool Network::partitioned(double t) const {
  return std::any_of(cuts_.begin(), cuts_.end(),
                     [t](const Cut& c) { return t >= c.start && t < c.heal; });
}

Duration Network::latency() {
  double ms = 0;
  switch (latency_.dist) {
    case LatencyModel::Dist::kConstant:
      ms = latency_.a_ms;
      break;
    case LatencyModel::Dist::kUniform:
      ms = latency_.a_ms + (latency_.b_ms - latency_.a_ms) * prng_.unit();
      break;
    case LatencyModel::Dist::kNormal:
      ms = std::max(0.0, latency_.a_ms + latency_.b_ms * prng_.normal());
      break;
    case LatencyModel::Dist::kExponential:
      ms = latency_.a_ms * prng_.exponential();
      break;
  }
  return Duration::nanos(static_cast<int64_t>(std::llround(ms * 1e6)));
}

}  // namespace rumor::sim
