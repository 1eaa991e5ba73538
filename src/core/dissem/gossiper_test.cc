#include "core/dissem/gossiper.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/wire/gossip_codec.h"

namespace rumor::core {
namespace {

// Every node's peers are fixed lists, so tests choose exactly who talks to whom.
class FixedSampler final : public PeerSampler {
 public:
  explicit FixedSampler(std::vector<std::vector<NodeId>> peers) : peers_(std::move(peers)) {}
  void sample(NodeId self, Prng&, uint32_t k, Time, std::vector<NodeId>& out) override {
    for (uint32_t i = 0; i < k && i < peers_[self].size(); ++i)
      out.push_back(peers_[self][i]);
  }
  void all(NodeId self, std::vector<NodeId>& out) override {
    out.insert(out.end(), peers_[self].begin(), peers_[self].end());
  }

 private:
  std::vector<std::vector<NodeId>> peers_;
};

struct Sent {
  NodeId from, to;
  Message msg;
};

// A minimal synchronous driver: delivers every message at once, in order, until quiet.
class Cluster {
 public:
  Cluster(size_t n, GossipConfig config, std::vector<std::vector<NodeId>> peers)
      : config_(config), sampler_(std::move(peers)) {
    EXPECT_TRUE(config_.validate().is_ok()) << config_.validate().message();
    for (NodeId i = 0; i < n; ++i)
      nodes_.emplace_back(i, 1, 100 + i, Time::zero());
    ws_.record_changes = true;
  }
  GossipContext ctx() { return GossipContext{now_, config_, sampler_, ws_}; }
  Entry write(NodeId n, const std::string& k, const std::string& v) {
    auto c = ctx();
    return nodes_[n].write(c, k, v);
  }
  // Node n ticks; everything that follows is delivered. Returns the messages sent.
  std::vector<Sent> tick(NodeId n) {
    auto c = ctx();
    nodes_[n].handle_timeout(c);
    return drain();
  }
  std::vector<Sent> exchange(NodeId n, NodeId peer) {
    auto c = ctx();
    nodes_[n].exchange_with(c, peer);
    return drain();
  }
  std::vector<Sent> drain() {
    std::vector<Sent> log;
    std::deque<Sent> queue;
    collect(queue);
    while (!queue.empty()) {
      Sent s = std::move(queue.front());
      queue.pop_front();
      EXPECT_LE(wire::encoded_size(s.msg.view()), config_.max_message_bytes);
      if (!drop_to_.count(s.to)) {
        auto c = ctx();
        nodes_[s.to].handle_message(c, s.from, s.msg.view());
        collect(queue);
      }
      log.push_back(std::move(s));
    }
    now_ = now_ + config_.interval;
    return log;
  }
  void collect(std::deque<Sent>& q) {
    for (size_t i = 0; i < ws_.out.size(); ++i) {
      Sent s{ws_.out.from(i), ws_.out.to(i), {}};
      s.msg.assign(ws_.out.view(i));
      q.push_back(std::move(s));
    }
    ws_.out.clear();
  }
  bool knows(NodeId n, NodeId origin, const std::string& key) const {
    return nodes_[n].store().find(origin, key) != nullptr;
  }
  Gossiper& node(NodeId n) { return nodes_[n]; }
  Workspace& ws() { return ws_; }
  GossipConfig& config() { return config_; }
  std::set<NodeId> drop_to_;

 private:
  GossipConfig config_;
  FixedSampler sampler_;
  std::vector<Gossiper> nodes_;
  Workspace ws_;
  Time now_ = Time::zero();
};

std::vector<MessageType> types(const std::vector<Sent>& log) {
  std::vector<MessageType> t;
  for (const Sent& s : log)
    t.push_back(s.msg.type);
  return t;
}

GossipConfig with_mode(GossipMode m, Reconcile r = Reconcile::kDigest) {
  GossipConfig c;
  c.mode = m;
  c.reconcile = r;
  return c;
}

TEST(Gossiper, DigestPushMovesStateOnlyToThePeer) {
  Cluster c(2, with_mode(GossipMode::kPush), {{1}, {0}});
  c.write(0, "a", "1");
  c.write(1, "b", "2");
  const auto log = c.tick(0);
  EXPECT_TRUE(c.knows(1, 0, "a"));
  EXPECT_FALSE(c.knows(0, 1, "b"));
  EXPECT_EQ(types(log),
            (std::vector<MessageType>{MessageType::kSyn, MessageType::kAck, MessageType::kAck2}));
}

TEST(Gossiper, DigestPullMovesStateOnlyToTheInitiator) {
  Cluster c(2, with_mode(GossipMode::kPull), {{1}, {0}});
  c.write(0, "a", "1");
  c.write(1, "b", "2");
  const auto log = c.tick(0);
  EXPECT_TRUE(c.knows(0, 1, "b"));
  EXPECT_FALSE(c.knows(1, 0, "a"));
  EXPECT_EQ(types(log), (std::vector<MessageType>{MessageType::kSyn, MessageType::kAck}));
}

TEST(Gossiper, DigestPushPullMovesStateBothWaysInThreeMessages) {
  Cluster c(2, with_mode(GossipMode::kPushPull), {{1}, {0}});
  c.write(0, "a", "1");
  c.write(1, "b", "2");
  const auto log = c.tick(0);
  EXPECT_TRUE(c.knows(0, 1, "b"));
  EXPECT_TRUE(c.knows(1, 0, "a"));
  EXPECT_EQ(types(log),
            (std::vector<MessageType>{MessageType::kSyn, MessageType::kAck, MessageType::kAck2}));
}

TEST(Gossiper, ConvergedDigestExchangeCarriesOnlyTheSyn) {
  Cluster c(2, with_mode(GossipMode::kPushPull), {{1}, {0}});
  c.write(0, "a", "1");
  c.tick(0);
  const auto log = c.tick(0);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].msg.type, MessageType::kSyn);
  EXPECT_TRUE(log[0].msg.entries.empty());
  EXPECT_EQ(log[0].msg.digests.size(), 1u);  // one digest per origin held
}

TEST(Gossiper, DigestSendsOnlyTheNewerVersions) {
  Cluster c(2, with_mode(GossipMode::kPull), {{1}, {0}});
  c.write(1, "a", "1");
  c.write(1, "b", "1");
  c.tick(0);
  c.write(1, "b", "2");  // only b changes
  const auto log = c.tick(0);
  ASSERT_EQ(log.size(), 2u);
  ASSERT_EQ(log[1].msg.entries.size(), 1u);
  EXPECT_EQ(log[1].msg.entries[0].key(), "b");
  EXPECT_EQ(c.node(0).store().find(1, "b")->value(), "2");
}

TEST(Gossiper, FullStateStylesMoveStateInTheirDirections) {
  for (GossipMode m : {GossipMode::kPush, GossipMode::kPull, GossipMode::kPushPull}) {
    Cluster c(2, with_mode(m, Reconcile::kFullState), {{1}, {0}});
    c.write(0, "a", "1");
    c.write(1, "b", "2");
    c.tick(0);
    const bool push = m != GossipMode::kPull, pull = m != GossipMode::kPush;
    EXPECT_EQ(c.knows(1, 0, "a"), push) << gossip_mode_name(m);
    EXPECT_EQ(c.knows(0, 1, "b"), pull) << gossip_mode_name(m);
  }
}

TEST(Gossiper, FullStateSendsEverythingEvenWhenConverged) {
  Cluster c(2, with_mode(GossipMode::kPushPull, Reconcile::kFullState), {{1}, {0}});
  c.write(0, "a", "1");
  c.tick(0);
  const auto log = c.tick(0);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].msg.entries.size(), 1u);
  EXPECT_EQ(log[1].msg.entries.size(), 1u);
}

TEST(Gossiper, MessagesStayUnderTheSizeLimitAndStateStillConverges) {
  GossipConfig cfg = with_mode(GossipMode::kPushPull);
  cfg.max_message_bytes = 200;
  Cluster c(2, cfg, {{1}, {0}});
  for (int i = 0; i < 50; ++i)
    c.write(0, "key" + std::to_string(i), std::string(20, 'x'));
  int ticks = 0;
  while (c.node(1).store().size() < 50 && ticks < 100) {
    c.tick(0);  // the Cluster driver asserts every message fits
    ++ticks;
  }
  EXPECT_EQ(c.node(1).store().size(), 50u);
  EXPECT_GT(ticks, 1);  // it had to be cut into several exchanges
  EXPECT_GT(c.ws().stats.entries_truncated, 0u);
}

// 40 nodes with a 64-byte message limit: nodes 1..39 each write one entry and hand it to node 0
// (all but `skip`), whose only peer is `zeros_peer`. Node 0's 38 or 39 digests never fit one
// SYN, so every SYN it sends is partial.
std::unique_ptr<Cluster> node_zero_holding_many_origins(GossipMode mode, NodeId zeros_peer,
                                                        NodeId skip = kNoNode) {
  GossipConfig cfg = with_mode(mode);
  cfg.max_message_bytes = 64;
  std::vector<std::vector<NodeId>> peers(40);
  for (NodeId i = 1; i < 40; ++i)
    peers[i] = {0};
  peers[0] = {zeros_peer};
  auto c = std::make_unique<Cluster>(40, cfg, peers);
  for (NodeId i = 1; i < 40; ++i)
    c->write(i, "k", "v");
  for (NodeId i = 1; i < 40; ++i) {
    if (i != skip) c->exchange(i, 0);  // a push-pull exchange: node 0 takes i's entry
  }
  return c;
}

TEST(Gossiper, DigestListCutToTheLimitIsMarkedPartial) {
  auto c = node_zero_holding_many_origins(GossipMode::kPush, 1);
  ASSERT_EQ(c->node(0).store().size(), 39u);
  const auto log = c->tick(0);
  ASSERT_FALSE(log.empty());
  EXPECT_TRUE(log[0].msg.flags & flags::kPartial);
  EXPECT_LT(log[0].msg.digests.size(), 39u);
  EXPECT_GT(log[0].msg.digests.size(), 0u);
}

TEST(Gossiper, PartialSynStillLearnsOriginsItLacksWithinItsRun) {
  // Node 0 lacks origin 20 and pulls only from node 20. Its SYN never names origin 20; the
  // peer sends it once a run covers it.
  auto c = node_zero_holding_many_origins(GossipMode::kPull, 20, /*skip=*/20);
  ASSERT_EQ(c->node(0).store().size(), 38u);
  ASSERT_FALSE(c->knows(0, 20, "k"));
  int ticks = 0;
  bool saw_partial = false;
  while (!c->knows(0, 20, "k") && ticks < 200) {
    const auto log = c->tick(0);
    saw_partial = saw_partial || (log[0].msg.flags & flags::kPartial);
    ++ticks;
  }
  EXPECT_TRUE(saw_partial);
  EXPECT_TRUE(c->knows(0, 20, "k")) << "after " << ticks << " ticks";
}

TEST(Gossiper, PartialSynRunCoversEveryOriginOverTime) {
  // Each origin should be named by some partial SYN within a hundred ticks (the run's
  // placement is uniform over origins, not biased against the first ones).
  auto c = node_zero_holding_many_origins(GossipMode::kPull, 1);
  std::set<NodeId> named;
  for (int t = 0; t < 100; ++t) {
    const auto log = c->tick(0);
    for (const Digest& d : log[0].msg.digests)
      named.insert(d.origin);
  }
  EXPECT_EQ(named.size(), 39u);
}

TEST(Gossiper, RumorPushesUntilFeedbackCounterRunsOut) {
  GossipConfig cfg = with_mode(GossipMode::kRumor);
  cfg.rumor_stop = RumorStop{true, false};  // feedback + counter
  cfg.rumor_k = 2;
  Cluster c(2, cfg, {{1}, {0}});
  c.write(0, "a", "1");
  EXPECT_EQ(c.node(0).hot_count(), 1u);
  auto log = c.tick(0);  // 1 learns it: no feedback, and 1 now holds it hot too
  EXPECT_EQ(types(log), (std::vector<MessageType>{MessageType::kRumor}));
  EXPECT_TRUE(c.knows(1, 0, "a"));
  EXPECT_EQ(c.node(1).hot_count(), 1u);
  log = c.tick(0);  // 1 already knew: FEEDBACK, first redundant contact
  EXPECT_EQ(types(log), (std::vector<MessageType>{MessageType::kRumor, MessageType::kFeedback}));
  EXPECT_EQ(c.node(0).hot_count(), 1u);
  c.tick(0);  // second redundant contact: k = 2 reached
  EXPECT_EQ(c.node(0).hot_count(), 0u);
  EXPECT_TRUE(c.tick(0).empty());  // cold: nothing more to say
}

TEST(Gossiper, BlindCounterLosesInterestAfterKSendsWhateverThePeerKnew) {
  GossipConfig cfg = with_mode(GossipMode::kRumor);
  cfg.rumor_stop = RumorStop{false, false};  // blind + counter
  cfg.rumor_k = 3;
  Cluster c(3, cfg, {{1}, {0}, {0}});
  c.write(0, "a", "1");
  for (int i = 0; i < 3; ++i) {
    const auto log = c.tick(0);
    EXPECT_EQ(types(log), (std::vector<MessageType>{MessageType::kRumor}));  // never feedback
  }
  EXPECT_EQ(c.node(0).hot_count(), 0u);
}

TEST(Gossiper, CoinStopLosesInterestAtRateOneOverK) {
  // Feedback + coin with k = 4: each redundant contact ends interest with probability 1/4, so
  // the number of redundant contacts before going cold is geometric with mean 4.
  GossipConfig cfg = with_mode(GossipMode::kRumor);
  cfg.rumor_stop = RumorStop{true, true};
  cfg.rumor_k = 4;
  double total = 0;
  const int trials = 400;
  for (int t = 0; t < trials; ++t) {
    Cluster c(2, cfg, {{1}, {0}});
    c.node(0).prng().reseed(static_cast<uint64_t>(t));
    c.write(0, "a", "1");
    c.tick(0);  // informs 1
    int contacts = 0;
    while (c.node(0).hot_count() > 0) {
      c.tick(0);
      ++contacts;
    }
    total += contacts;
  }
  EXPECT_NEAR(total / trials, 4.0, 0.5);
}

TEST(Gossiper, DirectMailSendsEachWriteOnceToEveryPeer) {
  Cluster c(4, with_mode(GossipMode::kDirectMail), {{1, 2, 3}, {0}, {0}, {0}});
  c.write(0, "a", "1");
  const auto log = c.tick(0);
  ASSERT_EQ(log.size(), 3u);
  for (NodeId n = 1; n < 4; ++n)
    EXPECT_TRUE(c.knows(n, 0, "a"));
  EXPECT_TRUE(c.tick(0).empty());
  EXPECT_TRUE(c.tick(1).empty());  // receivers do not forward mail
}

TEST(Gossiper, AntiEntropySafetyNetReachesNodesTheRumorMissed) {
  GossipConfig cfg = with_mode(GossipMode::kDirectMail);
  cfg.antientropy_every = 2;
  Cluster c(3, cfg, {{1, 2}, {2}, {1}});
  c.drop_to_.insert(2);  // the mail to node 2 is lost
  c.write(0, "a", "1");
  c.tick(0);
  c.drop_to_.clear();
  EXPECT_FALSE(c.knows(2, 0, "a"));
  c.tick(1);  // tick 1 of node 1: no exchange yet
  EXPECT_FALSE(c.knows(2, 0, "a"));
  c.tick(1);  // tick 2: digest push-pull with node 2
  EXPECT_TRUE(c.knows(2, 0, "a"));
}

TEST(Gossiper, NewGenerationReplacesTheOldIncarnationsState) {
  Cluster c(2, with_mode(GossipMode::kPushPull), {{1}, {0}});
  c.write(0, "old", "1");
  c.tick(0);
  ASSERT_TRUE(c.knows(1, 0, "old"));
  // Node 0 restarts: empty store, generation 2.
  c.node(0) = Gossiper(0, 2, 7, Time::zero());
  c.write(0, "new", "1");
  c.tick(0);
  EXPECT_TRUE(c.knows(1, 0, "new"));
  EXPECT_FALSE(c.knows(1, 0, "old"));
  EXPECT_EQ(c.node(1).store().version_of(0).generation, 2u);
}

TEST(Gossiper, ChangesAreReportedWithTheirSenderAndPath) {
  Cluster c(2, with_mode(GossipMode::kPull), {{1}, {0}});
  c.write(1, "a", "1");
  c.tick(0);
  ASSERT_EQ(c.ws().changes.size(), 1u);
  EXPECT_EQ(c.ws().changes[0].from, 1u);
  EXPECT_EQ(c.ws().changes[0].via, MessageType::kAck);
  EXPECT_EQ(c.ws().changes[0].entry.key(), "a");
}

TEST(Gossiper, TicksOnlyWhenDueAndJitterStaysInBounds) {
  GossipConfig cfg = with_mode(GossipMode::kPushPull);
  cfg.jitter = 0.2;
  FixedSampler sampler({{1}, {0}});
  Workspace ws;
  Gossiper g(0, 1, 9, Time::zero() + Duration::seconds(1));
  GossipContext early{Time::zero(), cfg, sampler, ws};
  g.handle_timeout(early);
  EXPECT_TRUE(ws.out.empty());
  Time now = Time::zero() + Duration::seconds(1);
  for (int i = 0; i < 100; ++i) {
    GossipContext ctx{now, cfg, sampler, ws};
    g.handle_timeout(ctx);
    EXPECT_EQ(ws.out.size(), 1u);
    ws.out.clear();
    const Duration step = g.poll_timeout() - now;
    EXPECT_GE(step, Duration::millis(800));
    EXPECT_LE(step, Duration::millis(1200));
    now = g.poll_timeout();
  }
}

TEST(Gossiper, RefusesNewKeysBeyondTheEntryLimit) {
  GossipConfig cfg = with_mode(GossipMode::kPull);
  cfg.max_entries = 3;
  Cluster c(2, cfg, {{1}, {0}});
  for (int i = 0; i < 5; ++i)
    c.write(1, "k" + std::to_string(i), "v");
  c.tick(0);
  EXPECT_EQ(c.node(0).store().size(), 3u);
  EXPECT_EQ(c.ws().stats.entries_refused, 2u);
}

}  // namespace
}  // namespace rumor::core
