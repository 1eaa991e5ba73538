// SimConfig: everything one `rumor sim` run is made of, from flags or a JSON scenario file.
//
// Times in a scenario are in rounds: one round is one gossip interval (GossipConfig::interval),
// so a fault plan reads the same in both timing modes; fractions of a round are allowed in
// async mode. The swim protocol is the exception: it always runs asynchronously on its own
// timers (probe, gossip and push-pull intervals, which differ), so its fault-plan times
// (crashes, restarts, partitions, leaves) are in seconds of virtual time (fault_time_unit()).
// Node indices are 0..nodes-1; the update is written by node `origin` at time 0.
// validate() checks the whole run (ranges, node indices inside 0..nodes-1, heal after start,
// restart after crash) and names the first bad field; nothing runs until it passes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/detect/detector.h"
#include "core/dissem/gossip_config.h"
#include "core/membership/swim_config.h"
#include "core/peer_sampler.h"

namespace rumor::sim {

enum class Timing : uint8_t { kRounds, kAsync };
enum class Protocol : uint8_t { kGossip, kHeartbeat, kSwim };
// How a swim world begins: every member already knowing every other, or joining one by one.
enum class SwimStart : uint8_t { kFormed, kJoin };

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

// Heartbeat and swim protocols: node `node` leaves gracefully at `at` (announces "left", keeps
// running briefly so the news spreads, then stops).
struct Leave {
  uint32_t node = 0;
  double at = 0;
};

// Node `node` takes `delay_ms` extra to process each message it receives (async mode). The swim
// protocol models a slow node differently (swim_world.h): every message it receives and every
// timer of its own is handled late by a lag drawn per event, uniform in [delay/2, 3*delay/2].
struct SlowNode {
  uint32_t node = 0;
  double delay_ms = 0;
};

// The swim protocol's world (swim_world.h): which memberlist profile every node runs, the
// Lifeguard switch, how long the run lasts and how it starts, and the faults drawn from the seed.
struct SwimSettings {
  std::string profile = "lan";              // lan | wan | local (core::SwimConfig::from_profile)
  bool lifeguard = true;                    // core::SwimConfig::set_lifeguard
  bool tcp_pings = true;                    // false: core::SwimConfig::disable_tcp_pings
  bool eager_gossip = true;                 // core::SwimConfig::eager_gossip
  std::optional<uint32_t> indirect_checks;  // overrides the profile's; 0..64
  double duration_s = 120;                  // virtual seconds the run lasts; 1 .. 1,000,000
  SwimStart start = SwimStart::kFormed;
  double join_stagger_ms = 50;  // kJoin: node i joins through node 0 at i x stagger; 0 .. 60,000
  // Members chosen from the seed (distinct, and distinct from every node the lists name):
  // `crash_count` crash at `crash_at_s` and stay down; `slow_count` are slow with a mean lag of
  // `slow_delay_ms` for the whole run.
  uint32_t crash_count = 0;
  double crash_at_s = 30;
  uint32_t slow_count = 0;
  double slow_delay_ms = 1000;  // 0 .. 3,600,000
  // Serf's reconnector, which the world plays for every node (memberlist alone never rejoins a
  // member it declared dead, so a healed partition would stay split): every `reconnect_s`, a
  // node that holds f members failed and a alive joins a random failed one with probability
  // f / a. 0 turns it off; else 1 .. 86,400.
  double reconnect_s = 30;
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
  // Swim protocol.
  SwimSettings swim{};

  Status validate() const;

  // The unit of fault-plan times in seconds: one gossip interval, or 1 for the swim protocol.
  double fault_time_unit() const;
  // The node configuration every swim member runs: the profile, Lifeguard on or off, the
  // indirect-check override, and event and broadcast queues large enough for a whole cluster's
  // join (the world drains them after every call). Only meaningful once validate() passed.
  core::SwimConfig swim_node_config() const;

 private:
  Status check_heartbeat() const;
  Status check_swim() const;
};

// "formed", "join" (the names the CLI's --start and a scenario's swim.start take).
std::string_view swim_start_name(SwimStart s);
std::optional<SwimStart> parse_swim_start(std::string_view s);

}  // namespace rumor::sim
