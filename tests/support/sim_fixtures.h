// Shared by the simulator's tests: a small swim configuration, and the brute-force count of
// accurate views that the traces' `round` lines must equal (the definition sim::ViewAccuracy
// keeps incrementally: a running observer's view is accurate when it holds every other running
// member alive, and no member that is not running alive or suspect).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/sim_config.h"

namespace rumor::sim::testing {

// `nodes` swim members formed at the start, running `duration_s`, with 1..10 ms of latency.
inline SimConfig swim_config(uint32_t nodes, uint64_t seed, double duration_s) {
  SimConfig c;
  c.protocol = Protocol::kSwim;
  c.nodes = nodes;
  c.seed = seed;
  c.swim.duration_s = duration_s;
  c.latency.dist = LatencyModel::Dist::kUniform;
  c.latency.a_ms = 1;
  c.latency.b_ms = 10;
  return c;
}

// view[o][m]: the status observer o holds for member m ("alive", "suspect", "failed", "left",
// "unknown", ...); running(i): whether node i runs. Counts the running observers whose view is
// accurate.
template <class Running>
uint64_t count_accurate_views(const std::vector<std::vector<std::string>>& view, Running running) {
  const auto n = static_cast<uint32_t>(view.size());
  uint64_t informed = 0;
  for (uint32_t o = 0; o < n; ++o) {
    if (!running(o)) continue;
    bool accurate = true;
    for (uint32_t m = 0; m < n && accurate; ++m) {
      if (m == o) continue;
      const std::string& v = view[o][m];
      accurate = running(m) ? v == "alive" : v != "alive" && v != "suspect";
    }
    informed += accurate;
  }
  return informed;
}

}  // namespace rumor::sim::testing
