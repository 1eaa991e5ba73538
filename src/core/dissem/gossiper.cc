#include "core/dissem/gossiper.h"

#include <algorithm>

#include "base/assert.h"
#include "core/wire/gossip_codec.h"

namespace rumor::core {
namespace {

// Tracks the encoded size of the message being built against the configured limit.
class Budget {
 public:
  explicit Budget(size_t limit) : used_(wire::kHeaderBound), limit_(limit) {}
  bool take(size_t n) {
    if (used_ + n > limit_) return false;
    used_ += n;
    return true;
  }

 private:
  size_t used_;
  size_t limit_;
};

bool is_anti_entropy(GossipMode m) {
  return m == GossipMode::kPush || m == GossipMode::kPull || m == GossipMode::kPushPull;
}

// Appends `origin`'s entries newer than `than` (ascending counters) while they fit; the first
// that does not fit ends the origin, so the receiver gets a usable prefix. False if cut.
bool add_origin_entries(GossipContext& ctx, const Store& store, NodeId origin, Version than,
                        Budget& budget) {
  std::vector<Entry>& scratch = ctx.ws.entries;
  scratch.clear();
  store.collect_newer(origin, than, scratch);
  for (size_t i = 0; i < scratch.size(); ++i) {
    if (!budget.take(wire::entry_size(scratch[i]))) {
      ctx.ws.stats.entries_truncated += scratch.size() - i;
      return false;
    }
    ctx.ws.out.add_entry(scratch[i]);
  }
  return true;
}

}  // namespace

Gossiper::Gossiper(NodeId self, uint32_t generation, uint64_t seed, Time first_tick)
    : self_(self), generation_(generation), next_tick_(first_tick), prng_(seed) {}

Entry Gossiper::write(GossipContext& ctx, std::string key, std::string value) {
  Entry e = store_.write(self_, generation_, std::move(key), std::move(value));
  if (ctx.config.mode == GossipMode::kRumor || ctx.config.mode == GossipMode::kDirectMail) {
    heat(ctx, e);
  }
  return e;
}

void Gossiper::handle_timeout(GossipContext& ctx) {
  if (ctx.now < next_tick_) return;
  tick(ctx);
  Duration d = ctx.config.interval;
  if (ctx.config.jitter > 0) {
    const double f = 1.0 + ctx.config.jitter * (2.0 * prng_.unit() - 1.0);
    d = Duration::nanos(static_cast<int64_t>(static_cast<double>(d.ns()) * f));
  }
  next_tick_ = ctx.now + d;
}

void Gossiper::tick(GossipContext& ctx) {
  ++ticks_;
  const GossipConfig& c = ctx.config;
  if (is_anti_entropy(c.mode)) {
    ctx.ws.peers.clear();
    ctx.sampler.sample(self_, prng_, c.fanout, ctx.now, ctx.ws.peers);
    if (ctx.ws.peers.empty()) return;
    build_syn(ctx, exchange_flags(c));
    for (NodeId p : ctx.ws.peers)
      ctx.ws.out.send(p);
    ctx.ws.out.finish();
    return;
  }
  if (c.mode == GossipMode::kRumor) tick_rumor(ctx);
  if (c.mode == GossipMode::kDirectMail) tick_mail(ctx);
  if (c.antientropy_every > 0 && ticks_ % c.antientropy_every == 0) {
    ctx.ws.peers.clear();
    ctx.sampler.sample(self_, prng_, 1, ctx.now, ctx.ws.peers);
    if (!ctx.ws.peers.empty()) exchange_with(ctx, ctx.ws.peers.front());
  }
}

uint8_t Gossiper::exchange_flags(const GossipConfig& c) const {
  RUMOR_ASSERT(is_anti_entropy(c.mode), "only anti-entropy modes tick with exchanges");
  uint8_t f = c.mode == GossipMode::kPush   ? flags::kPush
              : c.mode == GossipMode::kPull ? flags::kPull
                                            : (flags::kPush | flags::kPull);
  if (c.reconcile == Reconcile::kFullState) f |= flags::kFullState;
  return f;
}

void Gossiper::exchange_with(GossipContext& ctx, NodeId peer) {
  // Both ways whatever the mode: a joiner must both learn the cluster and make itself known
  // (a pull-only join would leave it unknown to everyone, so never sampled, forever).
  build_syn(ctx, flags::kPush | flags::kPull);
  ctx.ws.out.send(peer);
  ctx.ws.out.finish();
}

void Gossiper::build_syn(GossipContext& ctx, uint8_t style) {
  Outbox& out = ctx.ws.out;
  Budget budget(ctx.config.max_message_bytes);
  if (style & flags::kFullState) {
    out.begin(self_, MessageType::kSyn, style);
    if (!(style & flags::kPush)) return;  // pull: the SYN only asks
    std::vector<Digest>& origins = ctx.ws.digests;
    origins.clear();
    store_.digests(origins);
    // When the whole state cannot fit, start at a random origin so every origin gets its turn.
    size_t total = 0;
    for (const Entry& e : store_.entries())
      total += wire::entry_size(e);
    const size_t start =
        total + wire::kHeaderBound > ctx.config.max_message_bytes && !origins.empty()
            ? static_cast<size_t>(prng_.uniform(origins.size()))
            : 0;
    for (size_t i = 0; i < origins.size(); ++i) {
      const Digest& d = origins[(start + i) % origins.size()];
      add_origin_entries(ctx, store_, d.origin, Version{}, budget);
    }
    return;
  }
  // Digest mode: all the digests, or a run of them when they do not all fit.
  std::vector<Digest>& mine = ctx.ws.digests;
  mine.clear();
  store_.digests(mine);
  size_t total = 0;
  for (const Digest& d : mine)
    total += wire::digest_size(d);
  if (total + wire::kHeaderBound <= ctx.config.max_message_bytes) {
    out.begin(self_, MessageType::kSyn, style);
    for (const Digest& d : mine)
      out.add_digest(d);
    return;
  }
  // A contiguous run of our origins (never wrapping, so the peer can tell what lies inside it),
  // placed so every origin is about equally likely to be covered: its nominal end r is uniform
  // over [0, m + c - 1), where c is how many digests fit from the first one, and it is clipped
  // to [0, m) and to the budget.
  const size_t m = mine.size();
  size_t c = 0;
  for (Budget probe(ctx.config.max_message_bytes);
       c < m && probe.take(wire::digest_size(mine[c]));) {
    ++c;
  }
  c = std::max<size_t>(c, 1);
  const size_t r = static_cast<size_t>(prng_.uniform(m + c - 1));
  const size_t first = r + 1 >= c ? r + 1 - c : 0;
  const size_t stop = std::min(m, r + 1);
  size_t last = first;
  while (last < stop && budget.take(wire::digest_size(mine[last])))
    ++last;
  uint8_t f = style | flags::kPartial;
  if (first == 0) f |= flags::kFromStart;
  if (last == m) f |= flags::kToEnd;
  out.begin(self_, MessageType::kSyn, f);
  for (size_t i = first; i < last; ++i)
    out.add_digest(mine[i]);
}

void Gossiper::handle_message(GossipContext& ctx, NodeId from, const MessageView& m) {
  const auto t = static_cast<size_t>(m.type);
  if (t <= kMaxMessageType) ctx.ws.stats.received[t]++;
  switch (m.type) {
    case MessageType::kSyn:
      on_syn(ctx, from, m);
      return;
    case MessageType::kAck:
      on_ack(ctx, from, m);
      return;
    case MessageType::kAck2:
    case MessageType::kMail:
      for (const Entry& e : m.entries)
        apply(ctx, from, m.type, e);
      return;
    case MessageType::kRumor:
      on_rumor(ctx, from, m);
      return;
    case MessageType::kFeedback:
      on_feedback(ctx, m);
      return;
  }
}

void Gossiper::on_syn(GossipContext& ctx, NodeId from, const MessageView& m) {
  if (m.flags & flags::kFullState) {
    answer_full_state(ctx, from, m);
  } else {
    answer_digests(ctx, from, m);
  }
}

// Whether a partial SYN's run of digests covers `origin` (gossip_message.h, SYN).
bool Gossiper::covered(const MessageView& m, NodeId origin) {
  if (m.digests.empty()) return false;
  const bool above_first = origin > m.digests.front().origin || (m.flags & flags::kFromStart);
  const bool below_last = origin < m.digests.back().origin || (m.flags & flags::kToEnd);
  return above_first && below_last;
}

void Gossiper::answer_digests(GossipContext& ctx, NodeId from, const MessageView& m) {
  const bool give = m.flags & flags::kPull;  // we may send state to the initiator
  const bool ask = m.flags & flags::kPush;   // we may ask the initiator for state
  const bool partial = m.flags & flags::kPartial;
  std::vector<Digest>& mine = ctx.ws.digests;
  mine.clear();
  store_.digests(mine);
  Outbox& out = ctx.ws.out;
  out.begin(self_, MessageType::kAck, 0);
  Budget budget(ctx.config.max_message_bytes);
  auto request = [&](NodeId origin, Version have) {
    const Digest r{origin, have.generation, have.counter};
    if (budget.take(wire::digest_size(r))) out.add_request(r);
  };
  // One merge pass over both ascending digest lists.
  const std::span<const Digest> theirs = m.digests;
  size_t i = 0, j = 0;
  while (i < theirs.size() || j < mine.size()) {
    if (j == mine.size() || (i < theirs.size() && theirs[i].origin < mine[j].origin)) {
      if (ask) request(theirs[i].origin, Version{});
      ++i;
    } else if (i == theirs.size() || mine[j].origin < theirs[i].origin) {
      // The initiator did not mention this origin: it has nothing of it, if its list was whole
      // or the origin lies within the run the list covers.
      if (give && (!partial || covered(m, mine[j].origin))) {
        add_origin_entries(ctx, store_, mine[j].origin, Version{}, budget);
      }
      ++j;
    } else {
      const Version have = mine[j].version(), their = theirs[i].version();
      if (give && have > their) add_origin_entries(ctx, store_, mine[j].origin, their, budget);
      if (ask && their > have) request(mine[j].origin, have);
      ++i;
      ++j;
    }
  }
  if (!out.open_empty()) out.send(from);
  out.finish();
}

void Gossiper::answer_full_state(GossipContext& ctx, NodeId from, const MessageView& m) {
  // As memberlist does: answer with our state as it was, then merge theirs.
  if (m.flags & flags::kPull) {
    Outbox& out = ctx.ws.out;
    out.begin(self_, MessageType::kAck, 0);
    Budget budget(ctx.config.max_message_bytes);
    std::vector<Digest>& origins = ctx.ws.digests;
    origins.clear();
    store_.digests(origins);
    for (const Digest& d : origins)
      add_origin_entries(ctx, store_, d.origin, Version{}, budget);
    if (!out.open_empty()) out.send(from);
    out.finish();
  }
  if (m.flags & flags::kPush) {
    for (const Entry& e : m.entries)
      apply(ctx, from, MessageType::kSyn, e);
  }
}

void Gossiper::on_ack(GossipContext& ctx, NodeId from, const MessageView& m) {
  for (const Entry& e : m.entries)
    apply(ctx, from, MessageType::kAck, e);
  if (m.requests.empty()) return;
  Outbox& out = ctx.ws.out;
  out.begin(self_, MessageType::kAck2, 0);
  Budget budget(ctx.config.max_message_bytes);
  for (const Digest& r : m.requests)
    add_origin_entries(ctx, store_, r.origin, r.version(), budget);
  if (!out.open_empty()) out.send(from);
  out.finish();
}

void Gossiper::on_rumor(GossipContext& ctx, NodeId from, const MessageView& m) {
  const bool feedback = m.flags & flags::kWantFeedback;
  Outbox& out = ctx.ws.out;
  if (feedback) out.begin(self_, MessageType::kFeedback, 0);
  for (const Entry& e : m.entries) {
    const ApplyResult r = apply(ctx, from, MessageType::kRumor, e);
    if (feedback && r != ApplyResult::kChanged) {
      out.add_digest(Digest{e.origin, e.generation, e.counter});
    }
  }
  if (!feedback) return;
  if (!out.open_empty()) out.send(from);
  out.finish();
}

void Gossiper::on_feedback(GossipContext& ctx, const MessageView& m) {
  bool any_cold = false;
  for (const Digest& d : m.digests) {
    for (HotRumor& h : hot_) {
      if (h.entry.origin == d.origin && h.entry.version() == d.version() && h.contacts != kCold &&
          lose_interest(ctx.config, h)) {
        h.contacts = kCold;
        any_cold = true;
      }
    }
  }
  if (any_cold) drop_cold(ctx);
}

void Gossiper::tick_rumor(GossipContext& ctx) {
  drop_superseded();
  if (hot_.empty()) return;
  const GossipConfig& c = ctx.config;
  ctx.ws.peers.clear();
  ctx.sampler.sample(self_, prng_, c.fanout, ctx.now, ctx.ws.peers);
  if (ctx.ws.peers.empty()) return;
  Outbox& out = ctx.ws.out;
  out.begin(self_, MessageType::kRumor, c.rumor_stop.feedback ? flags::kWantFeedback : 0);
  Budget budget(c.max_message_bytes);
  size_t included = 0;
  for (; included < hot_.size(); ++included) {
    if (!budget.take(wire::entry_size(hot_[included].entry))) break;
    out.add_entry(hot_[included].entry);
  }
  ctx.ws.stats.entries_truncated += hot_.size() - included;
  for (NodeId p : ctx.ws.peers)
    out.send(p);
  out.finish();
  if (c.rumor_stop.feedback) return;
  // Blind: every send counts against the rumor, whatever the peer knew.
  bool any_cold = false;
  for (size_t i = 0; i < included; ++i) {
    for (size_t s = 0; s < ctx.ws.peers.size() && hot_[i].contacts != kCold; ++s) {
      if (lose_interest(c, hot_[i])) {
        hot_[i].contacts = kCold;
        any_cold = true;
      }
    }
  }
  if (any_cold) drop_cold(ctx);
}

void Gossiper::tick_mail(GossipContext& ctx) {
  if (hot_.empty()) return;
  ctx.ws.peers.clear();
  ctx.sampler.all(self_, ctx.ws.peers);
  Outbox& out = ctx.ws.out;
  out.begin(self_, MessageType::kMail, 0);
  Budget budget(ctx.config.max_message_bytes);
  size_t included = 0;
  for (; included < hot_.size(); ++included) {
    if (!budget.take(wire::entry_size(hot_[included].entry))) break;
    out.add_entry(hot_[included].entry);
  }
  for (NodeId p : ctx.ws.peers)
    out.send(p);
  out.finish();
  // What did not fit waits for the next tick.
  hot_.erase(hot_.begin(), hot_.begin() + static_cast<std::ptrdiff_t>(included));
}

ApplyResult Gossiper::apply(GossipContext& ctx, NodeId from, MessageType via, const Entry& e) {
  const ApplyResult r = store_.apply(e, ctx.config.max_entries);
  GossipStats& s = ctx.ws.stats;
  switch (r) {
    case ApplyResult::kChanged:
      s.entries_changed++;
      if (ctx.ws.record_changes) ctx.ws.changes.push_back(Change{e, from, via});
      if (ctx.config.mode == GossipMode::kRumor) heat(ctx, e);
      break;
    case ApplyResult::kUnchanged:
      s.entries_redundant++;
      break;
    case ApplyResult::kStale:
      s.entries_stale++;
      break;
    case ApplyResult::kFull:
      s.entries_refused++;
      break;
  }
  return r;
}

void Gossiper::heat(GossipContext& ctx, const Entry& e) {
  if (hot_.size() >= ctx.config.max_hot_rumors) {
    hot_.erase(hot_.begin());
    ctx.ws.stats.hot_overflow++;
  }
  hot_.push_back(HotRumor{e, 0});
}

bool Gossiper::lose_interest(const GossipConfig& c, HotRumor& h) {
  ++h.contacts;
  if (c.rumor_stop.coin) return prng_.uniform(c.rumor_k) == 0;
  return h.contacts >= c.rumor_k;
}

void Gossiper::drop_cold(GossipContext& ctx) {
  const auto cold = std::remove_if(hot_.begin(), hot_.end(),
                                   [](const HotRumor& h) { return h.contacts == kCold; });
  ctx.ws.stats.rumors_cold += static_cast<uint64_t>(hot_.end() - cold);
  hot_.erase(cold, hot_.end());
}

void Gossiper::drop_superseded() {
  // A hot rumor whose key has since been overwritten (newer version here) is not news anymore.
  std::erase_if(hot_, [this](const HotRumor& h) {
    const Entry* held = store_.find(h.entry.origin, h.entry.key());
    return held == nullptr || held->version() != h.entry.version();
  });
}

}  // namespace rumor::core
