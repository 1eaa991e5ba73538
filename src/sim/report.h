// Report: how `rumor sim` prints its runs (table, JSON, CSV) and plots them.
//
// JSON prints one object per run per line (JSON Lines) with at least nodes, mode, fanout, seed,
// rounds_to_full (null if not everyone got the update), informed_final, messages_total,
// bytes_total and per_round [{round, informed, messages}]. CSV prints one row per run and round.
// The table is for people: one summary line per mode (averaged over seeds when there are
// several), then the informed fraction round by round, modes side by side. All output is a pure
// function of the results, so it is as deterministic as the runs.
//
// SWIM runs (format_swim_json) print one object per run per line: "protocol": "swim", nodes,
// seed, profile, lifeguard, indirect_checks, start, duration_s, probe_interval_s,
// gossip_interval_s, slow_nodes; detect_first_s and detect_all_s (null when there was no crash
// or one was never declared failed, or never by everyone) and the same in protocol periods
// (detect_first_periods, detect_all_periods); crashes [{node, crash_at_s, restart_at_s,
// observers, observers_dead, first_suspect_s, first_dead_s, all_dead_s, mean_dead_s, the three
// in *_periods, and the failed declaration's spread from first to all: spread_s,
// spread_gossip_intervals, spread_periods}]; joins (--start join: a sample) [{node, at_s,
// observers, observers_knowing, first_s, all_s, spread_s, spread_gossip_intervals,
// spread_periods}]; false_positives, false_positives_untouched, suspicions_of_live,
// suspicions_of_live_untouched; messages_per_member_per_s, bytes_per_member_per_s, packets,
// packet_bytes, streams, stream_bytes, member_seconds; probes, probe_acks, indirect_probes,
// nacks, suspicions_raised, refutes, push_pulls, reconnects; dropped {loss, partition, crashed,
// unknown}, duplicated, streams_failed, streams_completed, node_events_dropped,
// node_transmits_dropped, events_processed, pending_events_max; checks {dead_everywhere_bound_s,
// agreement_bound_s, faults_end_s, agreement_checked, agreement_s, stale_rejoins, violations_total,
// violations
// [{checker, at_s, member, detail}]}; and "error" only when the run stopped early.
#pragma once

#include <string>
#include <vector>

#include "sim/gossip_world.h"
#include "sim/heartbeat_world.h"
#include "sim/plot.h"
#include "sim/sim_config.h"
#include "sim/swim_world.h"

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

// SWIM runs: one JSON object per run per line, or a block per run for people.
std::string format_swim_json(const std::vector<SwimResult>& runs);
std::string format_swim_table(const SimConfig& config, const std::vector<SwimResult>& runs);

}  // namespace rumor::sim
