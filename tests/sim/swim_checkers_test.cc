// The SWIM checkers (sim/swim_checkers.h) fed by hand: each property is shown both kept and
// broken, so none of them can pass by never looking. Views come from real core::SwimNodes in a
// formed four-member cluster; events are written as the nodes would raise them.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/membership/directory.h"
#include "core/membership/swim_node.h"
#include "sim/swim_checkers.h"

namespace rumor::sim {
namespace {

using core::SwimEvent;
using core::SwimEventKind;

constexpr uint32_t kNodes = 4;

Time at(double s) {
  return Time::zero() + Duration::millis(static_cast<int64_t>(s * 1000));
}

// Four SwimNodes, each holding every other as alive (as a formed world starts).
class Cluster {
 public:
  Cluster() {
    for (uint32_t i = 0; i < kNodes; ++i) {
      names_.push_back("node-" + std::to_string(i));
      const auto id = directory_.intern_name(names_[i]);
      const auto identity = directory_.intern_identity(
          *id, core::Address::v4(10, 0, 0, static_cast<uint8_t>(i), 7946));
      EXPECT_EQ(*identity, i);
    }
    for (uint32_t i = 0; i < kNodes; ++i) {
      core::SwimIdentity self;
      self.name = names_[i];
      self.addr = core::Address::v4(10, 0, 0, static_cast<uint8_t>(i), 7946);
      nodes_.push_back(std::make_unique<core::SwimNode>(core::SwimConfig::lan(), directory_, self,
                                                        i + 1, Time::zero()));
      for (uint32_t j = 0; j < kNodes; ++j) {
        if (j != i) nodes_[i]->restore_member(Time::zero(), j, 1);
      }
    }
  }
  const core::SwimNode& node(uint32_t i) const { return *nodes_[i]; }

 private:
  core::Directory directory_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<core::SwimNode>> nodes_;
};

SwimCheckBounds bounds(std::optional<double> faults_end_s = std::nullopt) {
  SwimCheckBounds b;
  b.dead_everywhere = Duration::seconds(10);
  b.agreement = Duration::seconds(20);
  b.remember_dead = Duration::seconds(30);
  if (faults_end_s) b.faults_end = at(*faults_end_s);
  return b;
}

std::vector<uint8_t> none() {
  return std::vector<uint8_t>(kNodes, 0);
}

SwimEvent event(SwimEventKind kind, uint32_t member, uint32_t incarnation, double t) {
  return SwimEvent{kind, member, incarnation, at(t)};
}

TEST(SwimCheckers, UntouchedMemberDeadEverywhereBeyondTheBoundIsReported) {
  SwimCheckers c(kNodes, std::vector<uint8_t>(kNodes, 0), none(), bounds());
  c.formed(at(0));
  for (uint32_t o : {0u, 1u, 2u})
    c.on_event(o, event(SwimEventKind::kFailed, 3, 1, 5));
  c.advance(at(14.9));
  EXPECT_EQ(c.violations_total(), 0u) << "within the bound";
  c.advance(at(15));
  ASSERT_EQ(c.violations_total(), 1u);
  EXPECT_EQ(c.violations()[0].checker, "never-dead-everywhere");
  EXPECT_EQ(c.violations()[0].member, 3u);
  EXPECT_DOUBLE_EQ(c.violations()[0].at_s, 15);
  c.advance(at(100));
  EXPECT_EQ(c.violations_total(), 1u) << "reported once";
}

TEST(SwimCheckers, DeadEverywhereIsFineWhenRefutedInTimeOrForATouchedMember) {
  {
    SwimCheckers c(kNodes, std::vector<uint8_t>(kNodes, 0), none(), bounds());
    c.formed(at(0));
    for (uint32_t o : {0u, 1u, 2u})
      c.on_event(o, event(SwimEventKind::kFailed, 3, 1, 5));
    c.on_event(1, event(SwimEventKind::kJoined, 3, 2, 9));  // refuted with incarnation 2
    c.advance(at(60));
    EXPECT_EQ(c.violations_total(), 0u);
  }
  {
    std::vector<uint8_t> touched(kNodes, 0);
    touched[3] = 1;  // e.g. a slow member
    SwimCheckers c(kNodes, touched, none(), bounds());
    c.formed(at(0));
    for (uint32_t o : {0u, 1u, 2u})
      c.on_event(o, event(SwimEventKind::kFailed, 3, 1, 5));
    c.advance(at(60));
    EXPECT_EQ(c.violations_total(), 0u);
  }
  {
    SwimCheckers c(kNodes, std::vector<uint8_t>(kNodes, 0), none(), bounds());
    c.formed(at(0));
    for (uint32_t o : {0u, 1u})  // one live member still holds it alive
      c.on_event(o, event(SwimEventKind::kFailed, 3, 1, 5));
    c.advance(at(60));
    EXPECT_EQ(c.violations_total(), 0u);
  }
}

TEST(SwimCheckers, DeadMemberReturningWithoutANewerIncarnationIsReported) {
  SwimCheckers c(kNodes, std::vector<uint8_t>(kNodes, 1), none(), bounds());
  c.formed(at(0));
  c.on_event(0, event(SwimEventKind::kFailed, 2, 4, 5));
  c.on_event(0, event(SwimEventKind::kJoined, 2, 5, 6));  // newer: fine
  EXPECT_EQ(c.violations_total(), 0u);
  c.on_event(1, event(SwimEventKind::kFailed, 2, 4, 7));
  c.on_event(1, event(SwimEventKind::kJoined, 2, 4, 8));  // same incarnation: broken
  ASSERT_EQ(c.violations_total(), 1u);
  EXPECT_EQ(c.violations()[0].checker, "dead-returns-newer");
  EXPECT_EQ(c.violations()[0].member, 2u);
  // A death older than remember_dead may have been forgotten: counted, not a violation.
  c.on_event(3, event(SwimEventKind::kFailed, 1, 4, 10));
  c.on_event(3, event(SwimEventKind::kJoined, 1, 3, 45));
  EXPECT_EQ(c.violations_total(), 1u);
  EXPECT_EQ(c.stale_rejoins(), 1u);
}

TEST(SwimCheckers, AgreementAfterTheLastFaultIsFoundOrReported) {
  Cluster cluster;
  {
    // Node 3 crashes at 10 s; by 14 s every live view holds it failed.
    SwimCheckers c(kNodes, std::vector<uint8_t>(kNodes, 0), none(), bounds(10));
    c.formed(at(0));
    c.down(at(10), 3, cluster.node(3));
    for (uint32_t o : {0u, 1u, 2u})
      c.on_event(o, event(SwimEventKind::kFailed, 3, 1, 12 + o));
    c.advance(at(31));
    EXPECT_TRUE(c.agreement_checked());
    ASSERT_TRUE(c.agreed_at().has_value());
    EXPECT_EQ(*c.agreed_at(), at(14));
    EXPECT_EQ(c.violations_total(), 0u);
  }
  {
    // ... but node 2 never learns it: no agreement within 20 s of the crash.
    SwimCheckers c(kNodes, std::vector<uint8_t>(kNodes, 0), none(), bounds(10));
    c.formed(at(0));
    c.down(at(10), 3, cluster.node(3));
    for (uint32_t o : {0u, 1u})
      c.on_event(o, event(SwimEventKind::kFailed, 3, 1, 12));
    c.advance(at(29.9));
    EXPECT_FALSE(c.agreement_checked());
    c.advance(at(30));
    EXPECT_TRUE(c.agreement_checked());
    EXPECT_FALSE(c.agreed_at().has_value());
    ASSERT_EQ(c.violations_total(), 1u);
    EXPECT_EQ(c.violations()[0].checker, "agreement-after-heal");
    EXPECT_EQ(c.violations()[0].member, 3u);
  }
  {
    // A partition that never heals: agreement is not judged.
    SwimCheckers c(kNodes, std::vector<uint8_t>(kNodes, 0), none(), bounds());
    c.formed(at(0));
    c.on_event(0, event(SwimEventKind::kFailed, 1, 1, 5));
    c.advance(at(1000));
    EXPECT_FALSE(c.agreement_checked());
    EXPECT_EQ(c.violations_total(), 0u);
  }
}

TEST(SwimCheckers, AgreementLeavesPersistentlyFaultyMembersOut) {
  std::vector<uint8_t> slow(kNodes, 0);
  slow[3] = 1;
  {
    // The slow member is held dead by one steady view, and holds a steady member dead itself:
    // neither keeps the steady members from agreeing.
    SwimCheckers c(kNodes, slow, slow, bounds(10));
    c.formed(at(0));
    c.on_event(0, event(SwimEventKind::kFailed, 3, 1, 5));
    c.on_event(3, event(SwimEventKind::kFailed, 1, 1, 6));
    c.advance(at(11));
    EXPECT_EQ(c.agreed_at(), at(11));
    c.advance(at(40));
    EXPECT_EQ(c.violations_total(), 0u);
  }
  {
    // A steady member held dead by a steady view does.
    SwimCheckers c(kNodes, slow, slow, bounds(10));
    c.formed(at(0));
    c.on_event(0, event(SwimEventKind::kFailed, 2, 1, 5));
    c.advance(at(40));
    EXPECT_FALSE(c.agreed_at().has_value());
    ASSERT_EQ(c.violations_total(), 1u);
    EXPECT_EQ(c.violations()[0].member, 2u);
  }
}

TEST(SwimCheckers, EventsThatDoNotMatchTheViewsAreReportedAtTheEnd) {
  Cluster cluster;
  auto view_of = [&](uint32_t i) { return &cluster.node(i); };
  {
    SwimCheckers c(kNodes, std::vector<uint8_t>(kNodes, 0), none(), bounds());
    c.formed(at(0));
    c.finish(at(50), view_of);
    EXPECT_EQ(c.violations_total(), 0u) << "the formed views match the formed counts";
  }
  {
    // An event claims node 0 holds node 2 failed, but node 0's list still holds it alive.
    SwimCheckers c(kNodes, std::vector<uint8_t>(kNodes, 0), none(), bounds());
    c.formed(at(0));
    c.on_event(0, event(SwimEventKind::kFailed, 2, 1, 5));
    c.finish(at(50), view_of);
    ASSERT_EQ(c.violations_total(), 1u);
    EXPECT_EQ(c.violations()[0].checker, "views-match-events");
    EXPECT_EQ(c.violations()[0].member, 2u);
  }
}

TEST(SwimCheckers, EventsOfObserversThatAreDownAreIgnored) {
  Cluster cluster;
  SwimCheckers c(kNodes, std::vector<uint8_t>(kNodes, 0), none(), bounds());
  c.formed(at(0));
  c.down(at(1), 0, cluster.node(0));
  // Node 0 is down: its event does not count, so member 1 stays alive in every live view.
  c.on_event(0, event(SwimEventKind::kFailed, 1, 1, 5));
  c.on_event(0, event(SwimEventKind::kJoined, 1, 1, 6));
  c.finish(at(50), [&](uint32_t i) { return &cluster.node(i); });
  EXPECT_EQ(c.violations_total(), 0u);
}

}  // namespace
}  // namespace rumor::sim
