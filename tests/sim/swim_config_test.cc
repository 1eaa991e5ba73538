// The swim protocol's configuration: the "swim" scenario object (sim/scenario.h), the
// SimConfig::validate() rules for it (each error names its field), the node configuration it
// builds, the unit of its fault-plan times, and the plan derived from it (sim/swim_plan.h):
// addresses, touched members, the checkers' bounds.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "sim/scenario.h"
#include "sim/sim_config.h"
#include "sim/swim_plan.h"

namespace rumor::sim {
namespace {

SimConfig swim(uint32_t nodes = 50) {
  SimConfig c;
  c.protocol = Protocol::kSwim;
  c.nodes = nodes;
  return c;
}

std::string apply_error(const std::string& text) {
  SimConfig c;
  return apply_scenario_json(text, c).message();
}

TEST(SwimScenario, SwimObjectSetsEveryField) {
  SimConfig c;
  const Status s = apply_scenario_json(R"({"protocol": "swim", "nodes": 40,
      "swim": {"profile": "wan", "lifeguard": false, "indirect_checks": 5, "duration_s": 90,
               "start": "join", "join_stagger_ms": 20, "crash_count": 2, "crash_at_s": 15,
               "slow_count": 3, "slow_delay_ms": 400, "reconnect_s": 0},
      "leaves": [{"node": 3, "at": 50}]})",
                                       c);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(c.protocol, Protocol::kSwim);
  EXPECT_EQ(c.swim.profile, "wan");
  EXPECT_FALSE(c.swim.lifeguard);
  EXPECT_EQ(c.swim.indirect_checks, 5u);
  EXPECT_EQ(c.swim.duration_s, 90);
  EXPECT_EQ(c.swim.start, SwimStart::kJoin);
  EXPECT_EQ(c.swim.join_stagger_ms, 20);
  EXPECT_EQ(c.swim.crash_count, 2u);
  EXPECT_EQ(c.swim.crash_at_s, 15);
  EXPECT_EQ(c.swim.slow_count, 3u);
  EXPECT_EQ(c.swim.slow_delay_ms, 400);
  EXPECT_EQ(c.swim.reconnect_s, 0);
  EXPECT_TRUE(c.validate().is_ok()) << c.validate().message();
  ASSERT_TRUE(apply_scenario_json(R"({"swim": {"indirect_checks": null}})", c).is_ok());
  EXPECT_FALSE(c.swim.indirect_checks.has_value()) << "null restores the profile's value";
}

TEST(SwimScenario, BadSwimFieldsAreNamed) {
  EXPECT_EQ(apply_error(R"({"swim": {"profil": "lan"}})"),
            "scenario: unknown field 'swim.profil' (known: profile, lifeguard, tcp_pings, "
            "eager_gossip, indirect_checks, "
            "duration_s, start, join_stagger_ms, crash_count, crash_at_s, slow_count, "
            "slow_delay_ms, reconnect_s)");
  EXPECT_EQ(apply_error(R"({"swim": {"profile": "moon"}})"),
            "scenario: swim.profile: unknown 'moon' (allowed: lan, wan, local)");
  EXPECT_EQ(apply_error(R"({"swim": {"start": "cold"}})"),
            "scenario: swim.start: unknown 'cold' (allowed: formed, join)");
  EXPECT_EQ(apply_error(R"({"swim": {"lifeguard": "yes"}})"),
            "scenario: swim.lifeguard: expected a boolean (true or false), got string");
  EXPECT_EQ(apply_error(R"({"swim": {"crash_count": 1.5}})"),
            "scenario: swim.crash_count: expected an integer, got 1.5");
  EXPECT_EQ(apply_error(R"({"swim": [1]})"), "scenario: swim: expected an object, got array");
}

TEST(SwimConfigValidate, EachRangeNamesItsField) {
  SimConfig c = swim();
  ASSERT_TRUE(c.validate().is_ok()) << c.validate().message();
  c.swim.duration_s = 0.5;
  EXPECT_EQ(c.validate().message(), "swim.duration_s: must be in 1..1000000, got 0.5");
  c = swim();
  c.swim.indirect_checks = 65;
  EXPECT_EQ(c.validate().message(), "swim.indirect_checks: must be in 0..64, got 65");
  c = swim();
  c.swim.profile = "moon";
  EXPECT_EQ(c.validate().message(), "swim.profile: must be one of lan, wan, local, got \"moon\"");
  c = swim();
  c.swim.reconnect_s = 0.5;
  EXPECT_EQ(c.validate().message(), "swim.reconnect_s: must be in 1..86400, got 0.5 (or 0: off)");
  c = swim();
  c.swim.join_stagger_ms = -1;
  EXPECT_EQ(c.validate().message(), "swim.join_stagger_ms: must be in 0..60000, got -1");
  c = swim();
  c.swim.slow_delay_ms = 4e6;
  EXPECT_EQ(c.validate().message(), "swim.slow_delay_ms: must be in 0..3600000, got 4000000");
  c = swim(20000);
  EXPECT_EQ(c.validate().message(),
            "nodes: the swim protocol keeps every member at every node (36 bytes a row), so it "
            "allows at most 15000 nodes, got 20000");
}

TEST(SwimConfigValidate, DrawnMembersMustLeaveOneUntouched) {
  SimConfig c = swim(10);
  c.swim.crash_count = 5;
  c.swim.slow_count = 4;
  EXPECT_TRUE(c.validate().is_ok()) << c.validate().message();
  c.crashes = {Crash{0, 3, std::nullopt}};
  EXPECT_EQ(c.validate().message(),
            "swim.crash_count + swim.slow_count: 5 + 4 members to choose, but only 9 of 10 nodes "
            "are free of listed faults and one must stay untouched");
}

TEST(SwimConfigValidate, PendingEventEstimateRejectsWhatWouldNotFit) {
  SimConfig c = swim(10000);
  c.latency.dist = LatencyModel::Dist::kConstant;
  c.latency.a_ms = 600'000;  // ten minutes in flight at 30 messages a second per member
  const std::string m = c.validate().message();
  EXPECT_EQ(m.rfind("latency: 10000 swim nodes", 0), 0u) << m;
  EXPECT_NE(m.find("over the simulator's limit"), std::string::npos) << m;
  c.latency.a_ms = 50;
  EXPECT_TRUE(c.validate().is_ok()) << c.validate().message();
}

TEST(SwimConfigValidate, LeavesAreAllowedForSwim) {
  SimConfig c = swim();
  c.leaves = {Leave{3, 10}};
  EXPECT_TRUE(c.validate().is_ok()) << c.validate().message();
  c.protocol = Protocol::kGossip;
  EXPECT_EQ(c.validate().message(), "leaves: only the heartbeat and swim protocols have leaves");
}

TEST(SwimConfig, NodeConfigFollowsProfileLifeguardAndIndirectChecks) {
  SimConfig c = swim();
  core::SwimConfig n = c.swim_node_config();
  EXPECT_EQ(n.profile, "lan");
  EXPECT_EQ(n.probe_interval, Duration::seconds(1));
  EXPECT_TRUE(n.awareness && n.dynamic_suspicion && n.nacks && n.buddy);
  EXPECT_EQ(n.indirect_checks, 3u);
  c.swim.profile = "wan";
  c.swim.lifeguard = false;
  c.swim.indirect_checks = 0;
  n = c.swim_node_config();
  EXPECT_EQ(n.profile, "wan");
  EXPECT_EQ(n.probe_interval, Duration::seconds(5));
  EXPECT_FALSE(n.awareness || n.dynamic_suspicion || n.nacks || n.buddy);
  EXPECT_EQ(n.indirect_checks, 0u);
  c = swim(10000);
  EXPECT_GE(c.swim_node_config().max_events, 20000u) << "room for a whole cluster's joins";
}

TEST(SwimConfig, FaultTimesAreSecondsForSwimAndRoundsOtherwise) {
  SimConfig c;
  c.gossip.interval = Duration::millis(250);
  EXPECT_DOUBLE_EQ(c.fault_time_unit(), 0.25);
  c.protocol = Protocol::kSwim;
  EXPECT_DOUBLE_EQ(c.fault_time_unit(), 1.0);
}

TEST(SwimConfig, StartNamesRoundTrip) {
  for (SwimStart s : {SwimStart::kFormed, SwimStart::kJoin})
    EXPECT_EQ(parse_swim_start(swim_start_name(s)), s);
  EXPECT_FALSE(parse_swim_start("Formed").has_value());
  EXPECT_EQ(parse_protocol("swim"), Protocol::kSwim);
}

TEST(SwimPlan, AddressesMapBackToTheirNodes) {
  for (uint32_t i : {0u, 1u, 255u, 256u, 65'535u, 65'536u, 14'999u}) {
    const core::Address a = swim_address(i);
    EXPECT_EQ(a.port, 7946);
    EXPECT_EQ(swim_index(a, 70'000), i) << a.to_string();
  }
  EXPECT_EQ(swim_address(258).to_string(), "10.0.1.2:7946");
  EXPECT_FALSE(swim_index(swim_address(50), 50).has_value()) << "beyond the world";
  EXPECT_FALSE(swim_index(core::Address::v4(10, 0, 0, 1, 7947), 50).has_value());
  EXPECT_FALSE(swim_index(core::Address::v4(11, 0, 0, 1, 7946), 50).has_value());
  EXPECT_FALSE(swim_index(core::Address{}, 50).has_value());
}

TEST(SwimPlan, TouchedMembersAreFaultedOrOffTheLargestSide) {
  SimConfig c = swim(10);
  c.crashes = {Crash{1, 5, 20.0}};
  c.slow_nodes = {SlowNode{2, 100}};
  c.leaves = {Leave{3, 9}};
  Partition p;
  p.groups = {{7, 8}};  // nodes 7 and 8 against the other eight
  p.heal = 30;
  c.partitions = {p};
  const std::vector<uint8_t> t = swim_touched(c);
  EXPECT_EQ(t, (std::vector<uint8_t>{0, 1, 1, 1, 0, 0, 0, 1, 1, 0}));
}

TEST(SwimPlan, CheckerBoundsFollowTheConfiguration) {
  SimConfig c = swim(40);
  c.crashes = {Crash{1, 20, 50.0}};
  // LAN, n = 40: push-pull every 30 s x (ceil(log2 40 - 5) + 1) = 60 s; the longest suspicion
  // 6 x 4 x log10 40 s.
  const double suspicion = 6 * 4 * std::log10(40.0);
  SwimCheckBounds b = swim_check_bounds(c);
  EXPECT_NEAR(b.dead_everywhere.sec(), 2 * 60 + suspicion, 1e-3);
  EXPECT_NEAR(b.agreement.sec(), 30 + 2 * 60 + 2 * suspicion + 10 + 50 * 0.2, 1e-3);
  EXPECT_EQ(b.remember_dead, Duration::seconds(30));
  ASSERT_TRUE(b.faults_end.has_value());
  EXPECT_EQ(*b.faults_end, Time::zero() + Duration::seconds(50)) << "the restart is the last";
  c.slow_nodes = {SlowNode{2, 1000}};
  EXPECT_TRUE(swim_check_bounds(c).faults_end.has_value()) << "slow members under Lifeguard";
  c.swim.lifeguard = false;
  EXPECT_FALSE(swim_check_bounds(c).faults_end.has_value()) << "slow members without it";
  c = swim(40);
  Partition p;
  p.groups = {{0}};
  c.partitions = {p};
  EXPECT_FALSE(swim_check_bounds(c).faults_end.has_value()) << "a partition that never heals";
}

}  // namespace
}  // namespace rumor::sim
