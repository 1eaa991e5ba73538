// GossipConfig: every knob of the gossip engine (gossiper.h), validated once at construction.
//
// Each field's default and allowed range sit beside it; validate() names the first field out of
// range and what is allowed ("fanout: must be in 1..64, got 0"). One config is shared by every
// node of a simulated world, so it is passed to the engine by reference, not copied into it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/status.h"
#include "base/time.h"

namespace rumor::core {

// How an update moves (Demers et al. 1987; Karp et al. 2000).
enum class GossipMode : uint8_t {
  kPush,        // anti-entropy: the initiator sends; only the peer can change
  kPull,        // anti-entropy: the initiator asks; only the initiator can change
  kPushPull,    // anti-entropy: both
  kRumor,       // rumor mongering (SIR): hot updates pushed until they go cold
  kDirectMail,  // the origin sends each new update to every node it knows, once
};
std::string_view gossip_mode_name(GossipMode m);
std::optional<GossipMode> parse_gossip_mode(std::string_view s);

// How two nodes find out what to exchange in an anti-entropy exchange.
enum class Reconcile : uint8_t {
  kDigest,     // SYN digests -> ACK (what the initiator lacks + requests) -> ACK2
  kFullState,  // whole state each way (as memberlist's push-pull does)
};
std::string_view reconcile_name(Reconcile r);
std::optional<Reconcile> parse_reconcile(std::string_view s);

// When a rumor-mongering node loses interest in a hot rumor (Demers et al. 1987, section 1.4).
struct RumorStop {
  bool feedback =
      true;          // true: only contacts that already knew it count; false: blind (every send)
  bool coin = true;  // true: lose interest with probability 1/k per counted contact;
                     // false: counter, lose interest after k counted contacts
};

struct GossipConfig {
  GossipMode mode = GossipMode::kPushPull;
  Reconcile reconcile = Reconcile::kDigest;
  // Peers contacted per interval (anti-entropy exchanges started, or rumor targets). 1..64.
  uint32_t fanout = 1;
  // Time between a node's gossip rounds. 1 ms .. 1 hour.
  Duration interval = Duration::seconds(1);
  // Each interval is stretched or shrunk by up to this fraction, at random per node. 0 .. 0.5.
  double jitter = 0.0;
  // Largest encoded message the engine builds; bigger state is cut into a prefix (full state and
  // ACK entries are sent origin by origin, ascending counters, so a prefix is always usable).
  // 64 .. 64 MiB.
  uint32_t max_message_bytes = 64 * 1024;
  // Most entries one node's store holds; new keys beyond it are refused and counted. 1 .. 2^31.
  uint32_t max_entries = 1u << 20;
  // Rumor mongering: the stop rule and its k. 1..64.
  RumorStop rumor_stop{};
  uint32_t rumor_k = 2;
  // Most hot rumors a node keeps; beyond it the oldest goes cold (anti-entropy still carries
  // it). 1 .. 1,000,000.
  uint32_t max_hot_rumors = 1024;
  // In rumor and direct-mail modes, every this many intervals a node also runs one digest
  // push-pull exchange, the safety net for nodes a rumor missed. 0 (off) .. 1,000,000.
  uint32_t antientropy_every = 0;

  Status validate() const;
};

}  // namespace rumor::core
