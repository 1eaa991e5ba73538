// Gossiper: one node's gossip engine, the core every dissemination style shares.
//
// It holds the node's replica (Store), its Prng and the little state a style needs (hot rumors,
// mail not yet sent, the next tick), about a hundred bytes when the store is empty, so a
// simulator can hold a million of them. Everything shared by the nodes of a world or borrowed
// from the driver comes in with each call through a GossipContext: the time, the config, the
// peer sampler and the driver-owned Workspace where outgoing messages (an Outbox), counters and,
// if asked, a log of what the call changed are written. The engine never keeps a pointer to any
// of them between calls.
//
// Styles (GossipConfig::mode):
//   push / pull / push-pull anti-entropy (Demers et al. 1987): each tick the node starts an
//     exchange with `fanout` peers; digest reconciliation is SYN(digests) -> ACK(entries the
//     initiator lacks, requests for what the peer lacks) -> ACK2(the requested entries), so a
//     converged pair exchanges only one SYN; full-state reconciliation sends whole states.
//   rumor mongering (SIR): a node that learns something new makes it a hot rumor and pushes its
//     hot rumors to `fanout` peers each tick until it loses interest (RumorStop: feedback or
//     blind, coin 1/k or counter k); optionally a digest push-pull exchange every
//     `antientropy_every` ticks as the safety net.
//   direct mail: the origin sends each new write to every peer it knows, once.
// Whatever its own mode, a node answers a SYN in the style the SYN's flags ask for.
//
// Invariants: the store only ever changes through Store::apply/write (so merge rules hold);
// outgoing entries of one origin are sent in ascending counter order and cut only between
// entries, so a receiver's state is always a prefix of the sender's for that origin; no message
// exceeds config.max_message_bytes once encoded; the hot list never exceeds max_hot_rumors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/prng.h"
#include "base/time.h"
#include "core/antientropy/store.h"
#include "core/dissem/gossip_config.h"
#include "core/outbox.h"
#include "core/peer_sampler.h"

namespace rumor::core {

// Counters of one engine or a whole world (the driver decides by sharing a Workspace or not).
struct GossipStats {
  uint64_t received[kMaxMessageType + 1] = {};
  uint64_t entries_changed = 0;    // incoming entries that changed the store
  uint64_t entries_redundant = 0;  // incoming entries already held (or older)
  uint64_t entries_stale = 0;      // from an origin's older generation
  uint64_t entries_refused = 0;    // store full
  uint64_t entries_truncated = 0;  // left out of a message by the size limit
  uint64_t rumors_cold = 0;        // hot rumors that lost interest
  uint64_t hot_overflow = 0;       // hot rumors dropped because the hot list was full
};

// One change an incoming message made to the store.
struct Change {
  Entry entry;
  NodeId from = kNoNode;
  MessageType via = MessageType::kSyn;
};

// Driver-owned buffers an engine writes into; reused across calls so steady state allocates
// nothing.
struct Workspace {
  Outbox out;
  GossipStats stats;
  bool record_changes = false;
  std::vector<Change> changes;
  // Scratch space for the engine within one call.
  std::vector<NodeId> peers;
  std::vector<Digest> digests;
  std::vector<Entry> entries;
};

struct GossipContext {
  Time now;
  const GossipConfig& config;
  PeerSampler& sampler;
  Workspace& ws;
};

class Gossiper {
 public:
  // `first_tick` is when the node first gossips; `seed` seeds its Prng.
  Gossiper(NodeId self, uint32_t generation, uint64_t seed, Time first_tick);

  // The node writes key=value as its own state (origin = self). In rumor mode it becomes a hot
  // rumor; in direct-mail mode it is mailed at the next tick.
  Entry write(GossipContext& ctx, std::string key, std::string value);

  void handle_message(GossipContext& ctx, NodeId from, const MessageView& m);
  // Runs the tick if it is due (now >= poll_timeout()).
  void handle_timeout(GossipContext& ctx);
  Time poll_timeout() const { return next_tick_; }

  // Starts one digest push-pull exchange with `peer` now, outside the tick schedule, whatever
  // the mode: a join to a seed node, a leave announcement, the rumor safety net.
  void exchange_with(GossipContext& ctx, NodeId peer);

  NodeId self() const { return self_; }
  uint32_t generation() const { return generation_; }
  const Store& store() const { return store_; }
  size_t hot_count() const { return hot_.size(); }
  Prng& prng() { return prng_; }

 private:
  struct HotRumor {
    Entry entry;
    uint32_t contacts = 0;  // contacts counted against it; kCold once interest is lost
  };
  static constexpr uint32_t kCold = 0xffffffffu;

  void tick(GossipContext& ctx);
  void tick_rumor(GossipContext& ctx);
  void tick_mail(GossipContext& ctx);
  // The SYN flags of a tick's exchange in an anti-entropy mode.
  uint8_t exchange_flags(const GossipConfig& c) const;
  void build_syn(GossipContext& ctx, uint8_t style);

  void on_syn(GossipContext& ctx, NodeId from, const MessageView& m);
  void answer_digests(GossipContext& ctx, NodeId from, const MessageView& m);
  static bool covered(const MessageView& m, NodeId origin);
  void answer_full_state(GossipContext& ctx, NodeId from, const MessageView& m);
  void on_ack(GossipContext& ctx, NodeId from, const MessageView& m);
  void on_rumor(GossipContext& ctx, NodeId from, const MessageView& m);
  void on_feedback(GossipContext& ctx, const MessageView& m);

  // Applies one incoming entry; records the change and heats it in rumor mode.
  ApplyResult apply(GossipContext& ctx, NodeId from, MessageType via, const Entry& e);
  void heat(GossipContext& ctx, const Entry& e);
  // Counts one contact against a hot rumor; true when the node loses interest in it.
  bool lose_interest(const GossipConfig& c, HotRumor& h);
  void drop_cold(GossipContext& ctx);
  void drop_superseded();

  // What answering a message reads (store_, self_) comes first and fits in 28 bytes, so a
  // simulator holding a million engines mostly touches one cache line per delivery.
  Store store_;
  NodeId self_;
  uint32_t generation_;
  // Rumor mode: hot rumors, oldest first. Direct-mail mode: own writes not yet mailed.
  std::vector<HotRumor> hot_;
  Time next_tick_;
  Prng prng_;
  uint32_t ticks_ = 0;
};

}  // namespace rumor::core
