#include "core/membership/heartbeat_node.h"

#include <algorithm>
#include <string>

#include "base/assert.h"

namespace rumor::core {

Status HeartbeatConfig::validate() const {
  if (Status s = gossip.validate(); !s.is_ok()) return Status::error("gossip." + s.message());
  if (gossip.mode != GossipMode::kPush && gossip.mode != GossipMode::kPull &&
      gossip.mode != GossipMode::kPushPull) {
    return Status::error("gossip.mode: heartbeat membership needs push, pull or push-pull, got " +
                         std::string(gossip_mode_name(gossip.mode)));
  }
  if (Status s = detector.validate(); !s.is_ok()) return Status::error("detector." + s.message());
  if (max_members < 1 || max_members > 10'000'000) {
    return Status::error("max_members: must be in 1..10000000, got " + std::to_string(max_members));
  }
  if (max_events < 1 || max_events > 1'000'000) {
    return Status::error("max_events: must be in 1..1000000, got " + std::to_string(max_events));
  }
  return Status::ok();
}

HeartbeatNode::HeartbeatNode(NodeId self, uint32_t generation, uint64_t seed,
                             const HeartbeatConfig& config, Time first_tick)
    : self_(self),
      config_(config),
      engine_(self, generation, seed, first_tick),
      table_(self, &config_.detector, config.peer_selection, config.max_members,
             config.max_events) {
  RUMOR_ASSERT(config_.validate().is_ok(), "HeartbeatNode needs a validated config");
  ws_.record_changes = true;
  auto ctx = context(first_tick);
  engine_.write(ctx, kHeartbeatKey, "");
}

void HeartbeatNode::join(std::span<const NodeId> seeds, Time now) {
  std::vector<NodeId> s;
  for (NodeId id : seeds) {
    if (id != self_) s.push_back(id);
  }
  table_.set_seeds(s);
  auto ctx = context(now);
  for (NodeId id : s)
    engine_.exchange_with(ctx, id);
}

void HeartbeatNode::leave(Time now) {
  if (left_) return;
  left_ = true;
  auto ctx = context(now);
  engine_.write(ctx, kStatusKey, kLeftValue);
  // Push the news at once to a few peers rather than waiting for the next tick.
  std::vector<NodeId> peers;
  table_.sample(self_, engine_.prng(), config_.gossip.fanout, now, peers);
  for (NodeId p : peers)
    engine_.exchange_with(ctx, p);
}

void HeartbeatNode::handle_packet(Time now, NodeId from, std::span<const uint8_t> bytes) {
  const wire::DecodeError err =
      wire::decode(bytes, config_.gossip.max_message_bytes + wire::kHeaderBound, decoded_);
  if (err != wire::DecodeError::kNone) {
    decode_errors_[static_cast<size_t>(err)]++;
    return;
  }
  handle_message(now, from, decoded_.view());
}

void HeartbeatNode::handle_message(Time now, NodeId from, const MessageView& m) {
  if (!known_ && m.type == MessageType::kSyn) {
    known_ = std::any_of(m.digests.begin(), m.digests.end(),
                         [this](const Digest& d) { return d.origin == self_; });
  }
  auto ctx = context(now);
  engine_.handle_message(ctx, from, m);
  absorb_changes(now);
}

void HeartbeatNode::handle_timeout(Time now) {
  if (now < engine_.poll_timeout()) return;
  auto ctx = context(now);
  // A node that left stops beating but keeps answering and gossiping, so the news spreads.
  if (!left_) engine_.write(ctx, kHeartbeatKey, "");
  table_.check(now);
  engine_.handle_timeout(ctx);
  if (!known_) announce(ctx);
}

void HeartbeatNode::announce(GossipContext& ctx) {
  std::vector<NodeId> peer;
  const std::vector<NodeId>& seeds = table_.seeds();
  if (!seeds.empty()) {
    peer.push_back(seeds[engine_.prng().uniform(seeds.size())]);
  } else {
    table_.sample(self_, engine_.prng(), 1, ctx.now, peer);
  }
  if (!peer.empty()) engine_.exchange_with(ctx, peer.front());
}

bool HeartbeatNode::poll_transmit(Transmit& out) {
  if (next_transmit_ >= ws_.out.size()) {
    ws_.out.clear();
    next_transmit_ = 0;
    return false;
  }
  out.to = ws_.out.to(next_transmit_);
  out.bytes.clear();
  wire::encode(ws_.out.view(next_transmit_), out.bytes);
  ++next_transmit_;
  return true;
}

void HeartbeatNode::absorb_changes(Time now) {
  for (const Change& c : ws_.changes) {
    const bool left = c.entry.key() == kStatusKey && c.entry.value() == kLeftValue;
    table_.observe(Observation{c.entry.origin, c.entry.generation, c.entry.counter, left}, now);
  }
  ws_.changes.clear();
}

}  // namespace rumor::core
