// HeartbeatWorld: a simulated cluster running heartbeat membership (core::HeartbeatNode).
//
// Every node joins through node 0 (the seed) at time 0, gossips its heartbeat every interval
// over the configured anti-entropy style, and watches everyone else with the configured failure
// detector. The fault plan (crashes, restarts, partitions, loss, latency, slow nodes) and
// graceful leaves come from the SimConfig. Messages travel as encoded bytes through the real
// codec. In async timing each node ticks on its own jittered timer and messages take a latency
// from the latency model; in rounds timing every node ticks at each round boundary and messages
// arrive at once, in the order sent.
//
// What it measures:
//   - joined: when every live node first knew every other live node (whatever its status);
//   - converged: when every live node first saw every other live node alive;
//   - per crash: when the first live node suspected / declared the crashed node dead, and when
//     the last live node declared it dead (every live node's view), in seconds after the crash;
//   - false suspicions and false deaths: suspect and failed events about members that were up
//     (not crashed, not left) at that moment, counted from `joined` on, with the live
//     node-hours observed from then, for rates; and apart, the suspicions from 60 intervals
//     after `joined` on (settled), so a detector's start-up (phi with only its bootstrap
//     samples) and its steady state can be told apart;
//   - per leave: when every live node saw the member leave;
//   - messages and bytes per node per interval.
// The same seed gives the same run, bit for bit.
//
// Traced (RunOptions::trace), a run writes every message, status event, fault, leave (where the
// leaver stops counting as running) and round; a round's `messages` are those sent since the
// previous round, its `informed` the number of running nodes whose view is accurate, counted by a
// ViewAccuracy (view_accuracy.h) the world keeps only then, from the status events, crashes,
// restarts and leaves (every node starts at time 0 knowing nobody). Its n x n views fit, since
// the heartbeat protocol allows at most kMaxViewAccuracyNodes nodes (SimConfig::validate()).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/dissem/gossip_config.h"
#include "sim/gossip_world.h"
#include "sim/sim_config.h"

namespace rumor::sim {

struct DetectionStats {
  uint32_t node = 0;
  double crash_at_s = 0;
  uint32_t observers = 0;       // nodes live at the end of the run, other than the crashed one
  uint32_t observers_dead = 0;  // how many of them declared it dead
  std::optional<double> first_suspect_s;  // after the crash
  std::optional<double> first_dead_s;
  std::optional<double> all_dead_s;  // when the last observer declared it dead
  double mean_dead_s = 0;            // over the observers that did
};

struct LeaveStats {
  uint32_t node = 0;
  double leave_at_s = 0;
  uint32_t observers = 0;
  uint32_t observers_left = 0;
  std::optional<double> all_left_s;
};

struct HeartbeatResult {
  core::GossipMode mode = core::GossipMode::kPushPull;
  uint32_t nodes = 0;
  uint32_t fanout = 0;
  uint64_t seed = 0;
  Timing timing = Timing::kAsync;
  double interval_s = 1;
  std::optional<double> joined_s;
  std::optional<double> converged_s;
  std::vector<DetectionStats> detections;
  std::vector<LeaveStats> leaves;
  uint64_t false_suspicions = 0;
  uint64_t false_deaths = 0;
  double node_hours = 0;                  // live nodes x virtual hours, from joined_s on
  uint64_t false_suspicions_settled = 0;  // from joined_s + 60 intervals on
  double node_hours_settled = 0;
  uint32_t rounds_run = 0;
  uint64_t messages_total = 0;
  uint64_t bytes_total = 0;
  double messages_per_node_interval = 0;
  double bytes_per_node_interval = 0;
  uint64_t dropped_loss = 0;
  uint64_t dropped_partition = 0;
  uint64_t dropped_crashed = 0;
};

// The round count a heartbeat run takes when config.max_rounds is 0: long enough to converge,
// live through the fault plan and let the detectors conclude.
uint32_t heartbeat_max_rounds(const SimConfig& config);

// Runs one heartbeat-membership simulation in `mode` (push, pull or push-pull). config must
// have validated.
HeartbeatResult run_heartbeat(const SimConfig& config, core::GossipMode mode,
                              const RunOptions& options);

}  // namespace rumor::sim
