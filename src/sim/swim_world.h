// SwimWorld: a simulated cluster of core::SwimNode members (SWIM + Lifeguard on memberlist's wire
// format), on a virtual clock, with the fault plan of a SimConfig; `rumor sim --protocol swim`.
//
// The world. One core::Directory shared by every node; node i is "node-i" (interned first, so
// its NameId and IdentityId are i) at 10.(i>>16).(i>>8 & 255).(i & 255):7946, and addresses map
// back to indices from their IP bytes. Every node runs SimConfig::swim_node_config() (profile,
// Lifeguard switch, indirect checks) with its own seed, Prng::derive(seed, i + generation<<32).
// A run starts from a formed cluster (every node restore_member()s every other: no traffic) or
// by joining (node i joins through node 0 at i x join_stagger_ms) and lasts duration_s.
//
// Timing is asynchronous: one priority queue of deliveries, node deadlines (poll_timeout) and
// fault events, ordered by time and, at equal times, by insertion, so the same seed gives the
// same run bit for bit. Every message takes a latency from the latency model. Packets
// (Channel::kPacket) may be lost (`loss`) or duplicated (`duplicate`); streams are reliable: a
// kStreamOpen reaches the peer's handle_stream, whose kStreamReply reaches the opener's
// handle_stream_reply. A stream to a crashed peer is refused (handle_stream_error one latency
// later), one across an active partition times out (handle_stream_error after the config's
// tcp_timeout), and one the peer closes without a reply fails too; a reply that a partition or
// the opener's crash cuts off is lost and the opener times the stream out itself. Partitions
// drop packets and streams between groups by the time they are sent. Crashed nodes drop
// everything and send nothing; a restarted node comes back empty (incarnation 1, a new
// generation) and joins through a random live node, retrying every reconnect interval until a
// join succeeds. A leaving node calls leave(), keeps running max(5 gossip intervals, 1 probe
// interval) so the news spreads, then stops.
//
// Slow nodes (the Lifeguard experiment, a member starved of CPU): every message delivered to a
// slow node and every one of its own timers is handled late, by a lag drawn per event uniform in
// [delay/2, 3*delay/2] (delay = its SlowNode::delay_ms, swim.slow_delay_ms for drawn ones), and
// in order: an event is handled at max(arrival + lag, when the previous one was handled). So a
// slow node answers pings late, misses acks it waits for, and suspects healthy members, which is
// what Lifeguard's local health (awareness) and dynamic suspicion are for.
//
// Serf's reconnector: memberlist never contacts a member it holds dead after
// gossip_to_the_dead_time, so the world plays Serf's part (serf.go handleReconnect) for every
// node: every reconnect_s, a node holding f members failed and a alive joins a random failed
// one with probability f / a.
//
// Measured (SwimResult): per crash the time until the first live member suspects it, the first
// and every live member declares it failed (also in protocol periods), the spread of that
// declaration (first to all, in seconds, gossip intervals and probe periods), false positives
// (failed events about a member that is running) and suspicions of live members, message and
// byte rates per live member per second, the nodes' probe / ack / indirect / nack / refute
// counts, and with --start join the spread of a sample of joins; SwimMeasures (swim_measures.h)
// gathers them. The checkers of swim_checkers.h run on every event; their violations are part
// of the result.
//
// Traced (RunOptions::trace), a run writes every message, member event, fault and probe
// interval through SwimTrace (swim_trace.h).
//
// Limits: nodes <= 15,000 (every node holds every member), <= kMaxSwimTraceNodes (5,000) when
// traced, and at most 2^25 pending events (the configuration is checked against an estimate by
// SimConfig::validate(); a run that still exceeds the cap, or a traced one too large, stops
// with `error` set).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/gossip_world.h"
#include "sim/sim_config.h"
#include "sim/swim_checkers.h"
#include "sim/swim_plan.h"

namespace rumor::sim {

struct SwimCrashStats {
  uint32_t node = 0;
  double crash_at_s = 0;
  std::optional<double> restart_at_s;
  // Members live when the crash window closed (its restart, or the end of the run) and up
  // since before the crash (not restarted since), other than the crashed one; how many of them
  // declared it failed.
  uint32_t observers = 0;
  uint32_t observers_dead = 0;
  std::optional<double> first_suspect_s;  // after the crash
  std::optional<double> first_dead_s;
  std::optional<double> all_dead_s;  // when the last observer declared it failed
  double mean_dead_s = 0;            // over the observers that did
};

// One membership change spreading: from the first observer knowing to every observer knowing.
struct SwimSpreadStats {
  uint32_t node = 0;
  double at_s = 0;         // when the member joined
  uint32_t observers = 0;  // members live at the end, up (this generation) since before it
  uint32_t observers_knowing = 0;
  std::optional<double> first_s;  // after at_s
  std::optional<double> all_s;
};

struct SwimResult {
  uint32_t nodes = 0;
  uint64_t seed = 0;
  std::string profile;
  bool lifeguard = true;
  bool tcp_pings = true;
  bool eager_gossip = true;
  uint32_t indirect_checks = 0;
  SwimStart start = SwimStart::kFormed;
  double duration_s = 0;
  double probe_interval_s = 1;
  double gossip_interval_s = 0.2;
  std::vector<uint32_t> slow_nodes;

  std::vector<SwimCrashStats> crashes;  // those that happened before the end
  // Means over the crashes; null when there were none, or when any crash was never (first) or
  // never by every observer (all) declared failed.
  std::optional<double> detect_first_s;
  std::optional<double> detect_all_s;
  std::vector<SwimSpreadStats> joins;  // --start join: a sample of up to 32 joins

  uint64_t false_positives = 0;  // failed events about a running (not crashed, not leaving) member
  uint64_t false_positives_untouched = 0;  // ... about one no fault touches
  uint64_t suspicions_of_live = 0;         // suspect events about a running member
  uint64_t suspicions_of_live_untouched = 0;

  uint64_t packets = 0;  // datagrams sent (before loss)
  uint64_t packet_bytes = 0;
  uint64_t streams = 0;  // stream messages sent: opens and replies
  uint64_t stream_bytes = 0;
  double member_seconds = 0;  // live members x virtual seconds
  double messages_per_member_per_s = 0;
  double bytes_per_member_per_s = 0;

  // The nodes' own counters (core::SwimStats), summed over every node and generation.
  uint64_t probes = 0;
  uint64_t probe_acks = 0;
  uint64_t indirect_probes = 0;
  uint64_t nacks = 0;
  uint64_t suspicions_raised = 0;
  uint64_t refutes = 0;
  uint64_t push_pulls = 0;
  uint64_t node_events_dropped = 0;
  uint64_t node_transmits_dropped = 0;
  uint64_t reconnects = 0;  // joins the world made for Serf's reconnector and rejoins

  uint64_t dropped_loss = 0;
  uint64_t dropped_partition = 0;
  uint64_t dropped_crashed = 0;
  uint64_t dropped_unknown = 0;  // to an address that is no node, or a reply to no stream
  uint64_t duplicated = 0;
  uint64_t streams_failed = 0;
  uint64_t streams_completed = 0;  // replies handed to the opener
  uint64_t events_processed = 0;
  uint64_t pending_events_max = 0;

  // Checkers (swim_checkers.h).
  double dead_everywhere_bound_s = 0;
  double agreement_bound_s = 0;
  std::optional<double> faults_end_s;
  bool agreement_checked = false;
  std::optional<double> agreement_s;  // after faults_end_s
  uint64_t stale_rejoins = 0;
  std::vector<SwimViolation> violations;
  uint64_t violations_total = 0;

  std::string error;  // not empty: the run stopped early (a limit), and says why
};

// Runs one swim simulation. config must have validated (protocol kSwim).
SwimResult run_swim(const SimConfig& config, const RunOptions& options);
SwimResult run_swim(const SimConfig& config);

}  // namespace rumor::sim
