// Network: the simulated network's fault model, deciding each message's fate.
//
// For every message a driver asks fate(from, to, t): lost at random (`loss`), cut by an active
// partition, or delivered; duplicated() and latency() draw the rest. All draws come from the
// network's own Prng (seeded from the run's seed), in the order the driver asks, so a run is
// reproducible. Partitions are node groups (nodes in no group form one extra group) active from
// `start` until `heal`; a one-way partition drops only messages leaving groups[0].
// Crashes are not here: a crashed node is the world's business (it neither sends nor receives).
#pragma once

#include <cstdint>
#include <vector>

#include "base/prng.h"
#include "base/time.h"
#include "core/node_id.h"
#include "sim/sim_config.h"

namespace rumor::sim {

enum class Fate : uint8_t { kDeliver, kLost, kCut };

class Network {
 public:
  Network(const SimConfig& config, uint64_t seed);

  // The fate of one message sent at time `t` (in rounds).
  Fate fate(core::NodeId from, core::NodeId to, double t);
  bool duplicated() { return duplicate_ > 0 && prng_.chance(duplicate_); }
  Duration latency();
  // Whether any partition is active at `t` (for reporting).
  bool partitioned(double t) const;

 private:
  struct Cut {
    std::vector<uint8_t> group_of;  // per node; the last group id is "everyone else"
    double start = 0;
    double heal = 0;  // +inf when never healed
    bool one_way = false;
  };

  Prng prng_;
  double loss_;
  double duplicate_;
  LatencyModel latency_;
  std::vector<Cut> cuts_;
};

}  // namespace rumor::sim
