// SimConfig: everything one `rumor sim` run is made of, from flags or a JSON scenario file.
//
// Times in a scenario are in rounds: one round is one gossip interval (GossipConfig::interval),
// so a fault plan reads the same in both timing modes; fractions of a round are allowed in
// async mode. Node indices are 0..nodes-1; the update is written by node `origin` at time 0.
// validate() checks the whole run (ranges, node indices inside 0..nodes-1, heal after start,
// restart after crash) and names the first bad field; nothing runs until it passes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "core/detect/detector.h"
#include "core/dissem/gossip_config.h"
#include "core/peer_sampler.h"

namespace rumor::sim {

enum class Timing : uint8_t { kRounds, kAsync };
enum class Protocol : uint8_t { kGossip, kHeartbeat };

// Per-message delay in async mode (rounds mode ignores latency: a round is one hop).
struct LatencyModel {
  enum class Dist : uint8_t { kConstant, kUniform, kNormal, kExponential };
  Dist dist = Dist::kConstant;
  // kConstant: a = delay. kUniform: [a, b]. kNormal: mean a, std dev b (clamped at 0).
  // kExponential: mean a. All in milliseconds, 0 .. 3,600,000.
  double a_ms = 10.0;
  double b_ms = 0.0;
};

// Nodes split into groups; messages between different groups are dropped from `start` until
// `heal` (never healed if absent). One-way cuts: with `one_way`, only messages from groups[0]
// to the other groups are dropped.
struct Partition {
  std::vector<std::vector<uint32_t>> groups;
  double start = 0;
  std::optional<double> heal;
  bool one_way = false;
};

// Node `node` stops at `at` (drops everything, sends nothing) and, if `restart` is set, comes
// back then with an empty store and a new generation.
struct Crash {
  uint32_t node = 0;
  double at = 0;
  std::optional<double> restart;
};

// Heartbeat protocol: node `node` leaves gracefully at `at` (announces "left", keeps gossiping
// for three intervals so the news spreads, then stops).
struct Leave {
  uint32_t node = 0;
  double at = 0;
};

// Node `node` takes `delay_ms` extra to process each message it receives (async mode).
struct SlowNode {
  uint32_t node = 0;
  double delay_ms = 0;
};

struct SimConfig {
  Protocol protocol = Protocol::kGossip;
  uint32_t nodes = 1000;                                                // 2 .. 10,000,000
  std::vector<core::GossipMode> modes = {core::GossipMode::kPushPull};  // --mode / --compare
  core::GossipConfig gossip{};  // fanout, reconcile, rumor stop rule, limits
  core::PeerSelection peer_selection = core::PeerSelection::kUniform;
  uint64_t seed = 1;
  Timing timing = Timing::kRounds;
  uint32_t max_rounds = 0;  // 0: automatic (enough for the slowest mode to finish)
  uint32_t origin = 0;      // the node that writes the update
  double loss = 0.0;        // per message, 0 .. 0.99
  double duplicate = 0.0;   // per message, 0 .. 0.99
  LatencyModel latency{};
  std::vector<Partition> partitions;
  std::vector<Crash> crashes;
  std::vector<SlowNode> slow_nodes;
  // Heartbeat protocol: the failure detector every node runs (its threshold interval is the
  // gossip interval), and graceful leaves.
  core::detect::DetectorConfig detector{};
  std::vector<Leave> leaves;

  Status validate() const;

 private:
  Status check_heartbeat() const;
};

}  // namespace rumor::sim
