// MemberTable: every rule of member_table.h's header comment, one test each, driven with
// injected times (no clock is read). The detector is the fixed-threshold kind with
// suspect_after 3 and dead_after 2 intervals of 1 s, so the boundaries sit at 3 s and 5 s of
// silence; samplers use seeded Prngs, so every test is a pure function of its inputs.
#include "core/membership/member_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "base/prng.h"

namespace rumor::core {
namespace {

using detect::DetectorConfig;

constexpr NodeId kSelf = 0;
constexpr Duration kNs = Duration::nanos(1);

Time at_s(double s) {
  return Time::from_ns(static_cast<int64_t>(std::llround(s * 1e9)));
}

DetectorConfig threshold_config() {
  DetectorConfig c;
  c.kind = DetectorConfig::Kind::kThreshold;
  c.threshold.suspect_after = 3;
  c.threshold.dead_after = 2;
  c.threshold.interval = Duration::seconds(1);
  return c;
}

Observation beat(NodeId origin, uint32_t generation, uint64_t counter) {
  return Observation{origin, generation, counter, false};
}

Observation left(NodeId origin, uint32_t generation, uint64_t counter) {
  return Observation{origin, generation, counter, true};
}

std::vector<MemberEvent> drain(MemberTable& t) {
  std::vector<MemberEvent> out;
  MemberEvent e;
  while (t.poll_event(e))
    out.push_back(e);
  return out;
}

// A table of kSelf over the threshold detector above, with generous limits unless told.
class Table {
 public:
  explicit Table(PeerSelection selection = PeerSelection::kUniform, uint32_t max_members = 1000,
                 uint32_t max_events = 1000)
      : config_(threshold_config()), table_(kSelf, &config_, selection, max_members, max_events) {}
  MemberTable& operator*() { return table_; }
  MemberTable* operator->() { return &table_; }
  const Member& member(NodeId id) {
    const Member* m = table_.find(id);
    EXPECT_NE(m, nullptr) << "no row for member " << id;
    static const Member kNone;
    return m ? *m : kNone;
  }

 private:
  DetectorConfig config_;
  MemberTable table_;
};

// Drives member `id` (generation 1) to dead: first seen at 0 s, never again, checked at 5 s.
void make_dead(Table& t, NodeId id) {
  t->observe(beat(id, 1, 1), at_s(0));
  t->check(at_s(5));
  ASSERT_EQ(t.member(id).status, MemberStatus::kDead);
}

// --- observe() ---

TEST(MemberTable, FirstSightJoinsAsAliveWithJoinedEvent) {
  Table t;
  t->observe(beat(4, 2, 17), at_s(1.5));
  const Member& m = t.member(4);
  EXPECT_EQ(m.status, MemberStatus::kAlive);
  EXPECT_EQ(m.generation, 2u);
  EXPECT_EQ(m.heartbeat, 17u);
  EXPECT_EQ(m.status_since, at_s(1.5));
  EXPECT_EQ(m.detector.last_heartbeat(), at_s(1.5));  // first sight starts the detector
  const auto ev = drain(*t);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, MemberEventKind::kJoined);
  EXPECT_EQ(ev[0].member, 4u);
  EXPECT_EQ(ev[0].generation, 2u);
  EXPECT_EQ(ev[0].at, at_s(1.5));
}

TEST(MemberTable, NeverHoldsARowForItself) {
  Table t;
  t->observe(beat(kSelf, 1, 5), at_s(0));
  t->observe(left(kSelf, 1, 6), at_s(0));
  EXPECT_TRUE(t->members().empty());
  EXPECT_TRUE(drain(*t).empty());
}

TEST(MemberTable, RowsStaySortedByIdWhateverTheOrderOfFirstSight) {
  Table t;
  for (NodeId id : {9u, 3u, 7u, 1u, 5u})
    t->observe(beat(id, 1, 1), at_s(0));
  std::vector<NodeId> ids;
  for (const Member& m : t->members())
    ids.push_back(m.id);
  EXPECT_EQ(ids, (std::vector<NodeId>{1, 3, 5, 7, 9}));
  for (NodeId id : ids)
    EXPECT_EQ(t->find(id)->id, id);
  EXPECT_EQ(t->find(4), nullptr);
}

TEST(MemberTable, FirstSightOfALeftEntryRecordsTheMemberAsLeft) {
  Table t;
  t->observe(left(4, 1, 9), at_s(2));
  EXPECT_EQ(t.member(4).status, MemberStatus::kLeft);
  const auto ev = drain(*t);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, MemberEventKind::kLeft);
}

TEST(MemberTable, ProgressOnAnAliveMemberFeedsTheDetectorSilently) {
  Table t;
  t->observe(beat(1, 1, 1), at_s(0));
  drain(*t);
  t->observe(beat(1, 1, 2), at_s(2));
  EXPECT_TRUE(drain(*t).empty());
  EXPECT_EQ(t.member(1).heartbeat, 2u);
  EXPECT_EQ(t.member(1).detector.last_heartbeat(), at_s(2));
  t->check(at_s(4.9));  // 2.9 s after the progress: still alive
  EXPECT_EQ(t.member(1).status, MemberStatus::kAlive);
  EXPECT_TRUE(drain(*t).empty());
}

TEST(MemberTable, AnEqualOrLowerCounterIsNoProgress) {
  Table t;
  t->observe(beat(1, 1, 5), at_s(0));
  t->observe(beat(1, 1, 5), at_s(2));
  t->observe(beat(1, 1, 4), at_s(2.5));
  EXPECT_EQ(t.member(1).heartbeat, 5u);
  EXPECT_EQ(t.member(1).detector.last_heartbeat(), at_s(0));
  t->check(at_s(3));  // silence counted from 0 s, not from the repeats
  EXPECT_EQ(t.member(1).status, MemberStatus::kSuspect);
}

TEST(MemberTable, ProgressTurnsASuspectBackToAlive) {
  Table t;
  t->observe(beat(1, 1, 1), at_s(0));
  t->check(at_s(3));
  ASSERT_EQ(t.member(1).status, MemberStatus::kSuspect);
  drain(*t);
  t->observe(beat(1, 1, 2), at_s(3.5));
  EXPECT_EQ(t.member(1).status, MemberStatus::kAlive);
  EXPECT_EQ(t.member(1).status_since, at_s(3.5));
  const auto ev = drain(*t);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, MemberEventKind::kAlive);
  EXPECT_EQ(ev[0].at, at_s(3.5));
  // The detector was fed: silence now counts from 3.5 s.
  t->check(at_s(6.5) - kNs);
  EXPECT_EQ(t.member(1).status, MemberStatus::kAlive);
  t->check(at_s(6.5));
  EXPECT_EQ(t.member(1).status, MemberStatus::kSuspect);
}

TEST(MemberTable, ProgressDoesNotReviveADeadMember) {
  Table t;
  make_dead(t, 1);
  drain(*t);
  t->observe(beat(1, 1, 50), at_s(6));
  EXPECT_EQ(t.member(1).status, MemberStatus::kDead);
  EXPECT_EQ(t.member(1).status_since, at_s(5));
  EXPECT_TRUE(drain(*t).empty());
  t->check(at_s(7));
  EXPECT_TRUE(drain(*t).empty());
}

TEST(MemberTable, ProgressDoesNotReviveALeftMember) {
  Table t;
  t->observe(beat(1, 1, 1), at_s(0));
  t->observe(left(1, 1, 2), at_s(1));
  drain(*t);
  t->observe(beat(1, 1, 3), at_s(2));
  EXPECT_EQ(t.member(1).status, MemberStatus::kLeft);
  EXPECT_TRUE(drain(*t).empty());
}

TEST(MemberTable, NewerGenerationRevivesADeadMember) {
  Table t;
  make_dead(t, 1);
  drain(*t);
  t->observe(beat(1, 2, 1), at_s(8));
  const Member& m = t.member(1);
  EXPECT_EQ(m.status, MemberStatus::kAlive);
  EXPECT_EQ(m.generation, 2u);
  EXPECT_EQ(m.heartbeat, 1u);
  EXPECT_EQ(m.status_since, at_s(8));
  const auto ev = drain(*t);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, MemberEventKind::kAlive);
  EXPECT_EQ(ev[0].generation, 2u);
  EXPECT_EQ(ev[0].at, at_s(8));
}

TEST(MemberTable, NewerGenerationRevivesALeftMember) {
  Table t;
  t->observe(left(1, 1, 4), at_s(0));
  drain(*t);
  t->observe(beat(1, 2, 1), at_s(1));
  EXPECT_EQ(t.member(1).status, MemberStatus::kAlive);
  EXPECT_EQ(t.member(1).generation, 2u);
  const auto ev = drain(*t);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, MemberEventKind::kAlive);
}

TEST(MemberTable, NewerGenerationRevivesASuspectMember) {
  Table t;
  t->observe(beat(1, 1, 1), at_s(0));
  t->check(at_s(3));
  ASSERT_EQ(t.member(1).status, MemberStatus::kSuspect);
  drain(*t);
  t->observe(beat(1, 2, 1), at_s(4));
  EXPECT_EQ(t.member(1).status, MemberStatus::kAlive);
  const auto ev = drain(*t);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, MemberEventKind::kAlive);
  EXPECT_EQ(ev[0].generation, 2u);
}

TEST(MemberTable, NewerGenerationResetsTheDetectorAndTheHeartbeat) {
  Table t;
  t->observe(beat(1, 1, 100), at_s(0));
  drain(*t);
  t->observe(beat(1, 2, 1), at_s(2.5));  // restarted: its counter starts over
  EXPECT_TRUE(drain(*t).empty());        // it was alive, and stays alive: no event
  EXPECT_EQ(t.member(1).heartbeat, 1u);
  EXPECT_EQ(t.member(1).detector.last_heartbeat(), at_s(2.5));
  t->check(at_s(5.5) - kNs);  // 3 s after 0 s, but under 3 s after the reset
  EXPECT_EQ(t.member(1).status, MemberStatus::kAlive);
  t->observe(beat(1, 2, 2), at_s(5.5));  // a counter far below gen 1's 100 is progress now
  EXPECT_EQ(t.member(1).heartbeat, 2u);
  EXPECT_EQ(t.member(1).detector.last_heartbeat(), at_s(5.5));
}

TEST(MemberTable, LeftWinsOverLaterHeartbeatsOfTheSameGeneration) {
  Table t;
  t->observe(beat(1, 1, 1), at_s(0));
  drain(*t);
  t->observe(left(1, 1, 2), at_s(1));
  EXPECT_EQ(t.member(1).status, MemberStatus::kLeft);
  auto ev = drain(*t);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, MemberEventKind::kLeft);
  EXPECT_EQ(ev[0].at, at_s(1));
  for (uint64_t c = 3; c < 10; ++c)
    t->observe(beat(1, 1, c), at_s(static_cast<double>(c)));
  t->observe(left(1, 1, 2), at_s(10));  // the same news again changes nothing
  t->check(at_s(100));                  // a member that left is never suspected
  EXPECT_EQ(t.member(1).status, MemberStatus::kLeft);
  EXPECT_TRUE(drain(*t).empty());
}

TEST(MemberTable, LeftOverridesSuspectAndDeadInTheCurrentGeneration) {
  Table t;
  t->observe(beat(1, 1, 1), at_s(0));
  t->observe(beat(2, 1, 1), at_s(0));
  t->check(at_s(3));
  ASSERT_EQ(t.member(1).status, MemberStatus::kSuspect);
  t->check(at_s(5));
  ASSERT_EQ(t.member(2).status, MemberStatus::kDead);
  drain(*t);
  t->observe(left(1, 1, 2), at_s(6));
  t->observe(left(2, 1, 2), at_s(6));
  EXPECT_EQ(t.member(1).status, MemberStatus::kLeft);
  EXPECT_EQ(t.member(2).status, MemberStatus::kLeft);
  const auto ev = drain(*t);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, MemberEventKind::kLeft);
  EXPECT_EQ(ev[1].kind, MemberEventKind::kLeft);
}

TEST(MemberTable, LeftInANewerGenerationIsLeftInThatGeneration) {
  Table t;
  t->observe(beat(1, 1, 1), at_s(0));
  drain(*t);
  t->observe(left(1, 2, 3), at_s(1));
  EXPECT_EQ(t.member(1).status, MemberStatus::kLeft);
  EXPECT_EQ(t.member(1).generation, 2u);
  const auto ev = drain(*t);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, MemberEventKind::kLeft);
  EXPECT_EQ(ev[0].generation, 2u);
}

TEST(MemberTable, OlderGenerationObservationsAreIgnored) {
  Table t;
  t->observe(beat(1, 3, 5), at_s(0));
  drain(*t);
  t->observe(beat(1, 2, 999), at_s(1));
  t->observe(left(1, 2, 1000), at_s(1));
  const Member& m = t.member(1);
  EXPECT_EQ(m.status, MemberStatus::kAlive);
  EXPECT_EQ(m.generation, 3u);
  EXPECT_EQ(m.heartbeat, 5u);
  EXPECT_EQ(m.detector.last_heartbeat(), at_s(0));
  EXPECT_TRUE(drain(*t).empty());
  // Nor does an old generation revive a member that is dead in a newer one.
  t->check(at_s(5));
  ASSERT_EQ(t.member(1).status, MemberStatus::kDead);
  drain(*t);
  t->observe(beat(1, 1, 10'000), at_s(6));
  EXPECT_EQ(t.member(1).status, MemberStatus::kDead);
  EXPECT_TRUE(drain(*t).empty());
}

// --- check() ---

TEST(MemberTable, CheckTurnsAliveToSuspectToDeadAtTheThresholdBoundaries) {
  Table t;
  t->observe(beat(1, 1, 1), at_s(10));
  drain(*t);
  t->check(at_s(13) - kNs);
  EXPECT_EQ(t.member(1).status, MemberStatus::kAlive);
  EXPECT_TRUE(drain(*t).empty());
  t->check(at_s(13));  // exactly suspect_after x interval of silence
  EXPECT_EQ(t.member(1).status, MemberStatus::kSuspect);
  EXPECT_EQ(t.member(1).status_since, at_s(13));
  auto ev = drain(*t);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, MemberEventKind::kSuspect);
  EXPECT_EQ(ev[0].at, at_s(13));
  t->check(at_s(15) - kNs);  // a suspect is reported once, not at every check
  EXPECT_EQ(t.member(1).status, MemberStatus::kSuspect);
  EXPECT_TRUE(drain(*t).empty());
  t->check(at_s(15));  // exactly (suspect_after + dead_after) x interval
  EXPECT_EQ(t.member(1).status, MemberStatus::kDead);
  EXPECT_EQ(t.member(1).status_since, at_s(15));
  ev = drain(*t);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, MemberEventKind::kFailed);
  EXPECT_EQ(ev[0].at, at_s(15));
  t->check(at_s(1000));  // dead is final for check()
  EXPECT_TRUE(drain(*t).empty());
}

TEST(MemberTable, AMemberFoundDeadAtOnceGetsSuspectThenFailed) {
  Table t;
  t->observe(beat(1, 1, 1), at_s(0));
  drain(*t);
  t->check(at_s(9));
  EXPECT_EQ(t.member(1).status, MemberStatus::kDead);
  const auto ev = drain(*t);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, MemberEventKind::kSuspect);
  EXPECT_EQ(ev[1].kind, MemberEventKind::kFailed);
  EXPECT_EQ(ev[0].at, at_s(9));
  EXPECT_EQ(ev[1].at, at_s(9));
}

TEST(MemberTable, CheckJudgesEachMemberByItsOwnSilence) {
  Table t;
  t->observe(beat(1, 1, 1), at_s(0));
  t->observe(beat(2, 1, 1), at_s(1));
  t->observe(beat(3, 1, 1), at_s(2.5));
  drain(*t);
  t->check(at_s(5));  // silences 5 s, 4 s, 2.5 s
  EXPECT_EQ(t.member(1).status, MemberStatus::kDead);
  EXPECT_EQ(t.member(2).status, MemberStatus::kSuspect);
  EXPECT_EQ(t.member(3).status, MemberStatus::kAlive);
  EXPECT_EQ(t->count(MemberStatus::kAlive), 1u);
  EXPECT_EQ(t->count(MemberStatus::kSuspect), 1u);
  EXPECT_EQ(t->count(MemberStatus::kDead), 1u);
  EXPECT_EQ(t->count(MemberStatus::kLeft), 0u);
}

TEST(MemberTable, CheckFollowsThePhiDetectorWhenConfigured) {
  DetectorConfig c;
  c.kind = DetectorConfig::Kind::kPhi;
  c.phi.threshold = 8;
  c.phi.dead_after = Duration::seconds(4);
  MemberTable t(kSelf, &c, PeerSelection::kUniform, 10, 10);
  t.observe(beat(1, 1, 1), at_s(0));
  drain(t);
  const Member* m = t.find(1);
  const Time suspect = m->detector.suspect_at(c);
  const Time dead = m->detector.dead_at(c);
  t.check(suspect - kNs);
  EXPECT_EQ(m->status, MemberStatus::kAlive);
  t.check(suspect);
  EXPECT_EQ(m->status, MemberStatus::kSuspect);
  t.check(dead - kNs);
  EXPECT_EQ(m->status, MemberStatus::kSuspect);
  t.check(dead);
  EXPECT_EQ(m->status, MemberStatus::kDead);
  const auto ev = drain(t);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, MemberEventKind::kSuspect);
  EXPECT_EQ(ev[0].at, suspect);
  EXPECT_EQ(ev[1].kind, MemberEventKind::kFailed);
  EXPECT_EQ(ev[1].at, dead);
}

// --- limits ---

TEST(MemberTable, EventQueueKeepsTheNewestMaxEventsAndCountsTheDropped) {
  Table t(PeerSelection::kUniform, 1000, /*max_events=*/3);
  for (NodeId id = 1; id <= 5; ++id)
    t->observe(beat(id, 1, 1), at_s(id));
  EXPECT_EQ(t->events_dropped(), 2u);
  const auto ev = drain(*t);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].member, 3u);  // members 1 and 2's events were the oldest
  EXPECT_EQ(ev[1].member, 4u);
  EXPECT_EQ(ev[2].member, 5u);
  // Once polled, room is free again: nothing more is dropped.
  t->observe(beat(6, 1, 1), at_s(6));
  EXPECT_EQ(t->events_dropped(), 2u);
  EXPECT_EQ(drain(*t).size(), 1u);
}

TEST(MemberTable, MembersBeyondMaxMembersAreRefusedAndCounted) {
  Table t(PeerSelection::kUniform, /*max_members=*/2, 1000);
  t->observe(beat(1, 1, 1), at_s(0));
  t->observe(beat(2, 1, 1), at_s(0));
  drain(*t);
  t->observe(beat(3, 1, 1), at_s(1));
  t->observe(left(4, 1, 1), at_s(1));
  t->observe(beat(3, 1, 2), at_s(2));
  EXPECT_EQ(t->members_refused(), 3u);
  EXPECT_EQ(t->members().size(), 2u);
  EXPECT_EQ(t->find(3), nullptr);
  EXPECT_EQ(t->find(4), nullptr);
  EXPECT_TRUE(drain(*t).empty());
  // The members already held are still tracked normally.
  t->observe(beat(1, 1, 2), at_s(2));
  EXPECT_EQ(t.member(1).heartbeat, 2u);
  EXPECT_EQ(t->members_refused(), 3u);
}

// --- the PeerSampler ---

// Members 1..6: 1, 5, 6 alive, 2 dead, 3 left, 4 suspect.
void make_mixed(Table& t) {
  for (NodeId id = 1; id <= 6; ++id)
    t->observe(beat(id, 1, 1), at_s(0));
  t->observe(left(3, 1, 2), at_s(1));
  for (NodeId id : {1u, 4u, 5u, 6u})
    t->observe(beat(id, 1, 2), at_s(2));
  t->check(at_s(5));  // 2 silent for 5 s: dead; 1, 4, 5, 6 silent for 3 s: suspect
  for (NodeId id : {1u, 5u, 6u})
    t->observe(beat(id, 1, 3), at_s(5));  // back to alive
  ASSERT_EQ(t.member(2).status, MemberStatus::kDead);
  ASSERT_EQ(t.member(3).status, MemberStatus::kLeft);
  ASSERT_EQ(t.member(4).status, MemberStatus::kSuspect);
}

TEST(MemberTable, SampleOffersAliveAndSuspectMembersOnly) {
  for (PeerSelection sel : {PeerSelection::kUniform, PeerSelection::kLeastRecentlyContacted}) {
    Table t(sel);
    make_mixed(t);
    t->set_seeds({7, 8});
    Prng prng(42);
    std::set<NodeId> seen;
    for (int i = 0; i < 200; ++i) {
      std::vector<NodeId> out;
      t->sample(kSelf, prng, 2, at_s(10 + i), out);
      seen.insert(out.begin(), out.end());
    }
    EXPECT_EQ(seen, (std::set<NodeId>{1, 4, 5, 6})) << peer_selection_name(sel);
    std::vector<NodeId> all;
    t->all(kSelf, all);
    EXPECT_EQ(all, (std::vector<NodeId>{1, 4, 5, 6})) << peer_selection_name(sel);
  }
}

TEST(MemberTable, SampleNeverOffersSelfEvenFromTheSeeds) {
  Table t;
  t->set_seeds({kSelf, 7, 8});  // a node may be handed its own id among the seeds
  Prng prng(1);
  for (int i = 0; i < 50; ++i) {
    std::vector<NodeId> out;
    t->sample(kSelf, prng, 3, at_s(i), out);
    std::sort(out.begin(), out.end());
    EXPECT_EQ(out, (std::vector<NodeId>{7, 8}));
  }
}

TEST(MemberTable, SampleFallsBackToTheSeedsWhenNobodyIsAlive) {
  Table t;
  t->set_seeds({7, 8, 9});
  Prng prng(3);
  std::vector<NodeId> out;
  t->sample(kSelf, prng, 2, at_s(0), out);  // an empty table
  ASSERT_EQ(out.size(), 2u);
  for (NodeId id : out)
    EXPECT_TRUE(id >= 7 && id <= 9) << id;
  EXPECT_NE(out[0], out[1]);
  // Every member dead or left: still the seeds.
  make_dead(t, 1);
  t->observe(left(2, 1, 1), at_s(5));
  out.clear();
  t->sample(kSelf, prng, 5, at_s(6), out);
  std::sort(out.begin(), out.end());
  EXPECT_EQ(out, (std::vector<NodeId>{7, 8, 9}));
  // One live member is enough to stop the fallback; a suspect counts as live.
  t->observe(beat(4, 1, 1), at_s(6));
  t->check(at_s(9));
  ASSERT_EQ(t.member(4).status, MemberStatus::kSuspect);
  out.clear();
  t->sample(kSelf, prng, 5, at_s(9), out);
  EXPECT_EQ(out, (std::vector<NodeId>{4}));
}

TEST(MemberTable, SampleReturnsKDistinctMembersOrAllOfThem) {
  for (PeerSelection sel : {PeerSelection::kUniform, PeerSelection::kLeastRecentlyContacted}) {
    Table t(sel);
    for (NodeId id = 1; id <= 10; ++id)
      t->observe(beat(id, 1, 1), at_s(0));
    Prng prng(9);
    for (int i = 0; i < 100; ++i) {
      std::vector<NodeId> out = {99};  // sample appends; what was there stays
      t->sample(kSelf, prng, 4, at_s(i), out);
      ASSERT_EQ(out.size(), 5u) << peer_selection_name(sel);
      EXPECT_EQ(out[0], 99u);
      const std::set<NodeId> distinct(out.begin() + 1, out.end());
      EXPECT_EQ(distinct.size(), 4u) << peer_selection_name(sel);
      for (NodeId id : distinct)
        EXPECT_TRUE(id >= 1 && id <= 10) << id;
    }
    std::vector<NodeId> out;
    t->sample(kSelf, prng, 64, at_s(200), out);
    std::sort(out.begin(), out.end());
    EXPECT_EQ(out, (std::vector<NodeId>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}))
        << peer_selection_name(sel);
  }
}

TEST(MemberTable, UniformSampleSpreadsEvenlyOverLiveMembers) {
  Table t;
  for (NodeId id = 1; id <= 6; ++id)
    t->observe(beat(id, 1, 1), at_s(0));
  Prng prng(2024);
  std::map<NodeId, int> hits;
  constexpr int kDraws = 6000;
  for (int i = 0; i < kDraws; ++i) {
    std::vector<NodeId> out;
    t->sample(kSelf, prng, 1, at_s(0), out);
    hits[out.at(0)]++;
  }
  // Expect 1000 each; 850..1150 is about 5 standard deviations (sd = sqrt(6000/6*5/6) = 29).
  ASSERT_EQ(hits.size(), 6u);
  for (const auto& [id, n] : hits) {
    EXPECT_GT(n, 850) << "member " << id;
    EXPECT_LT(n, 1150) << "member " << id;
  }
}

TEST(MemberTable, LeastRecentlyContactedVisitsEveryLiveMemberBeforeRepeating) {
  Table t(PeerSelection::kLeastRecentlyContacted);
  make_mixed(t);  // live: 1, 4, 5, 6
  for (NodeId id = 7; id <= 9; ++id)
    t->observe(beat(id, 1, 1), at_s(5));
  const size_t live = 7;  // 1, 4, 5, 6, 7, 8, 9
  Prng prng(5);
  std::vector<NodeId> order;
  for (int i = 0; i < 3 * static_cast<int>(live); ++i) {
    std::vector<NodeId> out;
    t->sample(kSelf, prng, 1, at_s(10 + i), out);
    ASSERT_EQ(out.size(), 1u);
    order.push_back(out[0]);
  }
  const std::set<NodeId> first(order.begin(), order.begin() + live);
  EXPECT_EQ(first, (std::set<NodeId>{1, 4, 5, 6, 7, 8, 9}));
  // From then on the same cycle repeats: the least recently contacted is always the one
  // contacted `live` picks ago.
  for (size_t i = live; i < order.size(); ++i)
    EXPECT_EQ(order[i], order[i - live]) << i;
}

TEST(MemberTable, LeastRecentlyContactedWithKVisitsEveryoneInCeilNOverKSamples) {
  Table t(PeerSelection::kLeastRecentlyContacted);
  for (NodeId id = 1; id <= 7; ++id)
    t->observe(beat(id, 1, 1), at_s(0));
  Prng prng(11);
  std::vector<NodeId> seen;
  for (int i = 0; i < 3; ++i) {
    std::vector<NodeId> out;
    t->sample(kSelf, prng, 3, at_s(1 + i), out);
    seen.insert(seen.end(), out.begin(), out.end());
  }
  // 3 samples of 3: the first 7 picks are 7 different members (the 8th and 9th repeat).
  ASSERT_EQ(seen.size(), 9u);
  EXPECT_EQ(std::set<NodeId>(seen.begin(), seen.begin() + 7).size(), 7u);
}

TEST(MemberTable, LeastRecentlyContactedPicksANewcomerFirst) {
  Table t(PeerSelection::kLeastRecentlyContacted);
  for (NodeId id = 1; id <= 4; ++id)
    t->observe(beat(id, 1, 1), at_s(0));
  Prng prng(8);
  for (int i = 0; i < 4; ++i) {
    std::vector<NodeId> out;
    t->sample(kSelf, prng, 1, at_s(1 + i), out);
  }
  t->observe(beat(9, 1, 1), at_s(5));
  std::vector<NodeId> out;
  t->sample(kSelf, prng, 1, at_s(6), out);
  EXPECT_EQ(out, (std::vector<NodeId>{9}));
  EXPECT_TRUE(t.member(9).contacted);
  EXPECT_EQ(t.member(9).last_contact, at_s(6));
}

TEST(MemberTable, NamesReadInTracesAndLogs) {
  EXPECT_EQ(member_status_name(MemberStatus::kAlive), "alive");
  EXPECT_EQ(member_status_name(MemberStatus::kSuspect), "suspect");
  EXPECT_EQ(member_status_name(MemberStatus::kDead), "dead");
  EXPECT_EQ(member_status_name(MemberStatus::kLeft), "left");
  EXPECT_EQ(member_event_name(MemberEventKind::kJoined), "joined");
  EXPECT_EQ(member_event_name(MemberEventKind::kSuspect), "suspect");
  EXPECT_EQ(member_event_name(MemberEventKind::kAlive), "alive");
  EXPECT_EQ(member_event_name(MemberEventKind::kFailed), "failed");
  EXPECT_EQ(member_event_name(MemberEventKind::kLeft), "left");
}

}  // namespace
}  // namespace rumor::core
