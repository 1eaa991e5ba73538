// HeartbeatNode: heartbeat membership built on the anti-entropy engine (Cassandra's model).
//
// Each node keeps one entry of its own, "hb", and rewrites it every gossip interval: the write
// raises the node's counter, so its heartbeat is simply its highest counter, and the
// anti-entropy engine (gossiper.h, push / pull / push-pull, digests or full state) carries it to
// everyone. Every other node watches each member's heartbeat progress through its MemberTable
// and a failure detector (fixed threshold or phi accrual, detect/detector.h). A restart is a new
// generation. Joining is a push-pull exchange with the seed nodes, repeated every tick (with a
// seed or a known member) until the node hears itself named in another node's SYN, which proves
// it is known: so a join whose messages are lost is retried, in every mode. Leaving writes a
// "status" entry of "left" that, in that generation, wins over any heartbeat.
//
// The sans-IO surface drivers use (DESIGN.md): handle_packet / handle_message / handle_timeout
// in; poll_transmit / poll_timeout / poll_event out; join / leave as commands. The node owns
// its Workspace, so its outgoing messages wait in it until polled. Untrusted bytes that do not
// decode are counted by error kind and dropped.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/dissem/gossiper.h"
#include "core/membership/member_table.h"
#include "core/wire/gossip_codec.h"

namespace rumor::core {

struct HeartbeatConfig {
  // The engine: mode must be push, pull or push-pull; interval is the heartbeat interval.
  GossipConfig gossip{};
  detect::DetectorConfig detector{};
  PeerSelection peer_selection = PeerSelection::kUniform;
  // Most members one node tracks. 1 .. 10,000,000.
  uint32_t max_members = 1u << 20;
  // Most member events waiting to be polled; beyond it the oldest are dropped. 1 .. 1,000,000.
  uint32_t max_events = 4096;

  Status validate() const;
};

struct Transmit {
  NodeId to = kNoNode;
  std::vector<uint8_t> bytes;
};

class HeartbeatNode {
 public:
  // `config` must have validated. The node first gossips at `first_tick`.
  HeartbeatNode(NodeId self, uint32_t generation, uint64_t seed, const HeartbeatConfig& config,
                Time first_tick);
  HeartbeatNode(HeartbeatNode&&) = delete;  // the member table points into config_

  // Contacts every seed now and falls back to them whenever no member is believed alive.
  void join(std::span<const NodeId> seeds, Time now);
  // Announces the departure ("left") now; the driver stops the node once it has spread.
  void leave(Time now);

  void handle_packet(Time now, NodeId from, std::span<const uint8_t> bytes);
  void handle_message(Time now, NodeId from, const MessageView& m);
  void handle_timeout(Time now);

  Time poll_timeout() const { return engine_.poll_timeout(); }
  // The next message to send, encoded; false when there is none.
  bool poll_transmit(Transmit& out);
  bool poll_event(MemberEvent& out) { return table_.poll_event(out); }

  NodeId self() const { return self_; }
  bool has_left() const { return left_; }
  const MemberTable& members() const { return table_; }
  const Gossiper& engine() const { return engine_; }
  const GossipStats& stats() const { return ws_.stats; }
  uint64_t decode_errors(wire::DecodeError e) const {
    return decode_errors_[static_cast<size_t>(e)];
  }

 private:
  GossipContext context(Time now) { return GossipContext{now, config_.gossip, table_, ws_}; }
  void absorb_changes(Time now);
  // Until the node is known, one more push-pull exchange per tick announces it.
  void announce(GossipContext& ctx);

  NodeId self_;
  HeartbeatConfig config_;
  Gossiper engine_;
  MemberTable table_;
  Workspace ws_;
  size_t next_transmit_ = 0;
  bool left_ = false;
  bool known_ = false;  // another node's SYN has named us: our join has landed
  std::array<uint64_t, wire::kDecodeErrorCount> decode_errors_{};
  Message decoded_;
};

// The keys a heartbeat node writes.
inline constexpr const char* kHeartbeatKey = "hb";
inline constexpr const char* kStatusKey = "status";
inline constexpr const char* kLeftValue = "left";

}  // namespace rumor::core
