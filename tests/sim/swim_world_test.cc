// The SWIM simulator end to end through run_swim() (sim/swim_world.h): determinism, crash
// detection by everyone, silence without faults, Lifeguard against slow members, joins,
// partitions that heal, restarts, leaves, packet loss that spares streams, and the measurements'
// arithmetic. Worlds are small (16..32 members, a few simulated minutes) so the binary runs in
// seconds; every assertion names the seed that replays it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/membership/swim_node.h"
#include "sim/report.h"
#include "sim/sim_config.h"
#include "sim/swim_world.h"
#include "sim/trace.h"
#include "support/sim_fixtures.h"

namespace rumor::sim {
namespace {

using json = nlohmann::json;

using testing::swim_config;

SwimResult simulate(const SimConfig& c, TraceSink* trace = nullptr) {
  const Status s = c.validate();
  EXPECT_TRUE(s.is_ok()) << s.message();
  RunOptions o;
  o.trace = trace;
  return run_swim(c, o);
}

std::string violations_text(const SwimResult& r) {
  std::string s;
  for (const SwimViolation& v : r.violations)
    s += "\n  " + v.checker + " at " + std::to_string(v.at_s) + " s: " + v.detail;
  return s;
}

Partition cut_off(std::vector<uint32_t> group, double start, double heal) {
  Partition p;
  p.groups.push_back(std::move(group));
  p.start = start;
  p.heal = heal;
  return p;
}

// The longest suspicion timeout of an n-member LAN cluster: 4 x max(1, log10 n) x 1 s, x 6.
double lan_suspicion_max_s(uint32_t n) {
  return 6 * 4 * std::max(1.0, std::log10(static_cast<double>(n)));
}

TEST(SwimWorld, SameSeedGivesByteIdenticalJsonAndAnotherSeedDiffers) {
  SimConfig c = swim_config(24, 7, 150);
  c.loss = 0.05;
  c.duplicate = 0.01;
  c.crashes = {Crash{3, 20, 70.0}, Crash{9, 40, std::nullopt}};
  c.slow_nodes = {SlowNode{5, 800}};
  c.partitions = {cut_off({10, 11, 12}, 30, 60)};
  const std::string a = format_swim_json({simulate(c)});
  const std::string b = format_swim_json({simulate(c)});
  EXPECT_EQ(a, b) << "seed 7 ran twice with different results";
  c.seed = 8;
  EXPECT_NE(a, format_swim_json({simulate(c)})) << "seeds 7 and 8 gave the same run";
  const json j = json::parse(a);
  EXPECT_EQ(j["seed"], 7);
  EXPECT_EQ(j["crashes"].size(), 2u);
}

TEST(SwimWorld, CrashedMemberIsDeclaredFailedByEveryLiveMemberWithinTheSuspicionBound) {
  for (uint64_t seed : {1, 2, 3}) {
    SimConfig c = swim_config(30, seed, 120);
    c.swim.crash_count = 1;
    c.swim.crash_at_s = 20;
    const SwimResult r = simulate(c);
    SCOPED_TRACE("seed " + std::to_string(seed));
    ASSERT_EQ(r.crashes.size(), 1u);
    const SwimCrashStats& d = r.crashes[0];
    EXPECT_EQ(d.crash_at_s, 20);
    EXPECT_EQ(d.observers, 29u);
    EXPECT_EQ(d.observers_dead, 29u);
    ASSERT_TRUE(d.first_suspect_s && d.first_dead_s && d.all_dead_s);
    EXPECT_LE(*d.first_suspect_s, *d.first_dead_s);
    EXPECT_LE(*d.first_dead_s, *d.all_dead_s);
    // Someone probes it within a few periods, then the suspicion runs at most its longest
    // timeout, then the news spreads in a few gossip intervals.
    EXPECT_LT(*d.first_suspect_s, 10.0);
    EXPECT_LT(*d.all_dead_s, *d.first_suspect_s + lan_suspicion_max_s(30) + 5);
    ASSERT_TRUE(r.detect_first_s && r.detect_all_s);
    EXPECT_DOUBLE_EQ(*r.detect_first_s, *d.first_dead_s);
    EXPECT_DOUBLE_EQ(*r.detect_all_s, *d.all_dead_s);
    EXPECT_EQ(r.false_positives, 0u);
    EXPECT_EQ(r.violations_total, 0u) << violations_text(r);
  }
}

TEST(SwimWorld, NoFaultsMeansNoSuspicionsNoFalsePositivesAndViewsAgreeThroughout) {
  const SwimResult r = simulate(swim_config(32, 11, 180));
  EXPECT_EQ(r.false_positives, 0u);
  EXPECT_EQ(r.suspicions_of_live, 0u);
  EXPECT_EQ(r.refutes, 0u);
  EXPECT_TRUE(r.crashes.empty());
  EXPECT_FALSE(r.detect_first_s.has_value());
  EXPECT_FALSE(r.detect_all_s.has_value());
  // Every member probes once a period and every probe is answered.
  EXPECT_NEAR(static_cast<double>(r.probes), 32 * 180.0, 32.0);
  EXPECT_GE(r.probe_acks + 32, r.probes) << "at most the probes in flight at the end lack an ack";
  ASSERT_TRUE(r.agreement_s.has_value()) << "a formed cluster agrees from the start";
  EXPECT_LT(*r.agreement_s, 0.1);
  EXPECT_EQ(r.violations_total, 0u) << violations_text(r);
}

TEST(SwimWorld, LifeguardCutsFalsePositivesCausedBySlowMembers) {
  // A quarter of the members handle every message and timer about a second late (the
  // Lifeguard paper's experiment): they miss acks and accuse healthy members. With Lifeguard the
  // accusers' local health slows their probing and the suspicion timeouts wait for
  // confirmations the slow accusers cannot gather alone. Without it, some seeds see a healthy
  // member declared dead by the whole cluster and others only a few stray verdicts, so the
  // comparison sums ten seeds.
  uint64_t with = 0, without = 0, with_untouched = 0, without_untouched = 0;
  uint64_t suspicions_with = 0, suspicions_without = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    SimConfig c = swim_config(32, seed, 180);
    c.swim.slow_count = 8;
    c.swim.slow_delay_ms = 1000;
    c.swim.lifeguard = true;
    const SwimResult on = simulate(c);
    c.swim.lifeguard = false;
    const SwimResult off = simulate(c);
    with += on.false_positives;
    without += off.false_positives;
    with_untouched += on.false_positives_untouched;
    without_untouched += off.false_positives_untouched;
    suspicions_with += on.suspicions_of_live_untouched;
    suspicions_without += off.suspicions_of_live_untouched;
    EXPECT_EQ(on.violations_total, 0u) << "seed " << seed << violations_text(on);
  }
  EXPECT_GT(without, 3 * with + 10)
      << "false positives with Lifeguard " << with << ", without " << without << " (seeds 1..10)";
  EXPECT_GT(without_untouched, 3 * with_untouched + 10)
      << "about healthy members: with " << with_untouched << ", without " << without_untouched;
  EXPECT_GT(suspicions_without, 3 * suspicions_with)
      << "suspicions of healthy members: with " << suspicions_with << ", without "
      << suspicions_without;
}

TEST(SwimWorld, JoinStartConvergesAndEveryJoinReachesEveryEarlierMember) {
  SimConfig c = swim_config(24, 5, 300);
  c.swim.start = SwimStart::kJoin;
  c.swim.join_stagger_ms = 200;
  const SwimResult r = simulate(c);
  ASSERT_FALSE(r.joins.empty());
  for (const SwimSpreadStats& j : r.joins) {
    SCOPED_TRACE("join of node " + std::to_string(j.node));
    EXPECT_DOUBLE_EQ(j.at_s, j.node * 0.2);
    EXPECT_EQ(j.observers, j.node) << "every node started before it observes it";
    EXPECT_EQ(j.observers_knowing, j.observers);
    ASSERT_TRUE(j.first_s && j.all_s);
    EXPECT_LE(*j.first_s, *j.all_s);
    // Gossip carries most of it in seconds; a member the gossip missed learns it at its next
    // push-pull (every 30 s).
    EXPECT_LT(*j.all_s, 35.0);
  }
  EXPECT_TRUE(r.agreement_checked);
  EXPECT_TRUE(r.agreement_s.has_value());
  EXPECT_EQ(r.false_positives, 0u);
  EXPECT_EQ(r.violations_total, 0u) << violations_text(r);
}

TEST(SwimWorld, HealedPartitionConvergesWithinTheAgreementBound) {
  SimConfig c = swim_config(20, 3, 400);
  c.partitions = {cut_off({0, 1, 2, 3, 4}, 10, 80)};
  const SwimResult r = simulate(c);
  EXPECT_GT(r.false_positives, 0u) << "each side declares the other failed while cut off";
  EXPECT_GT(r.dropped_partition, 0u);
  EXPECT_TRUE(r.agreement_checked);
  ASSERT_TRUE(r.agreement_s.has_value());
  EXPECT_LE(*r.agreement_s, r.agreement_bound_s);
  EXPECT_GT(r.reconnects, 0u) << "the sides find each other through Serf's reconnector";
  EXPECT_EQ(r.violations_total, 0u) << violations_text(r);
}

TEST(SwimWorld, WithoutReconnectsALongPartitionNeverHealsAndTheCheckerSaysSo) {
  // memberlist alone stops contacting members it holds dead after gossip_to_the_dead_time (30 s
  // in the LAN profile), so a 70 s split outlives every path back: the agreement checker must
  // report it.
  SimConfig c = swim_config(20, 3, 400);
  c.partitions = {cut_off({0, 1, 2, 3, 4}, 10, 80)};
  c.swim.reconnect_s = 0;
  const SwimResult r = simulate(c);
  EXPECT_TRUE(r.agreement_checked);
  EXPECT_FALSE(r.agreement_s.has_value());
  ASSERT_EQ(r.violations_total, 1u) << violations_text(r);
  EXPECT_EQ(r.violations[0].checker, "agreement-after-heal");
}

TEST(SwimWorld, RestartedMemberRefutesItsDeathAndIsAliveEverywhereAgain) {
  SimConfig c = swim_config(20, 9, 300);
  // Back at 40 s, before anyone forgets its death (gossip_to_the_dead_time, 30 s).
  c.crashes = {Crash{6, 10, 40.0}};
  const SwimResult r = simulate(c);
  ASSERT_EQ(r.crashes.size(), 1u);
  EXPECT_EQ(r.crashes[0].restart_at_s, 40.0);
  EXPECT_EQ(r.crashes[0].observers_dead, 19u) << "declared failed everywhere before it returned";
  EXPECT_GT(r.refutes, 0u) << "it came back at incarnation 1 and had to refute its death";
  EXPECT_TRUE(r.agreement_checked);
  EXPECT_TRUE(r.agreement_s.has_value()) << "it is alive in every view again";
  EXPECT_EQ(r.violations_total, 0u) << violations_text(r);
}

TEST(SwimWorld, LeavingMemberIsSeenLeftByEveryoneAndNeverFailed) {
  SimConfig c = swim_config(16, 4, 60);
  c.leaves = {Leave{7, 20}};
  std::ostringstream out;
  TraceSink sink(out);
  const SwimResult r = simulate(c, &sink);
  std::set<uint32_t> saw_left;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) {
    const json e = json::parse(line);
    if (e["ev"] != "status" || e["about"] != 7) continue;
    EXPECT_NE(e["status"], "failed") << line;
    if (e["status"] == "left") saw_left.insert(e["node"].get<uint32_t>());
  }
  EXPECT_EQ(saw_left.size(), 15u);
  EXPECT_EQ(r.false_positives, 0u);
  EXPECT_EQ(r.violations_total, 0u) << violations_text(r);
}

TEST(SwimWorld, LossDropsPacketsButStreamsStayReliable) {
  SimConfig c = swim_config(20, 13, 120);
  c.loss = 0.3;
  const SwimResult r = simulate(c);
  EXPECT_GT(r.dropped_loss, 0u);
  EXPECT_NEAR(static_cast<double>(r.dropped_loss) / static_cast<double>(r.packets), 0.3, 0.03);
  EXPECT_GT(r.push_pulls, 0u);
  EXPECT_EQ(r.streams_failed, 0u) << "no crash, no partition: every stream gets its reply";
  EXPECT_GT(r.streams_completed, 0u);
  EXPECT_EQ(r.streams, 2 * r.streams_completed) << "each open answered, each answer delivered";
  EXPECT_GT(r.indirect_probes, 0u) << "lost pings send probes down the indirect path";
}

TEST(SwimWorld, SlowMemberIsSuspectedButRefutesAndStays) {
  SimConfig c = swim_config(16, 2, 120);
  c.slow_nodes = {SlowNode{4, 3000}};
  const SwimResult r = simulate(c);
  EXPECT_EQ(r.slow_nodes, std::vector<uint32_t>{4});
  EXPECT_GT(r.suspicions_of_live, r.suspicions_of_live_untouched)
      << "its late acks make others suspect it";
  EXPECT_GT(r.refutes, 0u);
  EXPECT_EQ(r.violations_total, 0u) << violations_text(r);
}

TEST(SwimWorld, RatesArePerLiveMemberSecond) {
  SimConfig c = swim_config(20, 6, 100);
  c.crashes = {Crash{2, 50, std::nullopt}};
  const SwimResult r = simulate(c);
  EXPECT_DOUBLE_EQ(r.member_seconds, 20 * 50.0 + 19 * 50.0);
  EXPECT_DOUBLE_EQ(r.messages_per_member_per_s,
                   static_cast<double>(r.packets + r.streams) / r.member_seconds);
  EXPECT_DOUBLE_EQ(r.bytes_per_member_per_s,
                   static_cast<double>(r.packet_bytes + r.stream_bytes) / r.member_seconds);
  EXPECT_GT(r.messages_per_member_per_s, 2.0) << "at least a ping and an ack per period";
  EXPECT_LT(r.messages_per_member_per_s, 10.0);
}

TEST(SwimWorld, TraceRecordsTheRunTheCrashAndTheFailedStatuses) {
  SimConfig c = swim_config(12, 8, 60);
  c.crashes = {Crash{5, 10, std::nullopt}};
  std::ostringstream out;
  TraceSink sink(out);
  const SwimResult r = simulate(c, &sink);
  std::istringstream in(out.str());
  std::string first;
  ASSERT_TRUE(std::getline(in, first));
  EXPECT_EQ(json::parse(first)["ev"], "run");
  size_t crashes = 0, failed = 0;
  for (std::string line; std::getline(in, line);) {
    const json e = json::parse(line);
    if (e["ev"] == "crash") ++crashes;
    if (e["ev"] == "status" && e["about"] == 5 && e["status"] == "failed") ++failed;
  }
  EXPECT_EQ(crashes, 1u);
  EXPECT_EQ(failed, r.crashes.at(0).observers_dead);
}

TEST(SwimWorld, ResolveDrawsDistinctUnlistedMembersFromTheSeed) {
  SimConfig c = swim_config(10, 21, 60);
  c.crashes = {Crash{0, 5, std::nullopt}};
  c.slow_nodes = {SlowNode{1, 100}};
  c.swim.crash_count = 3;
  c.swim.slow_count = 4;
  c.swim.crash_at_s = 12;
  c.swim.slow_delay_ms = 250;
  ASSERT_TRUE(c.validate().is_ok()) << c.validate().message();
  const SimConfig r = resolve_swim_faults(c);
  EXPECT_EQ(r.swim.crash_count, 0u);
  EXPECT_EQ(r.swim.slow_count, 0u);
  ASSERT_EQ(r.crashes.size(), 4u);
  ASSERT_EQ(r.slow_nodes.size(), 5u);
  std::set<uint32_t> seen;
  for (size_t i = 1; i < r.crashes.size(); ++i) {
    EXPECT_EQ(r.crashes[i].at, 12);
    EXPECT_FALSE(r.crashes[i].restart.has_value());
    seen.insert(r.crashes[i].node);
  }
  for (size_t i = 1; i < r.slow_nodes.size(); ++i) {
    EXPECT_EQ(r.slow_nodes[i].delay_ms, 250);
    seen.insert(r.slow_nodes[i].node);
  }
  EXPECT_EQ(seen.size(), 7u) << "seven distinct members";
  EXPECT_FALSE(seen.count(0) || seen.count(1)) << "listed members are not drawn again";
  EXPECT_EQ(resolve_swim_faults(c).crashes[1].node, r.crashes[1].node) << "same seed, same draw";
  c.swim.slow_count = 5;  // with the two listed, no member would stay untouched
  EXPECT_NE(c.validate().message().find("swim.crash_count + swim.slow_count"), std::string::npos)
      << c.validate().message();
}

}  // namespace
}  // namespace rumor::sim
