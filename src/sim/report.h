// Report: how `rumor sim` prints its runs (table, JSON, CSV) and plots them.
//
// JSON prints one object per run per line (JSON Lines) with at least nodes, mode, fanout, seed,
// rounds_to_full (null if not everyone got the update), informed_final, messages_total,
// bytes_total and per_round [{round, informed, messages}]. CSV prints one row per run and round.
// The table is for people: one summary line per mode (averaged over seeds when there are
// several), then the informed fraction round by round, modes side by side. All output is a pure
// function of the results, so it is as deterministic as the runs.
#pragma once

#include <string>
#include <vector>

#include "sim/gossip_world.h"
#include "sim/heartbeat_world.h"
#include "sim/plot.h"
#include "sim/sim_config.h"

namespace rumor::sim {

enum class Format : uint8_t { kTable, kJson, kCsv };

// runs: every run, grouped by mode in the order of config.modes, seeds ascending within a mode.
std::string format_json(const std::vector<RunResult>& runs);
std::string format_csv(const std::vector<RunResult>& runs);
std::string format_table(const SimConfig& config, const std::vector<RunResult>& runs);

// The informed-fraction curves, one per mode (each mode's first seed).
PlotSpec informed_plot(const SimConfig& config, const std::vector<RunResult>& runs);

// Summary over the seeds of one mode.
struct ModeSummary {
  core::GossipMode mode = core::GossipMode::kPushPull;
  size_t runs = 0;
  size_t runs_full = 0;    // runs in which everyone got the update
  double rounds_mean = 0;  // over the runs that reached everyone
  uint32_t rounds_max = 0;
  double messages_mean = 0;
  double messages_per_node = 0;  // messages_mean / nodes
  double bytes_mean = 0;
  double informed_final_mean = 0;
};
std::vector<ModeSummary> summarize(const std::vector<RunResult>& runs);

// Heartbeat-membership runs: one JSON object per run per line, or a table per run.
std::string format_heartbeat_json(const std::vector<HeartbeatResult>& runs);
std::string format_heartbeat_table(const SimConfig& config,
                                   const std::vector<HeartbeatResult>& runs);

}  // namespace rumor::sim
