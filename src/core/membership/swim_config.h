// SwimConfig: every knob of the SWIM + Lifeguard node (swim_node.h), validated once at
// construction.
//
// The protocol fields carry HashiCorp memberlist 0.2.2's Config names in snake_case, with
// Duration for its time.Duration fields; lan(), wan() and local() equal its DefaultLANConfig,
// DefaultWANConfig and DefaultLocalConfig (config.go; fact sheet memberlist-serf-wire.md §7).
// The Lifeguard switches (Dadgar et al. 2018, §3-§5) turn its three mechanisms off one by one,
// so SWIM's original behaviour (Das et al. 2002) can be measured against it: with all four off the
// node probes at a fixed rate and suspects for a fixed time. The limits bound every table and
// queue the node keeps; memberlist has none, so they are ours (DESIGN.md, "Limits everywhere").
// validate() names the first field out of range and its allowed range.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"

namespace rumor::core {

struct SwimConfig {
  // --- SWIM probing (memberlist ProbeInterval, ProbeTimeout, IndirectChecks) ---
  // Time between probes of one member. 1 ms .. 1 h.
  Duration probe_interval = Duration::seconds(1);
  // How long a direct ping waits for its ack before indirect pings go out; never scaled by
  // awareness. 1 ms .. probe_interval (exclusive).
  Duration probe_timeout = Duration::millis(500);
  // Members asked to ping a silent target on our behalf. 0 (direct pings only) .. 64.
  uint32_t indirect_checks = 3;

  // --- Dissemination (RetransmitMult, GossipInterval, GossipNodes, GossipToTheDeadTime) ---
  // Each broadcast is sent retransmit_mult x ceil(log10(n + 1)) times. 1..64.
  uint32_t retransmit_mult = 4;
  // Time between gossip packets; 0 turns gossip off (piggybacking remains). 0 or 1 ms .. 1 h.
  Duration gossip_interval = Duration::millis(200);
  // Members each gossip packet goes to; 0 turns gossip off. 0..64.
  uint32_t gossip_nodes = 3;
  // News queued at an idle node goes out at once (still at most one gossip round per
  // gossip_interval) instead of at the next tick of a fixed ticker, as memberlist does. Saves
  // up to a gossip interval per hop; same messages, same wire format. false: memberlist's timing.
  bool eager_gossip = true;
  // Dead members still receive gossip this long after they died. 0 .. 24 h.
  Duration gossip_to_the_dead_time = Duration::seconds(30);

  // --- Suspicion (SuspicionMult, SuspicionMaxTimeoutMult) ---
  // min = suspicion_mult x max(1, log10 n) x probe_interval; Lifeguard waits for
  // suspicion_mult - 2 confirmations. 1..100.
  uint32_t suspicion_mult = 4;
  // max = suspicion_max_timeout_mult x min. 1..100.
  uint32_t suspicion_max_timeout_mult = 6;

  // --- Anti-entropy (PushPullInterval) ---
  // Time between full-state exchanges, scaled up beyond 32 members; 0 turns them off.
  // 0 or 1 ms .. 24 h.
  Duration push_pull_interval = Duration::seconds(30);

  // --- Local health (AwarenessMaxMultiplier) ---
  // The awareness score lives in 0 .. awareness_max_multiplier - 1. 1..64.
  uint32_t awareness_max_multiplier = 8;

  // --- Transport-facing limits (TCPTimeout, DisableTcpPings, UDPBufferSize, MetaMaxSize) ---
  // Deadline of one stream exchange (push-pull, TCP fallback ping). 1 ms .. 1 h.
  Duration tcp_timeout = Duration::seconds(10);
  // No TCP fallback ping alongside the indirect pings.
  bool disable_tcp_pings = false;
  // The largest packet the node builds (the piggyback budget is counted in it). 128 .. 65507.
  uint32_t udp_buffer_size = 1400;
  // The largest node meta this node sends or accepts (memberlist's MetaMaxSize). 0..512.
  uint32_t meta_max_bytes = 512;
  // A dead member's name may be claimed by a new address after this long; 0 never (only a left
  // member's name can be). 0 .. 365 days.
  Duration dead_node_reclaim_time = Duration::zero();

  // --- Transport layers (Label, EnableCompression, GossipVerifyIncoming/Outgoing) ---
  // A label on every packet and stream (memberlist >= 0.3.0); peers with another label, or
  // none, are refused. Empty: no label, as memberlist 0.2.2 and Serf 0.9.4. 0..255 bytes.
  std::string label;
  // LZW-compress what this node sends (memberlist's default is on; reading it is always on).
  bool compress = false;
  // With encryption keys installed: refuse what does not decrypt, and encrypt what is sent.
  // Turning them off lets a cluster move to encryption one node at a time.
  bool gossip_verify_incoming = true;
  bool gossip_verify_outgoing = true;

  // --- Lifeguard switches (all on = memberlist 0.2.2) ---
  // Local health: awareness-scaled probe interval, +1 per refutation and per missed nack.
  bool awareness = true;
  // Suspicion timeout starting at max and falling toward min with confirmations; off: a fixed
  // timeout of min (SWIM's original).
  bool dynamic_suspicion = true;
  // Ask relays for a nack when the target stays silent (indirect ping Nack = true).
  bool nacks = true;
  // Buddy system: a ping to a suspect member carries the suspicion so it can refute at once.
  bool buddy = true;

  // --- Limits (ours) ---
  // Members in the table, self and dead/left members included. 1 .. 10,000,000.
  uint32_t max_members = 1u << 20;
  // Undelivered events before the oldest are dropped and counted. 1 .. 16,777,216.
  uint32_t max_events = 4096;
  // Queued broadcasts (broadcast_queue.h) before one is dropped and counted. 1 .. 16,777,216.
  uint32_t max_broadcasts = 4096;
  // Outstanding probes this node started (sequence numbers awaiting an ack). 1 .. 1,048,576.
  uint32_t max_pending_probes = 1024;
  // Indirect pings this node relays at once for others. 1 .. 1,048,576.
  uint32_t max_relays = 1024;
  // Node states accepted from one push-pull exchange. 1 .. 10,000,000.
  uint32_t max_push_pull_nodes = 1u << 20;

  // The profile this config started from ("lan", "wan", "local"); informational.
  std::string profile = "lan";

  // memberlist 0.2.2's DefaultLANConfig (also what a default-constructed SwimConfig holds).
  static SwimConfig lan();
  // DefaultWANConfig: slower probing (5 s, timeout 3 s), suspicion_mult 6, gossip 500 ms to 4.
  static SwimConfig wan();
  // DefaultLocalConfig: loopback; 1 indirect check, retransmit_mult 2, suspicion_mult 3.
  static SwimConfig local();
  // "lan" | "wan" | "local"; anything else is an error naming the allowed values. (Not named
  // profile(): a static member function cannot share the data member's name.)
  static Result<SwimConfig> from_profile(std::string_view name);

  // Turns all four Lifeguard mechanisms on (memberlist) or off (SWIM).
  void set_lifeguard(bool on);

  // Names the first field out of range and its allowed range ("indirect_checks: must be in
  // 0..64, got 65").
  Status validate() const;
};

}  // namespace rumor::core
