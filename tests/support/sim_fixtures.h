// Shared by the simulator's tests: a small swim configuration, the brute-force count of
// accurate views that the traces' `round` lines must equal (the definition sim::ViewAccuracy
// keeps incrementally: a running observer's view is accurate when it holds every other running
// member alive, and no member that is not running alive or suspect), and a replay of a
// membership trace that rebuilds that count from the trace's own lines.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
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

// Replays one run of a membership trace (heartbeat, swim: its run line first) the way a viewer
// would, from the trace's lines alone and with no bookkeeping beyond a status matrix: the
// `informed` of every round line, recomputed from scratch over every pair of members. The run
// line says how members start: heartbeat, every one running at time 0 knowing nobody; swim
// `formed`, every one running and holding every other alive; swim `join`, none running until
// its `start` line, knowing nobody. A `crash` or a `leave` line stops a member; a `restart` runs
// it again knowing nobody.
inline std::vector<uint64_t> replay_informed(const std::vector<nlohmann::json>& events) {
  std::vector<std::vector<std::string>> view;
  std::vector<bool> running;
  std::vector<uint64_t> out;
  for (const nlohmann::json& e : events) {
    const std::string ev = e["ev"];
    if (ev == "run") {
      const auto n = e["nodes"].get<uint32_t>();
      const bool swim = e["protocol"] == "swim";
      const bool formed = swim && e["start"] == "formed";
      const bool join = swim && e["start"] == "join";
      view.assign(n, std::vector<std::string>(n, formed ? "alive" : "unknown"));
      running.assign(n, !join);
    } else if (ev == "status") {
      std::string s = e["status"];
      if (s == "joined") s = "alive";
      view[e["node"].get<uint32_t>()][e["about"].get<uint32_t>()] = s;
    } else if (ev == "crash" || ev == "leave") {
      running[e["node"].get<uint32_t>()] = false;
    } else if (ev == "start" || ev == "restart") {
      const auto i = e["node"].get<uint32_t>();
      running[i] = true;
      view[i].assign(view.size(), "unknown");
    } else if (ev == "round") {
      out.push_back(count_accurate_views(view, [&](uint32_t i) { return running[i]; }));
    }
  }
  return out;
}

// The first `left` status about a member that no earlier `leave` line named, as text for a
// failure message; empty when every one follows its member's leave line.
inline std::string left_before_leave(const std::vector<nlohmann::json>& events) {
  std::set<uint32_t> leaving;
  for (const nlohmann::json& e : events) {
    if (e["ev"] == "leave") leaving.insert(e["node"].get<uint32_t>());
    if (e["ev"] == "status" && e["status"] == "left" &&
        leaving.count(e["about"].get<uint32_t>()) == 0) {
      return e.dump();
    }
  }
  return "";
}

}  // namespace rumor::sim::testing
