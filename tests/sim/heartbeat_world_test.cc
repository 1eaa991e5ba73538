// The heartbeat-membership simulator end to end through run_heartbeat(): determinism (identical
// results and byte-identical traces), convergence in every anti-entropy mode and under loss,
// crash detection against the detector's schedule, phi accrual's threshold against false
// suspicions, graceful leaves, partitions and restarts. Where HeartbeatResult does not say
// enough (who declared whom dead, who saw a restarted node come back), the trace's "status"
// events are read as JSON Lines (trace.h): {"t" ms, "node" observer, "about" member, "status"
// one of joined / suspect / alive / failed / left}.
//
// Every run is a pure function of its seed; each assertion names the mode, timing and seed that
// replay it. Worlds stay small (20..60 nodes, at most a few hundred rounds) so the whole binary
// runs in seconds.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sim/heartbeat_world.h"
#include "sim/sim_config.h"
#include "sim/trace.h"
#include "support/sim_fixtures.h"

namespace rumor::sim {
namespace {

using core::GossipMode;
using core::detect::DetectorConfig;
using json = nlohmann::json;

constexpr double kIntervalS = 1.0;  // the default gossip interval
constexpr double kIntervalMs = 1000.0;
// The threshold detector must wait longer than a heartbeat takes to spread, or it suspects
// live members: with fanout 1 over 50 nodes a fresh heartbeat reaches everyone in about
// log3(n) + ln ln(n) = 5 rounds by push-pull, log2(n) + ln ln(n) = 7 by pull and
// log2(n) + ln(n) = 9.6 by push (Karp et al. 2000; Pittel 1987), with tails, and in rounds
// timing a heartbeat moves about one hop per round. (Measured at n = 50: with suspect_after 5,
// push-pull rounds runs raise thousands of false suspicions and push runs never have everyone
// alive at once; with 10, pull rounds runs still raise hundreds and declare some live nodes
// dead.) So: 10 silent intervals for push-pull, 20 for the one-way modes.
constexpr uint32_t kSuspectAfter = 10;
constexpr uint32_t kSuspectAfterOneWay = 20;
constexpr uint32_t kDeadAfter = 5;
constexpr double kJitter = 0.1;  // async runs: each interval stretched or shrunk by up to 10%

std::string mode_name(GossipMode m) {
  return std::string(core::gossip_mode_name(m));
}

// "push-pull async nodes 50 seed 7": what replays a run, for every failure message.
std::string describe(GossipMode m, const SimConfig& c) {
  return mode_name(m) + (c.timing == Timing::kRounds ? " rounds" : " async") + " nodes " +
         std::to_string(c.nodes) + " seed " + std::to_string(c.seed);
}

// A heartbeat world with the threshold detector (see kSuspectAfter), fanout 1. Async runs add
// timer jitter and a drawn latency of 5..50 ms.
SimConfig make_config(uint32_t nodes, uint64_t seed, Timing timing,
                      GossipMode mode = GossipMode::kPushPull) {
  SimConfig c;
  c.protocol = Protocol::kHeartbeat;
  c.nodes = nodes;
  c.seed = seed;
  c.timing = timing;
  c.modes = {mode};
  c.detector.kind = DetectorConfig::Kind::kThreshold;
  c.detector.threshold.suspect_after =
      mode == GossipMode::kPushPull ? kSuspectAfter : kSuspectAfterOneWay;
  c.detector.threshold.dead_after = kDeadAfter;
  if (timing == Timing::kAsync) {
    c.gossip.jitter = kJitter;
    c.latency.dist = LatencyModel::Dist::kUniform;
    c.latency.a_ms = 5;
    c.latency.b_ms = 50;
  }
  return c;
}

// `group` cut off from everyone else from round `start` until round `heal`, both ways.
Partition cut_off(std::vector<uint32_t> group, double start, double heal) {
  Partition p;
  p.groups.push_back(std::move(group));
  p.start = start;
  p.heal = heal;
  return p;
}

struct Outcome {
  HeartbeatResult result;
  std::string trace;
};

Outcome simulate(const SimConfig& c, GossipMode mode) {
  const Status s = c.validate();
  EXPECT_TRUE(s.is_ok()) << s.message() << " (" << describe(mode, c) << ")";
  std::ostringstream out;
  TraceSink sink(out);
  RunOptions o;
  o.trace = &sink;
  Outcome r;
  r.result = run_heartbeat(c, mode, o);
  r.trace = out.str();
  return r;
}

struct StatusEvent {
  double t_ms = 0;
  uint32_t node = 0;   // the observer
  uint32_t about = 0;  // the member
  std::string status;
};

std::vector<StatusEvent> status_events(const std::string& trace) {
  std::vector<StatusEvent> out;
  std::istringstream in(trace);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("\"ev\":\"status\"") == std::string::npos) continue;
    const json j = json::parse(line);
    out.push_back(StatusEvent{j.at("t").get<double>(), j.at("node").get<uint32_t>(),
                              j.at("about").get<uint32_t>(), j.at("status").get<std::string>()});
  }
  return out;
}

// The observers that reported `status` about `member` at or after `from_ms` (and before
// `to_ms`).
std::set<uint32_t> observers_reporting(const std::vector<StatusEvent>& events, uint32_t member,
                                       const std::string& status, double from_ms = 0,
                                       double to_ms = 1e300) {
  std::set<uint32_t> who;
  for (const StatusEvent& e : events) {
    if (e.about == member && e.status == status && e.t_ms >= from_ms && e.t_ms < to_ms) {
      who.insert(e.node);
    }
  }
  return who;
}

// When `observer` first reported `status` about `member` (at or after `from_ms`), if ever.
std::optional<double> first_report(const std::vector<StatusEvent>& events, uint32_t observer,
                                   uint32_t member, const std::string& status, double from_ms = 0) {
  for (const StatusEvent& e : events) {
    if (e.node == observer && e.about == member && e.status == status && e.t_ms >= from_ms) {
      return e.t_ms;
    }
  }
  return std::nullopt;
}

size_t count_status(const std::vector<StatusEvent>& events, const std::string& status) {
  size_t n = 0;
  for (const StatusEvent& e : events)
    n += e.status == status;
  return n;
}

std::set<uint32_t> everyone_but(uint32_t nodes, std::set<uint32_t> except) {
  std::set<uint32_t> s;
  for (uint32_t i = 0; i < nodes; ++i) {
    if (!except.count(i)) s.insert(i);
  }
  return s;
}

// Field-by-field equality of two results, naming the first field that differs.
std::string first_difference(const HeartbeatResult& a, const HeartbeatResult& b) {
#define RUMOR_SAME(field) \
  if (!(a.field == b.field)) return #field
  RUMOR_SAME(mode);
  RUMOR_SAME(nodes);
  RUMOR_SAME(fanout);
  RUMOR_SAME(seed);
  RUMOR_SAME(timing);
  RUMOR_SAME(interval_s);
  RUMOR_SAME(joined_s);
  RUMOR_SAME(converged_s);
  RUMOR_SAME(false_suspicions);
  RUMOR_SAME(false_deaths);
  RUMOR_SAME(node_hours);
  RUMOR_SAME(rounds_run);
  RUMOR_SAME(messages_total);
  RUMOR_SAME(bytes_total);
  RUMOR_SAME(messages_per_node_interval);
  RUMOR_SAME(bytes_per_node_interval);
  RUMOR_SAME(dropped_loss);
  RUMOR_SAME(dropped_partition);
  RUMOR_SAME(dropped_crashed);
  RUMOR_SAME(detections.size());
  RUMOR_SAME(leaves.size());
  for (size_t i = 0; i < a.detections.size(); ++i) {
    RUMOR_SAME(detections[i].node);
    RUMOR_SAME(detections[i].crash_at_s);
    RUMOR_SAME(detections[i].observers);
    RUMOR_SAME(detections[i].observers_dead);
    RUMOR_SAME(detections[i].first_suspect_s);
    RUMOR_SAME(detections[i].first_dead_s);
    RUMOR_SAME(detections[i].all_dead_s);
    RUMOR_SAME(detections[i].mean_dead_s);
  }
  for (size_t i = 0; i < a.leaves.size(); ++i) {
    RUMOR_SAME(leaves[i].node);
    RUMOR_SAME(leaves[i].leave_at_s);
    RUMOR_SAME(leaves[i].observers);
    RUMOR_SAME(leaves[i].observers_left);
    RUMOR_SAME(leaves[i].all_left_s);
  }
#undef RUMOR_SAME
  return "";
}

std::string timing_name(const ::testing::TestParamInfo<Timing>& info) {
  return info.param == Timing::kRounds ? "rounds" : "async";
}

// --- determinism ---

class HeartbeatDeterminism : public ::testing::TestWithParam<Timing> {};

TEST_P(HeartbeatDeterminism, SameSeedGivesIdenticalResultAndTraceBytes) {
  // Every random draw and every fault path: loss, duplication, latency and jitter (async), a
  // healing partition, a crash with a restart, a graceful leave, the phi detector.
  SimConfig c = make_config(40, 17, GetParam());
  c.loss = 0.05;
  c.duplicate = 0.02;
  c.detector.kind = DetectorConfig::Kind::kPhi;
  c.partitions.push_back(cut_off({1, 2, 3, 4, 5}, 20, 40));
  c.crashes.push_back(Crash{7, 25, 45});
  c.leaves.push_back(Leave{9, 30});
  c.max_rounds = 80;
  for (GossipMode mode : {GossipMode::kPush, GossipMode::kPull, GossipMode::kPushPull}) {
    const Outcome a = simulate(c, mode);
    const Outcome b = simulate(c, mode);
    EXPECT_EQ(first_difference(a.result, b.result), "") << describe(mode, c);
    EXPECT_GT(a.trace.size(), 10'000u) << describe(mode, c);
    EXPECT_TRUE(a.trace == b.trace) << "traces differ: " << describe(mode, c);
    // The run does depend on its seed: a different seed gives a different trace.
    SimConfig other = c;
    other.seed = c.seed + 1;
    EXPECT_FALSE(simulate(other, mode).trace == a.trace) << describe(mode, other);
  }
}

INSTANTIATE_TEST_SUITE_P(Timings, HeartbeatDeterminism,
                         ::testing::Values(Timing::kRounds, Timing::kAsync), timing_name);

// --- convergence ---

struct ModeTiming {
  GossipMode mode;
  Timing timing;
};

std::string mode_timing_name(const ::testing::TestParamInfo<ModeTiming>& info) {
  std::string s =
      mode_name(info.param.mode) + (info.param.timing == Timing::kRounds ? "_rounds" : "_async");
  for (char& ch : s) {
    if (ch == '-') ch = '_';
  }
  return s;
}

class HeartbeatConvergence : public ::testing::TestWithParam<ModeTiming> {};

TEST_P(HeartbeatConvergence, EveryLiveNodeSeesEveryOtherAlive) {
  const auto [mode, timing] = GetParam();
  for (uint64_t seed : {1, 2, 3}) {
    SimConfig c = make_config(50, seed, timing, mode);
    c.max_rounds = 60;
    const Outcome r = simulate(c, mode);
    ASSERT_TRUE(r.result.converged_s.has_value()) << describe(mode, c);
    // Three times the rounds one update takes to reach 50 nodes (see kSuspectAfter): 15 for
    // push-pull, 21 for pull, 29 for push (observed: at most 4, 3 and 14).
    const double bound_s = (mode == GossipMode::kPush   ? 29
                            : mode == GossipMode::kPull ? 21
                                                        : 15) *
                           kIntervalS;
    EXPECT_LE(*r.result.converged_s, bound_s) << describe(mode, c);
    EXPECT_EQ(r.result.false_deaths, 0u) << describe(mode, c);
    EXPECT_TRUE(r.result.detections.empty() && r.result.leaves.empty());
  }
}

TEST_P(HeartbeatConvergence, TenPercentLossDoesNotPreventConvergence) {
  const auto [mode, timing] = GetParam();
  for (uint64_t seed : {4, 5}) {
    SimConfig c = make_config(50, seed, timing, mode);
    c.loss = 0.10;
    c.max_rounds = 80;
    const Outcome r = simulate(c, mode);
    EXPECT_GT(r.result.dropped_loss, 0u) << describe(mode, c);
    ASSERT_TRUE(r.result.converged_s.has_value()) << describe(mode, c);
    // An exchange of up to three messages fails about 27% of the time at 10% loss, so the
    // bounds above stretch by 1 / 0.73: 21 for push-pull, 40 for push (observed: at most 14
    // and 24).
    const double bound_s = (mode == GossipMode::kPush ? 40 : 21) * kIntervalS;
    EXPECT_LE(*r.result.converged_s, bound_s) << describe(mode, c);
  }
}

INSTANTIATE_TEST_SUITE_P(ModesAndTimings, HeartbeatConvergence,
                         ::testing::Values(ModeTiming{GossipMode::kPush, Timing::kRounds},
                                           ModeTiming{GossipMode::kPush, Timing::kAsync},
                                           ModeTiming{GossipMode::kPull, Timing::kRounds},
                                           ModeTiming{GossipMode::kPull, Timing::kAsync},
                                           ModeTiming{GossipMode::kPushPull, Timing::kRounds},
                                           ModeTiming{GossipMode::kPushPull, Timing::kAsync}),
                         mode_timing_name);

// --- crash detection ---

class HeartbeatCrash : public ::testing::TestWithParam<Timing> {};

TEST_P(HeartbeatCrash, EveryLiveObserverDeclaresTheCrashedNodeDeadOnSchedule) {
  // Bounds, with I the interval, s = suspect_after, d = dead_after and j the jitter (0 in
  // rounds timing):
  //  - lower: an observer's last heartbeat progress about the crashed node is no earlier than
  //    the crashed node's last heartbeat write, since anti-entropy among the survivors carries
  //    that final heartbeat to every one of them and receiving it is progress. That write was
  //    at its last tick, at most (1 + j) I before the crash: the largest staleness. So nobody
  //    suspects it before (s - 1 - j) I after the crash, nor declares it dead before
  //    (s + d - 1 - j) I.
  //  - upper: an observer's last progress is when the final heartbeat reaches it, at most D
  //    after the crash, and it declares the member dead at its first check (tick) at least
  //    (s + d) I later, which comes within (1 + j) I. D is the time one update takes to reach
  //    all 50 nodes by fanout-1 push-pull, about 5 rounds (see kSuspectAfter); we allow
  //    2 log2(n) = 11.3. Hence all_dead_s <= (s + d + 1 + j + 11.3) I.
  const Timing timing = GetParam();
  const double j = timing == Timing::kAsync ? kJitter : 0.0;
  constexpr uint32_t kN = 50;
  constexpr uint32_t kVictim = 7;
  constexpr double kCrashAt = 30;
  for (uint64_t seed : {1, 2, 3}) {
    SimConfig c = make_config(kN, seed, timing);
    c.crashes.push_back(Crash{kVictim, kCrashAt, std::nullopt});
    const Outcome r = simulate(c, GossipMode::kPushPull);
    const std::string what = describe(GossipMode::kPushPull, c);
    ASSERT_TRUE(r.result.converged_s.has_value()) << what;
    EXPECT_LT(*r.result.converged_s, kCrashAt * kIntervalS) << what;
    EXPECT_EQ(r.result.false_suspicions, 0u) << what;
    EXPECT_EQ(r.result.false_deaths, 0u) << what;
    ASSERT_EQ(r.result.detections.size(), 1u) << what;
    const DetectionStats& d = r.result.detections[0];
    EXPECT_EQ(d.node, kVictim);
    EXPECT_EQ(d.crash_at_s, kCrashAt * kIntervalS);
    EXPECT_EQ(d.observers, kN - 1) << what;
    EXPECT_EQ(d.observers_dead, d.observers) << what;
    ASSERT_TRUE(d.first_suspect_s && d.first_dead_s && d.all_dead_s) << what;
    EXPECT_GE(*d.first_suspect_s, (kSuspectAfter - 1 - j) * kIntervalS) << what;
    EXPECT_GE(*d.first_dead_s, (kSuspectAfter + kDeadAfter - 1 - j) * kIntervalS) << what;
    EXPECT_LE(*d.first_suspect_s, *d.first_dead_s) << what;
    EXPECT_LE(*d.first_dead_s, d.mean_dead_s) << what;
    EXPECT_LE(d.mean_dead_s, *d.all_dead_s) << what;
    EXPECT_LE(*d.all_dead_s,
              (kSuspectAfter + kDeadAfter + 1 + j + 2 * std::log2(double{kN})) * kIntervalS)
        << what;
    // The trace agrees: each survivor says "suspect", then "failed", about the victim, and
    // nobody else is ever declared dead.
    const auto events = status_events(r.trace);
    for (uint32_t o : everyone_but(kN, {kVictim})) {
      const auto suspect = first_report(events, o, kVictim, "suspect", kCrashAt * kIntervalMs);
      const auto failed = first_report(events, o, kVictim, "failed", kCrashAt * kIntervalMs);
      ASSERT_TRUE(suspect && failed) << what << " observer " << o;
      EXPECT_LE(*suspect, *failed) << what << " observer " << o;
    }
    EXPECT_EQ(count_status(events, "failed"), kN - 1) << what;
  }
}

TEST_P(HeartbeatCrash, ARestartedNodeIsSeenAliveAgainByEveryLiveObserver) {
  // Crashed at round 20, declared dead by everyone within 28 rounds (the bound above),
  // restarted at round 55 with a new generation: the documented way back from dead. Every
  // survivor must report it "alive" after the restart.
  const Timing timing = GetParam();
  constexpr uint32_t kN = 40;
  constexpr uint32_t kVictim = 13;
  for (uint64_t seed : {5, 6}) {
    SimConfig c = make_config(kN, seed, timing);
    c.crashes.push_back(Crash{kVictim, 20, 55});
    const Outcome r = simulate(c, GossipMode::kPushPull);
    const std::string what = describe(GossipMode::kPushPull, c);
    const auto events = status_events(r.trace);
    const std::set<uint32_t> survivors = everyone_but(kN, {kVictim});
    EXPECT_EQ(observers_reporting(events, kVictim, "failed", 20 * kIntervalMs, 55 * kIntervalMs),
              survivors)
        << what;
    EXPECT_EQ(observers_reporting(events, kVictim, "alive", 55 * kIntervalMs), survivors) << what;
    // The restarted node rebuilt its view: it saw everyone join again.
    std::set<uint32_t> rejoined;
    for (const StatusEvent& e : events) {
      if (e.node == kVictim && e.status == "joined" && e.t_ms >= 55 * kIntervalMs) {
        rejoined.insert(e.about);
      }
    }
    EXPECT_EQ(rejoined, survivors) << what;
    // Nobody declares it dead again after it came back.
    EXPECT_TRUE(observers_reporting(events, kVictim, "failed", 55 * kIntervalMs).empty()) << what;
    EXPECT_EQ(r.result.false_deaths, 0u) << what;
    ASSERT_EQ(r.result.detections.size(), 1u);
    EXPECT_EQ(r.result.detections[0].observers_dead, kN - 1) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(Timings, HeartbeatCrash,
                         ::testing::Values(Timing::kRounds, Timing::kAsync), timing_name);

// --- phi accrual ---

// Async timing with strongly jittered timers and a long-tailed latency, so heartbeats arrive
// unevenly, and a phi detector that never declares anyone dead within the run.
SimConfig phi_config(uint64_t seed, double threshold) {
  SimConfig c = make_config(30, seed, Timing::kAsync);
  c.gossip.jitter = 0.3;
  c.latency.dist = LatencyModel::Dist::kExponential;
  c.latency.a_ms = 80;
  c.detector.kind = DetectorConfig::Kind::kPhi;
  c.detector.phi.threshold = threshold;
  c.detector.phi.dead_after = Duration::seconds(60);
  c.max_rounds = 200;
  return c;
}

constexpr uint64_t kPhiSeeds[] = {1, 2, 3, 4};

TEST(HeartbeatPhi, AHigherThresholdNeverRaisesMoreSuspicionsOnTheSameRun) {
  // With no member ever declared dead, the member tables' peer choices do not depend on the
  // detector (suspect members are still sampled), so both thresholds see the very same
  // heartbeat arrivals and the same phi values; phi >= 12 implies phi >= 5, so every episode
  // of suspicion at 12 lies inside one at 5: never more suspicions, and over several seeds
  // strictly fewer. Nobody crashes or leaves, so every suspicion is a false one; they are
  // counted from the trace over the whole run.
  size_t total5 = 0, total12 = 0;
  for (uint64_t seed : kPhiSeeds) {
    const Outcome low = simulate(phi_config(seed, 5), GossipMode::kPushPull);
    const Outcome high = simulate(phi_config(seed, 12), GossipMode::kPushPull);
    const std::string what = describe(GossipMode::kPushPull, phi_config(seed, 5));
    ASSERT_EQ(low.result.false_deaths, 0u) << what << " phi 5";
    ASSERT_EQ(high.result.false_deaths, 0u) << what << " phi 12";
    // The premise: both runs exchanged exactly the same messages.
    ASSERT_EQ(low.result.messages_total, high.result.messages_total) << what;
    ASSERT_EQ(low.result.bytes_total, high.result.bytes_total) << what;
    const size_t n5 = count_status(status_events(low.trace), "suspect");
    const size_t n12 = count_status(status_events(high.trace), "suspect");
    EXPECT_LE(n12, n5) << what;
    total5 += n5;
    total12 += n12;
  }
  EXPECT_GT(total5, 0u) << "the scenario must provoke suspicion at phi 5, or it shows nothing";
  EXPECT_LT(total12, total5);
}

TEST(HeartbeatPhi, ReportedFalseSuspicionsNeverGrowWithTheThreshold) {
  // HeartbeatResult counts false suspicions from joined_s on (everyone knows everyone), a
  // moment that does not depend on the detector while nobody is declared dead, so the same
  // inclusion holds for the reported counts. (Counting from converged_s instead, as an earlier
  // version did, let the jumpier detector converge later and have fewer suspicions counted:
  // seed 3 reported 35 at phi 5 against 217 at phi 12.)
  uint64_t total5 = 0, total12 = 0;
  for (uint64_t seed : kPhiSeeds) {
    const Outcome low = simulate(phi_config(seed, 5), GossipMode::kPushPull);
    const Outcome high = simulate(phi_config(seed, 12), GossipMode::kPushPull);
    const std::string what = describe(GossipMode::kPushPull, phi_config(seed, 5));
    ASSERT_TRUE(low.result.joined_s.has_value()) << what;
    EXPECT_EQ(low.result.joined_s, high.result.joined_s) << what;
    EXPECT_LE(high.result.false_suspicions, low.result.false_suspicions)
        << what << ": converged at " << low.result.converged_s.value_or(-1) << " s (phi 5) and "
        << high.result.converged_s.value_or(-1) << " s (phi 12)";
    total5 += low.result.false_suspicions;
    total12 += high.result.false_suspicions;
  }
  EXPECT_GT(total5, 0u);
  EXPECT_LT(total12, total5);
}

// --- leaves ---

TEST(HeartbeatLeave, AGracefulLeaveIsSeenByEveryLiveNodeAndCausesNoDeath) {
  constexpr uint32_t kN = 40;
  constexpr uint32_t kLeaver = 11;
  for (Timing timing : {Timing::kRounds, Timing::kAsync}) {
    for (uint64_t seed : {1, 2}) {
      SimConfig c = make_config(kN, seed, timing);
      c.leaves.push_back(Leave{kLeaver, 30});
      const Outcome r = simulate(c, GossipMode::kPushPull);
      const std::string what = describe(GossipMode::kPushPull, c);
      ASSERT_EQ(r.result.leaves.size(), 1u);
      const LeaveStats& l = r.result.leaves[0];
      EXPECT_EQ(l.observers, kN - 1) << what;
      EXPECT_EQ(l.observers_left, l.observers) << what;
      ASSERT_TRUE(l.all_left_s.has_value()) << what;
      // The news outran the detector: everyone knew before anyone could have called the
      // silent leaver dead ((suspect_after + dead_after) intervals of silence).
      EXPECT_LT(*l.all_left_s, (kSuspectAfter + kDeadAfter) * kIntervalS) << what;
      EXPECT_EQ(r.result.false_deaths, 0u) << what;
      const auto events = status_events(r.trace);
      EXPECT_EQ(observers_reporting(events, kLeaver, "left"), everyone_but(kN, {kLeaver})) << what;
      EXPECT_TRUE(observers_reporting(events, kLeaver, "failed").empty()) << what;
      EXPECT_EQ(count_status(events, "failed"), 0u) << what;
    }
  }
}

// --- partitions ---

// Node kCut alone on one side from round 30 to round 60: 30 intervals, beyond the detection
// time (at most 28 intervals, see the crash test).
constexpr uint32_t kPartN = 30;
constexpr uint32_t kCut = 9;
constexpr double kCutFrom = 30, kHealAt = 60;

TEST(HeartbeatPartition, ACutOffNodeIsDeclaredDeadAndStaysDeadAfterTheHeal) {
  // Each side declares the other dead. After the heal the cut-off node's heartbeats flow
  // again, but in the same generation: "dead returns to alive only with a newer generation"
  // (member_table.h), so nobody who declared it dead reports it alive again, nor it them.
  for (Timing timing : {Timing::kRounds, Timing::kAsync}) {
    SimConfig c = make_config(kPartN, 3, timing);
    c.partitions.push_back(cut_off({kCut}, kCutFrom, kHealAt));
    const Outcome r = simulate(c, GossipMode::kPushPull);
    const std::string what = describe(GossipMode::kPushPull, c);
    EXPECT_GT(r.result.dropped_partition, 0u) << what;
    // The run goes on well past the heal (max_rounds automatic).
    EXPECT_GE(r.result.rounds_run, kHealAt + 2 * (kSuspectAfter + kDeadAfter)) << what;
    const auto events = status_events(r.trace);
    for (uint32_t o : everyone_but(kPartN, {kCut})) {
      // o declared kCut dead while cut off, and never alive again.
      const auto failed = first_report(events, o, kCut, "failed", kCutFrom * kIntervalMs);
      ASSERT_TRUE(failed.has_value()) << what << " observer " << o;
      EXPECT_LT(*failed, kHealAt * kIntervalMs) << what << " observer " << o;
      EXPECT_FALSE(first_report(events, o, kCut, "alive", *failed)) << what << " observer " << o;
      // And the other way round.
      const auto back = first_report(events, kCut, o, "failed", kCutFrom * kIntervalMs);
      ASSERT_TRUE(back.has_value()) << what << " about " << o;
      EXPECT_LT(*back, kHealAt * kIntervalMs) << what << " about " << o;
      EXPECT_FALSE(first_report(events, kCut, o, "alive", *back)) << what << " about " << o;
    }
    // Nobody crashed or left, so each of those deaths is a false one, and counted as such.
    EXPECT_EQ(count_status(events, "failed"), 2u * (kPartN - 1)) << what;
    EXPECT_EQ(r.result.false_deaths, 2u * (kPartN - 1)) << what;
  }
}

TEST(HeartbeatPartition, ACutOffNodeThatRestartsAfterTheHealIsAliveAgainEverywhere) {
  constexpr double kCrashAt = kHealAt + 5, kRestartAt = kHealAt + 7;
  for (Timing timing : {Timing::kRounds, Timing::kAsync}) {
    SimConfig c = make_config(kPartN, 4, timing);
    c.partitions.push_back(cut_off({kCut}, kCutFrom, kHealAt));
    c.crashes.push_back(Crash{kCut, kCrashAt, kRestartAt});  // a restart: a new generation
    const Outcome r = simulate(c, GossipMode::kPushPull);
    const std::string what = describe(GossipMode::kPushPull, c);
    const auto events = status_events(r.trace);
    for (uint32_t o : everyone_but(kPartN, {kCut})) {
      const auto failed = first_report(events, o, kCut, "failed", kCutFrom * kIntervalMs);
      ASSERT_TRUE(failed.has_value()) << what << " observer " << o;
      // Dead from then until the restart, alive after it.
      const auto alive = first_report(events, o, kCut, "alive", *failed);
      ASSERT_TRUE(alive.has_value()) << what << " observer " << o;
      EXPECT_GE(*alive, kRestartAt * kIntervalMs) << what << " observer " << o;
    }
    EXPECT_EQ(observers_reporting(events, kCut, "alive", kRestartAt * kIntervalMs),
              everyone_but(kPartN, {kCut}))
        << what;
  }
}

// --- the trace's rounds: informed ---

std::vector<json> trace_events(const std::string& trace) {
  std::vector<json> out;
  std::istringstream in(trace);
  for (std::string line; std::getline(in, line);)
    out.push_back(json::parse(line));
  return out;
}

std::vector<uint64_t> traced_informed(const std::string& trace) {
  std::vector<uint64_t> out;
  for (const json& e : trace_events(trace)) {
    if (e["ev"] == "round") out.push_back(e["informed"].get<uint64_t>());
  }
  return out;
}

// The informed of every round line, rebuilt from the trace's own lines (support/sim_fixtures.h):
// its status, crash, restart and leave lines, every member starting at time 0 knowing nobody.
std::vector<uint64_t> replay_informed(const std::string& trace) {
  return testing::replay_informed(trace_events(trace));
}

TEST(HeartbeatTrace, RoundInformedEqualsAReplayAndIsEverySurvivorOnceAllDeclaredTheCrashDead) {
  constexpr uint32_t kN = 30;
  constexpr uint32_t kVictim = 7;
  constexpr uint32_t kCrashAt = 30;
  for (Timing timing : {Timing::kRounds, Timing::kAsync}) {
    SimConfig c = make_config(kN, 2, timing);
    c.crashes.push_back(Crash{kVictim, kCrashAt, std::nullopt});
    const Outcome r = simulate(c, GossipMode::kPushPull);
    const std::string what = describe(GossipMode::kPushPull, c);
    const std::vector<uint64_t> informed = traced_informed(r.trace);
    ASSERT_EQ(informed.size(), r.result.rounds_run) << what;
    EXPECT_EQ(informed, replay_informed(r.trace)) << what;
    ASSERT_TRUE(r.result.converged_s.has_value()) << what;
    ASSERT_LT(*r.result.converged_s, kCrashAt * kIntervalS) << what;
    ASSERT_EQ(r.result.false_suspicions, 0u) << what;
    ASSERT_EQ(r.result.detections.size(), 1u) << what;
    const DetectionStats& d = r.result.detections[0];
    ASSERT_EQ(d.observers_dead, kN - 1) << what;
    ASSERT_TRUE(d.all_dead_s.has_value()) << what;
    // Round k ends at k intervals, and is written before the events at that very time.
    EXPECT_EQ(informed[kCrashAt - 1], kN) << what << ": converged, the crash not yet happened";
    EXPECT_EQ(informed[kCrashAt], 0u) << what << ": every survivor still holds the victim alive";
    const double all_dead_ms = (kCrashAt + *d.all_dead_s / kIntervalS) * kIntervalMs;
    for (size_t k = kCrashAt; k < informed.size(); ++k) {
      const double t = static_cast<double>(k + 1) * kIntervalMs;
      if (t <= all_dead_ms) {
        EXPECT_LT(informed[k], kN - 1) << what << " round " << k + 1 << ": someone still errs";
      } else {
        EXPECT_EQ(informed[k], kN - 1) << what << " round " << k + 1 << ": all declared it dead";
      }
    }
  }
}

TEST(HeartbeatTrace, RoundInformedEqualsAReplayThroughRestartsLeavesPartitionsAndLoss) {
  // Node 5 crashes and comes back; node 11 leaves; node 9 is cut off (each side declares the
  // other dead, for good in this generation) and, after the heal, restarts.
  constexpr uint32_t kN = 30;
  for (Timing timing : {Timing::kRounds, Timing::kAsync}) {
    SimConfig c = make_config(kN, 6, timing);
    c.loss = 0.05;
    c.crashes.push_back(Crash{5, 20, 50});
    c.leaves.push_back(Leave{11, 30});
    c.partitions.push_back(cut_off({9}, 60, 90));
    c.crashes.push_back(Crash{9, 95, 97});
    const Outcome r = simulate(c, GossipMode::kPushPull);
    const std::string what = describe(GossipMode::kPushPull, c);
    const std::vector<uint64_t> informed = traced_informed(r.trace);
    ASSERT_EQ(informed.size(), r.result.rounds_run) << what;
    EXPECT_EQ(informed, replay_informed(r.trace)) << what;
    const std::vector<json> events = trace_events(r.trace);
    size_t restarts = 0;
    for (const json& e : events)
      restarts += e["ev"] == "restart";
    EXPECT_EQ(restarts, 2u) << what;
    // Over the partition, node 9's view and everyone's view of it are wrong.
    EXPECT_EQ(informed[80], 0u) << what;
    // At the end every member but the leaver runs, and every view is accurate again.
    EXPECT_EQ(informed.back(), kN - 1) << what;
  }
}

TEST(HeartbeatTrace, ALeaveLineAtTheLeavesTimePrecedesEveryLeftStatusAboutTheLeaver) {
  constexpr uint32_t kN = 24;
  constexpr uint32_t kLeaver = 11;
  constexpr uint32_t kLeaveAt = 30;
  for (Timing timing : {Timing::kRounds, Timing::kAsync}) {
    SimConfig c = make_config(kN, 8, timing);
    c.leaves.push_back(Leave{kLeaver, kLeaveAt});
    c.max_rounds = 60;
    const Outcome r = simulate(c, GossipMode::kPushPull);
    const std::string what = describe(GossipMode::kPushPull, c);
    const std::vector<json> events = trace_events(r.trace);
    std::vector<json> leaves;
    size_t left = 0;
    for (const json& e : events) {
      if (e["ev"] == "leave") leaves.push_back(e);
      left += e["ev"] == "status" && e["status"] == "left";
    }
    ASSERT_EQ(leaves.size(), 1u) << what;
    EXPECT_EQ(leaves[0]["node"], kLeaver) << what;
    EXPECT_DOUBLE_EQ(leaves[0]["t"].get<double>(), kLeaveAt * kIntervalMs) << what;
    EXPECT_EQ(left, kN - 1) << what << ": every other member hears of the leave";
    EXPECT_EQ(testing::left_before_leave(events), "") << what;
    // While the leave spreads the other members' views are wrong about the leaver; once all
    // hold it left they are accurate again, and the leaver's own view no longer counts.
    const std::vector<uint64_t> informed = traced_informed(r.trace);
    EXPECT_EQ(informed, replay_informed(r.trace)) << what;
    EXPECT_EQ(informed[kLeaveAt - 1], kN) << what << ": converged, the leave not yet begun";
    EXPECT_EQ(informed.back(), kN - 1) << what;
  }
}

TEST(HeartbeatTrace, RoundMessagesCountTheSendLinesSinceThePreviousRound) {
  for (Timing timing : {Timing::kRounds, Timing::kAsync}) {
    SimConfig c = make_config(20, 12, timing);
    c.loss = 0.05;
    c.crashes.push_back(Crash{3, 10, 25});
    c.leaves.push_back(Leave{6, 15});
    c.max_rounds = 40;
    const Outcome r = simulate(c, GossipMode::kPushPull);
    const std::string what = describe(GossipMode::kPushPull, c);
    uint64_t sends = 0, sends_in_rounds = 0, summed = 0;
    size_t rounds = 0;
    for (const json& e : trace_events(r.trace)) {
      if (e["ev"] == "send") ++sends;
      if (e["ev"] != "round") continue;
      ++rounds;
      EXPECT_EQ(e["messages"].get<uint64_t>(), sends - sends_in_rounds)
          << what << " round " << e["round"];
      EXPECT_GT(e["messages"].get<uint64_t>(), 0u) << what << " round " << e["round"];
      summed += e["messages"].get<uint64_t>();
      sends_in_rounds = sends;
    }
    EXPECT_EQ(rounds, r.result.rounds_run) << what;
    EXPECT_EQ(summed, sends_in_rounds) << what;
    EXPECT_EQ(sends, r.result.messages_total) << what;
    // Sends at the instant of the last round line come after it, in no round.
    EXPECT_LE(summed, sends) << what;
  }
}

TEST(HeartbeatTrace, TracingDoesNotChangeTheRun) {
  SimConfig c = make_config(40, 17, Timing::kAsync);
  c.loss = 0.05;
  c.duplicate = 0.02;
  c.partitions.push_back(cut_off({1, 2, 3, 4, 5}, 20, 40));
  c.crashes.push_back(Crash{7, 25, 45});
  c.leaves.push_back(Leave{9, 30});
  c.max_rounds = 80;
  const HeartbeatResult plain = run_heartbeat(c, GossipMode::kPushPull, RunOptions{});
  EXPECT_EQ(first_difference(plain, simulate(c, GossipMode::kPushPull).result), "")
      << describe(GossipMode::kPushPull, c);
}

}  // namespace
}  // namespace rumor::sim
