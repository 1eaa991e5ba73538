// HeartbeatNode end to end through its sans-IO surface: a small synchronous driver moves the
// encoded bytes from poll_transmit() to handle_packet() (the real codec in the loop), fires
// each node's handle_timeout() at its poll_timeout(), and records every member event. Time is
// virtual and injected; nothing here reads a clock. Node i first ticks at 1 s + i x 1/8 s and
// then every interval (no jitter), so no two nodes ever tick at the same instant and every
// expected event time can be computed exactly.
#include "core/membership/heartbeat_node.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/wire/gossip_codec.h"

namespace rumor::core {
namespace {

using detect::DetectorConfig;
using wire::DecodeError;

constexpr Duration kInterval = Duration::seconds(1);
constexpr Duration kPhase = Duration::millis(125);

Time at_s(double s) {
  return Time::from_ns(static_cast<int64_t>(std::llround(s * 1e9)));
}

// A Time as seconds, so failures print readable numbers.
double secs(Time t) {
  return (t - Time::zero()).sec();
}

// The first tick of node i: 1 s plus i eighths of a second.
Time first_tick(NodeId i) {
  return Time::zero() + kInterval + kPhase * static_cast<int64_t>(i % 8);
}

HeartbeatConfig make_config(uint32_t fanout, uint32_t suspect_after, uint32_t dead_after,
                            GossipMode mode = GossipMode::kPushPull) {
  HeartbeatConfig c;
  c.gossip.mode = mode;
  c.gossip.fanout = fanout;
  c.gossip.interval = kInterval;
  c.detector.kind = DetectorConfig::Kind::kThreshold;
  c.detector.threshold.suspect_after = suspect_after;
  c.detector.threshold.dead_after = dead_after;
  c.detector.threshold.interval = kInterval;
  return c;
}

struct Logged {
  NodeId observer;
  MemberEvent event;
};

// A synchronous driver: at each step the node(s) whose deadline is earliest tick, and every
// message that follows is delivered at once, in the order sent, until the cluster is quiet.
// A stopped node neither ticks nor receives; what it had queued is thrown away.
class Cluster {
 public:
  Cluster(size_t n, HeartbeatConfig config, uint64_t seed)
      : config_(config), seed_(seed), nodes_(n), running_(n, false), last_tick_(n) {
    const Status s = config_.validate();
    EXPECT_TRUE(s.is_ok()) << s.message();
  }

  // (Re)starts node `id` in `generation` at now(); it joins through `seeds` (none: no join).
  void start(NodeId id, uint32_t generation, Time first, std::vector<NodeId> seeds = {0}) {
    nodes_[id] = std::make_unique<HeartbeatNode>(
        id, generation, seed_ * 1000 + id * 10 + generation, config_, first);
    running_[id] = true;
    if (!seeds.empty()) nodes_[id]->join(seeds, now_);
    deliver();
  }
  // Nodes 0..n-1 start at time 0, each joining through node 0.
  void start_all() {
    for (NodeId i = 0; i < nodes_.size(); ++i)
      start(i, 1, first_tick(i), i == 0 ? std::vector<NodeId>{} : std::vector<NodeId>{0});
  }
  void stop(NodeId id) {
    running_[id] = false;
    Transmit t;
    while (nodes_[id]->poll_transmit(t)) {
    }
  }
  void leave(NodeId id) {
    nodes_[id]->leave(now_);
    deliver();
  }

  // Runs every tick due up to `end`; returns the first moment `done` held after a step.
  std::optional<Time> run_until(Time end, const std::function<bool()>& done = nullptr) {
    for (;;) {
      Time next = Time::never();
      for (NodeId i = 0; i < nodes_.size(); ++i) {
        if (running_[i]) next = std::min(next, nodes_[i]->poll_timeout());
      }
      if (next > end) break;
      now_ = next;
      for (NodeId i = 0; i < nodes_.size(); ++i) {
        if (!running_[i] || nodes_[i]->poll_timeout() > now_) continue;
        nodes_[i]->handle_timeout(now_);
        last_tick_[i] = now_;
        deliver();
      }
      if (done && done()) return now_;
    }
    now_ = end;
    return std::nullopt;
  }

  // Every running node sees every other running node alive, and nobody else.
  bool all_see_all_alive() const {
    size_t live = 0;
    for (bool r : running_)
      live += r;
    for (NodeId i = 0; i < nodes_.size(); ++i) {
      if (!running_[i]) continue;
      if (nodes_[i]->members().count(MemberStatus::kAlive) != live - 1) return false;
    }
    return true;
  }

  std::vector<Logged> events_about(NodeId member, NodeId observer) const {
    std::vector<Logged> out;
    for (const Logged& l : log_) {
      if (l.event.member == member && l.observer == observer) out.push_back(l);
    }
    return out;
  }
  size_t count_events(MemberEventKind kind) const {
    return static_cast<size_t>(std::count_if(
        log_.begin(), log_.end(), [kind](const Logged& l) { return l.event.kind == kind; }));
  }

  HeartbeatNode& node(NodeId id) { return *nodes_[id]; }
  size_t size() const { return nodes_.size(); }
  Time now() const { return now_; }
  Time last_tick(NodeId id) const { return last_tick_[id]; }
  uint64_t delivered() const { return delivered_; }

  // Messages for which this returns true are lost (from, to, now).
  std::function<bool(NodeId, NodeId, Time)> drop;

 private:
  void collect(NodeId from, std::deque<std::pair<NodeId, Transmit>>& q) {
    Transmit t;
    while (nodes_[from]->poll_transmit(t))
      q.emplace_back(from, t);
    MemberEvent e;
    while (nodes_[from]->poll_event(e))
      log_.push_back(Logged{from, e});
  }
  void deliver() {
    std::deque<std::pair<NodeId, Transmit>> q;
    for (NodeId i = 0; i < nodes_.size(); ++i) {
      if (running_[i]) collect(i, q);
    }
    while (!q.empty()) {
      auto [from, t] = std::move(q.front());
      q.pop_front();
      if (!running_[t.to]) continue;
      if (drop && drop(from, t.to, now_)) continue;
      nodes_[t.to]->handle_packet(now_, from, t.bytes);
      ++delivered_;
      collect(t.to, q);
    }
  }

  HeartbeatConfig config_;
  uint64_t seed_;
  std::vector<std::unique_ptr<HeartbeatNode>> nodes_;
  std::vector<bool> running_;
  std::vector<Time> last_tick_;
  std::vector<Logged> log_;
  Time now_ = Time::zero();
  uint64_t delivered_ = 0;
};

// The first tick of node `o` at or after `t`.
Time next_tick_of(NodeId o, Time t) {
  Time k = first_tick(o);
  while (k < t)
    k = k + kInterval;
  return k;
}

TEST(HeartbeatNode, NodesJoiningThroughNodeZeroAllSeeEachOtherAliveWithinAFewIntervals) {
  // After the joins at time 0 the seed (node 0) knows everyone, and fanout-1 anti-entropy is an
  // epidemic from it. Pull and push-pull: a joiner that knows only the seed pulls its full
  // view at its first tick, and the others meet someone with it within a round or two; we
  // allow 3 intervals after the first tick at 1 s (observed over these seeds: at most 1.9).
  // Push is slower: a node learns of the others only when pushed to, by each pusher with
  // chance 1 / (n - 1) per interval, log2(n) + ln(n) rounds on average (Pittel 1987) with a
  // long tail; we allow 14 intervals (observed: at most 10.5). A detector patient enough for
  // push (suspect after 20 silent intervals; a node unpushed-to for 8 intervals was seen)
  // keeps suspicion out of the count.
  for (GossipMode mode : {GossipMode::kPush, GossipMode::kPull, GossipMode::kPushPull}) {
    const double bound_s = mode == GossipMode::kPush ? 15.0 : 4.0;
    for (uint32_t n = 3; n <= 10; ++n) {
      for (uint64_t seed = 1; seed <= 10; ++seed) {
        Cluster c(n, make_config(1, 20, 10, mode), seed);
        c.start_all();
        const auto done = c.run_until(at_s(30), [&] { return c.all_see_all_alive(); });
        ASSERT_TRUE(done.has_value()) << gossip_mode_name(mode) << " n " << n << " seed " << seed;
        EXPECT_LE(secs(*done), bound_s) << gossip_mode_name(mode) << " n " << n << " seed " << seed;
        // Each node saw each other node join, exactly once, and nothing else happened.
        EXPECT_EQ(c.count_events(MemberEventKind::kJoined), size_t{n} * (n - 1))
            << gossip_mode_name(mode) << " n " << n << " seed " << seed;
        EXPECT_EQ(c.count_events(MemberEventKind::kSuspect), 0u)
            << gossip_mode_name(mode) << " n " << n << " seed " << seed;
      }
    }
  }
}

// The joiner's whole join exchange with the seed is lost. It knows no member, so it falls
// back to the seed at its ticks ("falls back to them whenever no member is believed alive"),
// and that exchange must make it known, or nobody would ever sample it.
void expect_join_survives_losing_its_exchange(GossipMode mode) {
  constexpr uint32_t kN = 5;
  constexpr NodeId kJoiner = kN - 1;
  Cluster c(kN, make_config(1, 20, 10, mode), 2);
  c.drop = [](NodeId from, NodeId to, Time now) {
    return now == Time::zero() && (from == kJoiner || to == kJoiner);
  };
  c.start_all();
  ASSERT_TRUE(c.node(kJoiner).members().members().empty()) << gossip_mode_name(mode);
  const auto done = c.run_until(at_s(40), [&] { return c.all_see_all_alive(); });
  EXPECT_TRUE(done.has_value()) << gossip_mode_name(mode) << ": members who know the joiner: "
                                << c.node(0).members().count(MemberStatus::kAlive) << " of "
                                << kN - 1 << " at node 0";
}

TEST(HeartbeatNode, AJoinWhoseMessagesAreAllLostStillCompletes) {
  expect_join_survives_losing_its_exchange(GossipMode::kPush);
  expect_join_survives_losing_its_exchange(GossipMode::kPushPull);
}

TEST(HeartbeatNode, AJoinWhoseMessagesAreAllLostStillCompletesInPullMode) {
  expect_join_survives_losing_its_exchange(GossipMode::kPull);
}

TEST(HeartbeatNode, HeartbeatsKeepEveryoneAliveForAHundredIntervals) {
  // Everyone talks to everyone (fanout n-1) over a reliable network: each node hears each
  // other's heartbeat every interval, far inside suspect_after = 5 intervals.
  constexpr uint32_t kN = 6;
  for (GossipMode mode : {GossipMode::kPush, GossipMode::kPull, GossipMode::kPushPull}) {
    Cluster c(kN, make_config(kN - 1, 5, 5, mode), 7);
    c.start_all();
    c.run_until(at_s(101.9));
    EXPECT_TRUE(c.all_see_all_alive()) << gossip_mode_name(mode);
    EXPECT_EQ(c.count_events(MemberEventKind::kSuspect), 0u) << gossip_mode_name(mode);
    EXPECT_EQ(c.count_events(MemberEventKind::kFailed), 0u) << gossip_mode_name(mode);
    EXPECT_EQ(c.count_events(MemberEventKind::kJoined), size_t{kN} * (kN - 1));
    for (NodeId o = 0; o < kN; ++o) {
      for (const Member& m : c.node(o).members().members()) {
        // 101 ticks each: the heartbeats really moved, and recently.
        EXPECT_GE(m.heartbeat, 100u) << gossip_mode_name(mode) << " " << o << " about " << m.id;
        EXPECT_LT(c.now() - m.detector.last_heartbeat(), kInterval)
            << gossip_mode_name(mode) << " " << o << " about " << m.id;
      }
    }
  }
}

TEST(HeartbeatNode, ASilentNodeIsSuspectedThenDeclaredFailedOnSchedule) {
  // Threshold detector: suspect after 3 silent intervals, dead after 2 more. With fanout n-1
  // every observer hears the victim's heartbeat at the victim's own tick, so each observer's
  // last progress is exactly the victim's last tick, and each verdict comes at the observer's
  // first tick at or after that moment plus 3 s (suspect) and 5 s (failed).
  constexpr uint32_t kN = 5;
  constexpr NodeId kVictim = 3;
  Cluster c(kN, make_config(kN - 1, 3, 2), 3);
  c.start_all();
  c.run_until(at_s(10.5));
  ASSERT_TRUE(c.all_see_all_alive());
  c.stop(kVictim);
  const Time last = c.last_tick(kVictim);
  ASSERT_EQ(last, at_s(10.375));  // its tick phase is 3/8 s
  c.run_until(at_s(30));
  for (NodeId o = 0; o < kN; ++o) {
    if (o == kVictim) continue;
    const auto ev = c.events_about(kVictim, o);
    ASSERT_EQ(ev.size(), 3u) << "observer " << o;
    EXPECT_EQ(ev[0].event.kind, MemberEventKind::kJoined);
    EXPECT_EQ(ev[1].event.kind, MemberEventKind::kSuspect) << "observer " << o;
    EXPECT_EQ(ev[2].event.kind, MemberEventKind::kFailed) << "observer " << o;
    EXPECT_EQ(ev[1].event.at, next_tick_of(o, last + kInterval * 3)) << "observer " << o;
    EXPECT_EQ(ev[2].event.at, next_tick_of(o, last + kInterval * 5)) << "observer " << o;
    const Member* m = c.node(o).members().find(kVictim);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->status, MemberStatus::kDead);
    EXPECT_EQ(m->detector.last_heartbeat(), last);
    // The survivors stay alive in each other's eyes.
    EXPECT_EQ(c.node(o).members().count(MemberStatus::kAlive), kN - 2u) << "observer " << o;
  }
}

TEST(HeartbeatNode, ALeavingNodeIsSeenLeftByAllAndNeverFailed) {
  // Fanout 2 over 8 nodes, so the "left" news travels by gossip, not only directly. The leaver
  // keeps gossiping 3 intervals (as the simulator's driver does) and then stops; the detector
  // would declare a silent member dead after 3 + 2 intervals, so an observer the news missed
  // would show up as failed within the 30 intervals we watch.
  constexpr uint32_t kN = 8;
  constexpr NodeId kLeaver = 5;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    Cluster c(kN, make_config(2, 3, 2), seed);
    c.start_all();
    c.run_until(at_s(10.5));
    ASSERT_TRUE(c.all_see_all_alive()) << "seed " << seed;
    const uint64_t counter_before = c.node(kLeaver).engine().store().version_of(kLeaver).counter;
    c.leave(kLeaver);
    EXPECT_TRUE(c.node(kLeaver).has_left());
    c.run_until(at_s(13.5));
    // A node that left writes no more heartbeats: only its "left" entry was added.
    EXPECT_EQ(c.node(kLeaver).engine().store().version_of(kLeaver).counter, counter_before + 1);
    c.stop(kLeaver);
    c.run_until(at_s(40));
    for (NodeId o = 0; o < kN; ++o) {
      if (o == kLeaver) continue;
      const auto ev = c.events_about(kLeaver, o);
      const bool saw_left = std::any_of(ev.begin(), ev.end(), [](const Logged& l) {
        return l.event.kind == MemberEventKind::kLeft;
      });
      const bool saw_failed = std::any_of(ev.begin(), ev.end(), [](const Logged& l) {
        return l.event.kind == MemberEventKind::kFailed;
      });
      EXPECT_TRUE(saw_left) << "seed " << seed << " observer " << o;
      EXPECT_FALSE(saw_failed) << "seed " << seed << " observer " << o;
      const Member* m = c.node(o).members().find(kLeaver);
      ASSERT_NE(m, nullptr);
      EXPECT_EQ(m->status, MemberStatus::kLeft) << "seed " << seed << " observer " << o;
    }
    // The others carry on: they still see each other alive.
    EXPECT_TRUE(c.all_see_all_alive()) << "seed " << seed;
  }
}

TEST(HeartbeatNode, ARestartedNodeIsSeenAliveAgainAfterBeingDeclaredDead) {
  constexpr uint32_t kN = 5;
  constexpr NodeId kVictim = 2;
  Cluster c(kN, make_config(kN - 1, 3, 2), 11);
  c.start_all();
  c.run_until(at_s(10.5));
  c.stop(kVictim);
  c.run_until(at_s(20.5));
  for (NodeId o = 0; o < kN; ++o) {
    if (o == kVictim) continue;
    ASSERT_EQ(c.node(o).members().find(kVictim)->status, MemberStatus::kDead) << o;
  }
  const Time restart = c.now();
  c.start(kVictim, 2, restart + kInterval);  // an empty node, a new generation, joins via 0
  c.run_until(at_s(30.5));
  for (NodeId o = 0; o < kN; ++o) {
    if (o == kVictim) continue;
    const auto ev = c.events_about(kVictim, o);
    ASSERT_FALSE(ev.empty());
    EXPECT_EQ(ev.back().event.kind, MemberEventKind::kAlive) << "observer " << o;
    EXPECT_EQ(ev.back().event.generation, 2u) << "observer " << o;
    EXPECT_GE(ev.back().event.at, restart) << "observer " << o;
    // Back within two intervals of the restart: the join reaches node 0 at once, and node 0's
    // next exchange with everyone (fanout n-1) carries the new generation.
    EXPECT_LE(ev.back().event.at, restart + kInterval * 2) << "observer " << o;
    const Member* m = c.node(o).members().find(kVictim);
    EXPECT_EQ(m->status, MemberStatus::kAlive) << "observer " << o;
    EXPECT_EQ(m->generation, 2u) << "observer " << o;
  }
  EXPECT_TRUE(c.all_see_all_alive());
}

TEST(HeartbeatNode, MalformedBytesAreCountedByKindAndChangeNothing) {
  HeartbeatConfig config = make_config(1, 3, 2);
  Cluster c(2, config, 5);
  c.start_all();
  c.run_until(at_s(3.5));
  ASSERT_TRUE(c.all_see_all_alive());
  HeartbeatNode& n = c.node(0);
  ASSERT_FALSE(n.has_left());

  // A SYN that would announce a new member 7, if it decoded.
  Message syn;
  syn.type = MessageType::kSyn;
  syn.flags = flags::kPush | flags::kPull | flags::kFullState;
  syn.entries.push_back(Entry{7, 1, 1, make_item("hb", "")});
  std::vector<uint8_t> good;
  wire::encode(syn.view(), good);

  std::vector<uint8_t> trailing = good;
  trailing.push_back(0);
  std::vector<uint8_t> bad_version = good;
  bad_version[0] = 2;
  std::vector<uint8_t> bad_type = good;
  bad_type[1] = 9;
  std::vector<uint8_t> bad_flags = good;
  bad_flags[2] = 0x80;
  const std::vector<uint8_t> truncated(good.begin(), good.end() - 1);
  const std::vector<uint8_t> oversize(config.gossip.max_message_bytes + wire::kHeaderBound + 1, 0);
  std::vector<uint8_t> varint_overflow = {1, 1, 0};
  varint_overflow.insert(varint_overflow.end(), 11, 0xff);
  Message zero_counter = syn;
  zero_counter.entries[0].counter = 0;
  std::vector<uint8_t> field_range;
  wire::encode(zero_counter.view(), field_range);
  Message unsorted;
  unsorted.type = MessageType::kSyn;
  unsorted.flags = flags::kPush | flags::kPull;
  unsorted.digests = {Digest{5, 1, 1}, Digest{3, 1, 1}};
  std::vector<uint8_t> unsorted_bytes;
  wire::encode(unsorted.view(), unsorted_bytes);

  const struct {
    const std::vector<uint8_t>* bytes;
    DecodeError kind;
  } cases[] = {
      {&truncated, DecodeError::kTruncated},
      {&oversize, DecodeError::kOversize},
      {&trailing, DecodeError::kTrailingBytes},
      {&bad_version, DecodeError::kBadVersion},
      {&bad_type, DecodeError::kBadType},
      {&bad_flags, DecodeError::kBadFlags},
      {&varint_overflow, DecodeError::kVarintOverflow},
      {&field_range, DecodeError::kFieldRange},
      {&unsorted_bytes, DecodeError::kUnsorted},
  };

  const size_t store_before = n.engine().store().size();
  const std::vector<Member> members_before = n.members().members();
  uint64_t received_before = 0;
  for (uint64_t r : n.stats().received)
    received_before += r;
  const uint64_t changed_before = n.stats().entries_changed;

  const std::vector<uint8_t> empty;
  n.handle_packet(c.now(), 1, empty);  // nothing at all reads as truncated
  EXPECT_EQ(n.decode_errors(DecodeError::kTruncated), 1u);
  for (const auto& tc : cases) {
    const uint64_t before = n.decode_errors(tc.kind);
    n.handle_packet(c.now(), 1, *tc.bytes);
    EXPECT_EQ(n.decode_errors(tc.kind), before + 1) << wire::decode_error_name(tc.kind);
  }
  EXPECT_EQ(n.decode_errors(DecodeError::kTruncated), 2u);
  for (const auto& tc : cases) {
    if (tc.kind != DecodeError::kTruncated) {
      EXPECT_EQ(n.decode_errors(tc.kind), 1u) << wire::decode_error_name(tc.kind);
    }
  }
  EXPECT_EQ(n.decode_errors(DecodeError::kKeyTooLong), 0u);
  EXPECT_EQ(n.decode_errors(DecodeError::kValueTooLong), 0u);
  EXPECT_EQ(n.decode_errors(DecodeError::kNone), 0u);

  // Nothing changed: no store entry, no member, no message handled, nothing to send or report.
  EXPECT_EQ(n.engine().store().size(), store_before);
  EXPECT_EQ(n.members().find(7), nullptr);
  ASSERT_EQ(n.members().members().size(), members_before.size());
  for (size_t i = 0; i < members_before.size(); ++i) {
    EXPECT_EQ(n.members().members()[i].status, members_before[i].status);
    EXPECT_EQ(n.members().members()[i].heartbeat, members_before[i].heartbeat);
  }
  uint64_t received_after = 0;
  for (uint64_t r : n.stats().received)
    received_after += r;
  EXPECT_EQ(received_after, received_before);
  EXPECT_EQ(n.stats().entries_changed, changed_before);
  Transmit t;
  EXPECT_FALSE(n.poll_transmit(t));
  MemberEvent e;
  EXPECT_FALSE(n.poll_event(e));

  // The well-formed original does get through, so the cases above failed for their defect.
  n.handle_packet(c.now(), 1, good);
  EXPECT_NE(n.members().find(7), nullptr);
}

TEST(HeartbeatNode, ValidateRejectsModesWithoutAntiEntropyNamingTheField) {
  EXPECT_TRUE(make_config(1, 3, 2).validate().is_ok());
  for (GossipMode m : {GossipMode::kPush, GossipMode::kPull, GossipMode::kPushPull}) {
    EXPECT_TRUE(make_config(1, 3, 2, m).validate().is_ok()) << gossip_mode_name(m);
  }
  for (GossipMode m : {GossipMode::kRumor, GossipMode::kDirectMail}) {
    const Status s = make_config(1, 3, 2, m).validate();
    ASSERT_FALSE(s.is_ok()) << gossip_mode_name(m);
    EXPECT_EQ(s.message().rfind("gossip.mode: ", 0), 0u) << s.message();
    EXPECT_NE(s.message().find(std::string(gossip_mode_name(m))), std::string::npos) << s.message();
  }
}

TEST(HeartbeatNode, ValidateRejectsBadEngineAndDetectorFieldsByPath) {
  const auto message_of = [](const std::function<void(HeartbeatConfig&)>& edit) {
    HeartbeatConfig c = make_config(1, 3, 2);
    edit(c);
    const Status s = c.validate();
    return s.is_ok() ? std::string("ok") : s.message();
  };
  const auto starts = [](const std::string& msg, const std::string& prefix) {
    return msg.rfind(prefix, 0) == 0;
  };
  std::string m = message_of([](HeartbeatConfig& c) { c.gossip.fanout = 0; });
  EXPECT_TRUE(starts(m, "gossip.fanout: ")) << m;
  m = message_of([](HeartbeatConfig& c) { c.detector.phi.window = 0; });
  EXPECT_TRUE(starts(m, "detector.phi.window: ")) << m;
  // The phi knobs are checked even while the threshold kind is selected.
  ASSERT_EQ(make_config(1, 3, 2).detector.kind, DetectorConfig::Kind::kThreshold);
  m = message_of([](HeartbeatConfig& c) { c.detector.phi.threshold = 0; });
  EXPECT_TRUE(starts(m, "detector.phi.threshold: ")) << m;
  m = message_of([](HeartbeatConfig& c) {
    c.detector.kind = DetectorConfig::Kind::kPhi;
    c.detector.phi.dead_after = Duration::zero();
  });
  EXPECT_TRUE(starts(m, "detector.phi.dead_after: ")) << m;
  m = message_of([](HeartbeatConfig& c) { c.detector.threshold.suspect_after = 0; });
  EXPECT_TRUE(starts(m, "detector.threshold.suspect_after: ")) << m;
  m = message_of([](HeartbeatConfig& c) { c.detector.threshold.dead_after = 1001; });
  EXPECT_TRUE(starts(m, "detector.threshold.dead_after: ")) << m;
  m = message_of([](HeartbeatConfig& c) { c.max_members = 0; });
  EXPECT_TRUE(starts(m, "max_members: ")) << m;
  m = message_of([](HeartbeatConfig& c) { c.max_members = 10'000'001; });
  EXPECT_TRUE(starts(m, "max_members: ")) << m;
  m = message_of([](HeartbeatConfig& c) { c.max_events = 0; });
  EXPECT_TRUE(starts(m, "max_events: ")) << m;
  m = message_of([](HeartbeatConfig& c) { c.max_events = 1'000'001; });
  EXPECT_TRUE(starts(m, "max_events: ")) << m;
  // The boundaries themselves are allowed.
  EXPECT_EQ(message_of([](HeartbeatConfig& c) {
              c.max_members = 1;
              c.max_events = 1'000'000;
            }),
            "ok");
}

}  // namespace
}  // namespace rumor::core
