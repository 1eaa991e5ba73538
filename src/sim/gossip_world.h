// GossipWorld: a simulated cluster spreading one update with the real gossip engine.
//
// n core::Gossiper engines (the same code the agent runs), one update written by node `origin`
// at time 0, and the simulated network of network.h. Two timing modes:
//   rounds  every node ticks once per round; the messages a phase produces are delivered in the
//           next phase, so what a node learns in round t it passes on from round t+1 (exchanges
//           that need several messages, SYN -> ACK -> ACK2, finish inside the round);
//   async   every node ticks on its own jittered timer, each message takes a latency drawn from
//           the latency model, and a slow node processes its messages one at a time.
// A node is "informed" when its store holds the update; crashed nodes count as neither live nor
// informed, and a restarted node comes back empty with a new generation.
//
// The run ends, once no fault is still to come, when every live node is informed (anti-entropy
// modes, or any mode with a periodic anti-entropy safety net), or when the spreading has stopped
// (rumor or direct mail with nothing hot and nothing in flight, informed or not: all their
// traffic is counted), or at max_rounds. Everything random comes from the seed, so a run is
// reproducible bit for bit; the per-node engines draw from Prng::derive(seed, node).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/dissem/gossiper.h"
#include "sim/sim_config.h"
#include "sim/trace.h"

namespace rumor::sim {

struct RoundStats {
  uint32_t round = 0;
  uint64_t informed = 0;  // live nodes holding the update at the end of the round
  uint64_t messages = 0;  // messages sent during the round
  uint64_t bytes = 0;
};

struct RunResult {
  core::GossipMode mode = core::GossipMode::kPushPull;
  uint32_t nodes = 0;
  uint32_t fanout = 0;
  uint64_t seed = 0;
  Timing timing = Timing::kRounds;
  std::optional<uint32_t> rounds_to_full;  // first round at whose end all live nodes knew
  std::optional<double> time_to_full_ms;   // async: virtual time until then
  uint64_t informed_final = 0;
  uint64_t live_final = 0;
  uint32_t rounds_run = 0;
  uint64_t messages_total = 0;
  uint64_t bytes_total = 0;
  uint64_t messages_by_type[core::kMaxMessageType + 1] = {};
  uint64_t dropped_loss = 0;
  uint64_t dropped_partition = 0;
  uint64_t dropped_crashed = 0;
  uint64_t duplicated = 0;
  std::vector<RoundStats> per_round;
  core::GossipStats engine;
};

// Told about each finished round (the CLI draws a progress bar from it).
class ProgressObserver {
 public:
  virtual ~ProgressObserver() = default;
  virtual void on_round(uint32_t round, uint32_t max_rounds, uint64_t informed, uint64_t nodes) = 0;
};

struct RunOptions {
  TraceSink* trace = nullptr;
  ProgressObserver* progress = nullptr;
  // Encode and decode every message with the wire codec instead of handing the engine the
  // sender's structs (same results, slower; proves the codec in the loop).
  bool wire = false;
};

// The round count a run may take when config.max_rounds is 0.
uint32_t effective_max_rounds(const SimConfig& config);

// Runs one simulation of `mode` (config.modes is ignored). config must have validated.
RunResult run_gossip(const SimConfig& config, core::GossipMode mode, const RunOptions& options);

}  // namespace rumor::sim
