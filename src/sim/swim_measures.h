// SwimMeasures: what a swim run (sim/swim_world.h) measures about itself from its members' events
// and counters, gathered into its SwimResult: per crash, when the live members first suspected
// the crashed one and declared it failed; per sampled join (--start join), when the members
// learned of the joiner; false positives and suspicions of running members; the nodes' own
// counters (core::SwimStats) summed; and at the end, the means over the crashes and the message
// and byte rates per live member per second.
//
// It observes; it never steers (DESIGN.md, "Checkers observe"): it draws nothing, schedules
// nothing and touches no node, so a run's course is the same whatever it records. The world
// tells it the truth as calls: a member's first start, each event a live member emits about
// another one (with whether that one is running and which crash it is down from), each crash
// window closing (at its restart), and who is live and since when (`LiveSince`).
//
// Observers. Of a crash: the members live when its window closes (its restart, or the end of the
// run) and up in their current generation since no later than the crash (a member restarted
// since never saw it alive), other than the crashed one. Of a join: the members live at the end
// and up since before it. A member event counts as a false positive (failed) or a suspicion of
// a live member (suspect) when its subject is running then; "untouched" ones are about a member
// no fault of the plan touches (swim_touched()).
//
// Memory: per crash, two n-entry time tables, made at its first suspicion or failure and freed
// when its window closes; per sampled join (at most 32), one n-entry table.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "base/time.h"
#include "core/membership/swim_node.h"
#include "sim/sim_config.h"
#include "sim/swim_world.h"

namespace rumor::sim {

class SwimMeasures {
 public:
  // When member i's current generation started if it is live (running, not leaving), else
  // Time::never().
  using LiveSince = std::function<Time(uint32_t)>;

  // config is the resolved plan (resolve_swim_faults()); result receives every measure and
  // must outlive this.
  SwimMeasures(const SimConfig& config, SwimResult& result);

  // Member i starts at t: for the first time, or again after a crash.
  void on_start(uint32_t i, Time t);
  // A live observer emitted e about another member; member_running: e.member is running now;
  // crash: the index of the crash e.member is down from, or -1.
  void on_event(uint32_t observer, const core::SwimEvent& e, bool member_running, int32_t crash);
  // The nodes' own counters, added once per node generation (when it stops, or at the end).
  void add_node_stats(const core::SwimStats& s);
  // Crash c's window closes (it restarts): its SwimCrashStats joins the result. Once per crash.
  void close_crash(uint32_t c, const LiveSince& live_since);
  // The run ends at `end`, with result.member_seconds final: closes the crashes still open,
  // orders them, and fills in the means, the join spreads and the rates.
  void finish(Time end, const LiveSince& live_since);

 private:
  const SimConfig& config_;
  SwimResult& result_;
  uint32_t n_;
  std::vector<uint8_t> untouched_;  // per node: no fault of the plan touches it
  // Per crash: when each observer first suspected / declared it failed; empty until the first.
  std::vector<std::vector<Time>> suspect_at_, dead_at_;
  std::vector<uint8_t> crash_closed_;
  std::vector<int32_t> tracked_;             // node -> index into the joins below, or -1
  std::vector<uint32_t> tracked_nodes_;      // the sampled joiners
  std::vector<Time> tracked_start_;          // when each first started (never: not yet)
  std::vector<std::vector<Time>> known_at_;  // per tracked join: when each observer learned it
};

}  // namespace rumor::sim
