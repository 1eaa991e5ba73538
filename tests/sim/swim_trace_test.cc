// The trace of a swim run (sim/swim_trace.h, docs/web.md "Trace format additions for the
// viewer") and the run lines of every protocol (sim/trace.h). The "round" events' `informed` is
// checked against a brute-force replay of the trace's own status, crash, restart, start and
// leave events, so
// the incremental bookkeeping and what a viewer can rebuild from the trace agree exactly.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/dissem/gossip_config.h"
#include "sim/gossip_world.h"
#include "sim/heartbeat_world.h"
#include "sim/sim_config.h"
#include "sim/swim_trace.h"
#include "sim/swim_world.h"
#include "sim/trace.h"
#include "support/sim_fixtures.h"

namespace rumor::sim {
namespace {

using json = nlohmann::json;

using testing::swim_config;

struct Traced {
  SwimResult result;
  std::string text;
  std::vector<json> events;
};

Traced traced(const SimConfig& c) {
  const Status s = c.validate();
  EXPECT_TRUE(s.is_ok()) << s.message();
  std::ostringstream out;
  TraceSink sink(out);
  RunOptions o;
  o.trace = &sink;
  Traced t;
  t.result = run_swim(c, o);
  t.text = out.str();
  std::istringstream in(t.text);
  for (std::string line; std::getline(in, line);)
    t.events.push_back(json::parse(line));
  return t;
}

std::vector<json> of_kind(const std::vector<json>& events, const std::string& ev) {
  std::vector<json> out;
  for (const json& e : events) {
    if (e["ev"] == ev) out.push_back(e);
  }
  return out;
}

// The informed of every round line, rebuilt from the trace's own lines (support/sim_fixtures.h):
// its run line's start, its status, crash, restart, start and leave lines.
std::vector<uint64_t> replay_informed(const std::vector<json>& events) {
  return testing::replay_informed(events);
}

std::vector<uint64_t> traced_informed(const std::vector<json>& events) {
  std::vector<uint64_t> out;
  for (const json& e : of_kind(events, "round"))
    out.push_back(e["informed"].get<uint64_t>());
  return out;
}

TEST(SwimTrace, RoundInformedEqualsABruteForceReplayAndEndsWithTheCrashSeenEverywhere) {
  SimConfig c = swim_config(20, 3, 60);
  c.crashes = {Crash{4, 10, std::nullopt}};
  const Traced t = traced(c);
  const std::vector<uint64_t> informed = traced_informed(t.events);
  ASSERT_EQ(informed.size(), 60u) << "one round per 1 s probe interval";
  EXPECT_EQ(informed, replay_informed(t.events));
  EXPECT_EQ(informed[5], 20u) << "before the crash every view is accurate";
  EXPECT_EQ(informed[10], 0u) << "just after it, every view still holds node 4 alive";
  EXPECT_EQ(informed.back(), 19u) << "every live member holds the crashed one failed";
  ASSERT_EQ(t.result.crashes.size(), 1u);
  EXPECT_EQ(t.result.crashes[0].observers_dead, 19u);
}

TEST(SwimTrace, RoundInformedEqualsABruteForceReplayThroughRestartsPartitionsAndLoss) {
  SimConfig c = swim_config(20, 9, 150);
  c.crashes = {Crash{6, 10, 40.0}, Crash{2, 70, std::nullopt}};
  Partition p;
  p.groups = {{10, 11, 12, 13}};
  p.start = 90;
  p.heal = 110;
  c.partitions = {p};
  c.loss = 0.05;
  const Traced t = traced(c);
  const std::vector<uint64_t> informed = traced_informed(t.events);
  ASSERT_EQ(informed.size(), 150u);
  EXPECT_EQ(informed, replay_informed(t.events));
  EXPECT_FALSE(of_kind(t.events, "restart").empty());
  EXPECT_EQ(of_kind(t.events, "partition").size(), 2u) << "its start and its heal";
}

TEST(SwimTrace, JoinStartCountsMembersNotYetStartedAsAbsentAndEndsInformedEverywhere) {
  SimConfig c = swim_config(16, 5, 60);
  c.swim.start = SwimStart::kJoin;
  c.swim.join_stagger_ms = 200;
  const Traced t = traced(c);
  const std::vector<uint64_t> informed = traced_informed(t.events);
  EXPECT_EQ(informed, replay_informed(t.events));
  ASSERT_FALSE(informed.empty());
  EXPECT_EQ(informed.back(), 16u);
  EXPECT_FALSE(of_kind(t.events, "status").empty()) << "every join is an event";
}

TEST(SwimTrace, JoinStartWritesAStartLineForEveryMemberBeforeAnythingItDoes) {
  constexpr uint32_t kN = 12;
  SimConfig c = swim_config(kN, 6, 20);
  c.swim.start = SwimStart::kJoin;
  c.swim.join_stagger_ms = 150;
  const Traced t = traced(c);
  std::map<uint32_t, double> started;
  for (const json& e : t.events) {
    const std::string ev = e["ev"];
    if (ev == "start") {
      const auto i = e["node"].get<uint32_t>();
      EXPECT_EQ(started.count(i), 0u) << "one start line per member: " << e;
      started[i] = e["t"].get<double>();
      continue;
    }
    const json actor = ev == "send" || ev == "drop" ? e["from"]
                       : ev == "status"             ? e["node"]
                                                    : json();
    if (actor.is_null()) continue;
    EXPECT_EQ(started.count(actor.get<uint32_t>()), 1u) << "acts before its start line: " << e;
    // Nobody hears of a member before it starts.
    if (ev == "status") {
      EXPECT_EQ(started.count(e["about"].get<uint32_t>()), 1u) << e;
    }
  }
  ASSERT_EQ(started.size(), kN);
  for (const auto& [i, at] : started) {
    EXPECT_DOUBLE_EQ(at, i * c.swim.join_stagger_ms) << "node " << i << " starts at its join";
  }
  EXPECT_EQ(traced_informed(t.events), replay_informed(t.events));
}

TEST(SwimTrace, ALeaveLinePrecedesEveryLeftStatusAndTheReplayFollowsTheLeaveWhileItSpreads) {
  for (const SwimStart start : {SwimStart::kFormed, SwimStart::kJoin}) {
    SimConfig c = swim_config(20, 13, 60);
    c.swim.start = start;
    c.leaves = {Leave{7, 20}, Leave{15, 35.5}};
    c.crashes = {Crash{3, 30, std::nullopt}};
    c.loss = 0.02;
    const Traced t = traced(c);
    const std::string what(swim_start_name(start));
    const std::vector<json> leaves = of_kind(t.events, "leave");
    ASSERT_EQ(leaves.size(), 2u) << what;
    EXPECT_EQ(leaves[0]["node"], 7) << what;
    EXPECT_DOUBLE_EQ(leaves[0]["t"].get<double>(), 20000.0) << what;
    EXPECT_EQ(leaves[1]["node"], 15) << what;
    EXPECT_DOUBLE_EQ(leaves[1]["t"].get<double>(), 35500.0) << what;
    EXPECT_EQ(testing::left_before_leave(t.events), "") << what;
    size_t left = 0;
    for (const json& e : of_kind(t.events, "status"))
      left += e["status"] == "left";
    EXPECT_GT(left, 0u) << what << ": the leaves spread";
    const std::vector<uint64_t> informed = traced_informed(t.events);
    ASSERT_EQ(informed.size(), 60u) << what;
    EXPECT_EQ(informed, replay_informed(t.events)) << what;
    EXPECT_EQ(informed.back(), 17u) << what << ": all but the leavers and the crashed, accurate";
  }
}

TEST(SwimTrace, FormedRunWithoutFaultsIsInformedEverywhereInEveryRoundWithNoStatusEvents) {
  const SimConfig c = swim_config(24, 11, 40);
  const Traced t = traced(c);
  const std::vector<json> rounds = of_kind(t.events, "round");
  ASSERT_EQ(rounds.size(), 40u);
  for (size_t k = 0; k < rounds.size(); ++k) {
    EXPECT_EQ(rounds[k]["round"], k + 1);
    EXPECT_DOUBLE_EQ(rounds[k]["t"].get<double>(), 1000.0 * static_cast<double>(k + 1));
    EXPECT_EQ(rounds[k]["informed"], 24) << "round " << k + 1;
  }
  EXPECT_TRUE(of_kind(t.events, "status").empty())
      << "a formed cluster starts knowing everyone, and nothing changes";
}

TEST(SwimTrace, EverySendArrivesNoEarlierThanItLeavesOrIsFollowedByItsDrop) {
  SimConfig c = swim_config(20, 4, 90);
  c.crashes = {Crash{1, 20, 50.0}};
  c.partitions = {Partition{{{0, 1, 2, 3, 4}}, 30, 45.0, false}};
  c.loss = 0.1;
  const Traced t = traced(c);
  double last_t = 0;
  uint64_t sends = 0, arriving = 0;
  std::map<std::string, uint64_t> why, types;
  for (size_t i = 0; i < t.events.size(); ++i) {
    const json& e = t.events[i];
    const double at = e["t"];
    EXPECT_GE(at, last_t) << "time runs backwards at line " << i + 1;
    last_t = at;
    if (e["ev"] == "drop") why[e["why"]]++;
    if (e["ev"] != "send") continue;
    ++sends;
    types[e["type"]]++;
    EXPECT_LE(e["from"].get<uint32_t>(), 19u);
    EXPECT_LE(e["to"].get<uint32_t>(), 19u);
    EXPECT_GT(e["bytes"].get<uint64_t>(), 0u);
    if (e.contains("arrive")) {
      ++arriving;
      EXPECT_GE(e["arrive"].get<double>(), at) << e.dump();
      continue;
    }
    ASSERT_LT(i + 1, t.events.size());
    const json& d = t.events[i + 1];
    EXPECT_EQ(d["ev"], "drop") << "a send without arrive is dropped at once: " << e.dump();
    EXPECT_EQ(d["from"], e["from"]);
    EXPECT_EQ(d["to"], e["to"]);
    EXPECT_EQ(d["type"], e["type"]);
    EXPECT_EQ(d["t"], e["t"]);
  }
  EXPECT_EQ(sends, t.result.packets + t.result.streams) << "every message, and only those";
  EXPECT_LT(arriving, sends);
  EXPECT_GT(why["loss"], 0u);
  EXPECT_GT(why["partition"], 0u);
  EXPECT_GT(why["crashed"], 0u);
  EXPECT_EQ(why.size(), 3u);
  for (const char* type : {"ping", "ack", "stream", "stream-reply"})
    EXPECT_GT(types[type], 0u) << type;
  // The rounds count every message sent, each in the interval it left in.
  uint64_t messages = 0;
  for (const json& r : of_kind(t.events, "round"))
    messages += r["messages"].get<uint64_t>();
  EXPECT_EQ(messages, t.result.packets + t.result.streams);
}

TEST(SwimTrace, StatusEventsCarryTheIncarnationTheObserverHolds) {
  SimConfig c = swim_config(12, 8, 80);
  c.crashes = {Crash{5, 10, 30.0}};
  const Traced t = traced(c);
  std::set<std::string> statuses;
  bool refuted = false;
  for (const json& e : of_kind(t.events, "status")) {
    statuses.insert(e["status"].get<std::string>());
    ASSERT_TRUE(e.contains("inc")) << e.dump();
    EXPECT_GE(e["inc"].get<uint32_t>(), 1u);
    // Back at incarnation 1 and held failed at 1, it refutes with a higher one.
    if (e["about"] == 5 && e["inc"].get<uint32_t>() > 1) refuted = true;
  }
  EXPECT_TRUE(statuses.count("suspect") && statuses.count("failed") && statuses.count("joined"));
  EXPECT_FALSE(statuses.count("updated") || statuses.count("reaped"));
  EXPECT_TRUE(refuted);
}

TEST(SwimTrace, RunLineNamesTheProtocolAndTheSwimSettings) {
  SimConfig c = swim_config(10, 42, 12.5);
  c.swim.lifeguard = false;
  c.swim.profile = "wan";
  const Traced t = traced(c);
  ASSERT_FALSE(t.events.empty());
  const json& run = t.events[0];
  EXPECT_EQ(run["ev"], "run");
  EXPECT_EQ(run["t"], 0);
  EXPECT_EQ(run["protocol"], "swim");
  EXPECT_EQ(run["nodes"], 10);
  EXPECT_EQ(run["seed"], 42);
  EXPECT_EQ(run["profile"], "wan");
  EXPECT_EQ(run["lifeguard"], false);
  EXPECT_EQ(run["start"], "formed");
  EXPECT_EQ(run["probe_interval_ms"], 5000) << "memberlist's WAN profile";
  EXPECT_EQ(run["gossip_interval_ms"], 500);
  EXPECT_EQ(run["duration_s"], 12.5);
  EXPECT_EQ(run["mode"], "swim");
  EXPECT_EQ(run["timing"], "async");
  EXPECT_FALSE(run.contains("args")) << "set_args() was not called";
  EXPECT_EQ(of_kind(t.events, "round").size(), 2u) << "12.5 s holds two 5 s probe intervals";
}

TEST(SwimTrace, SameSeedGivesByteIdenticalTracesAndAnotherSeedDiffers) {
  SimConfig c = swim_config(16, 7, 60);
  c.crashes = {Crash{3, 15, 40.0}};
  c.loss = 0.05;
  c.duplicate = 0.02;
  c.slow_nodes = {SlowNode{5, 500}};
  const std::string a = traced(c).text;
  EXPECT_EQ(a, traced(c).text);
  c.seed = 8;
  EXPECT_NE(a, traced(c).text);
}

TEST(SwimTrace, TracingDoesNotChangeTheRun) {
  SimConfig c = swim_config(16, 12, 60);
  c.crashes = {Crash{3, 15, 40.0}};
  c.loss = 0.05;
  const SwimResult plain = run_swim(c);
  const SwimResult with = traced(c).result;
  EXPECT_EQ(plain.packets, with.packets);
  EXPECT_EQ(plain.events_processed, with.events_processed);
  EXPECT_EQ(plain.dropped_loss, with.dropped_loss);
  EXPECT_EQ(plain.crashes.at(0).all_dead_s, with.crashes.at(0).all_dead_s);
}

TEST(SwimTrace, RunWithMoreMembersThanTheTraceLimitStopsBeforeWritingAnything) {
  const SimConfig c = swim_config(kMaxSwimTraceNodes + 1, 1, 10);
  std::ostringstream out;
  TraceSink sink(out);
  RunOptions o;
  o.trace = &sink;
  const SwimResult r = run_swim(c, o);
  EXPECT_NE(r.error.find("at most 5000 nodes"), std::string::npos) << r.error;
  EXPECT_TRUE(out.str().empty());
}

TEST(SwimTrace, PacketsAreNamedByTheirMemberlistTypeThroughLabelAndCrc) {
  using core::Channel;
  const std::vector<uint8_t> ping = {0, 0x81};
  const std::vector<uint8_t> compound = {7, 2, 0, 1, 0, 1, 2, 2};
  const std::vector<uint8_t> crc_nack = {12, 1, 2, 3, 4, 11, 0x80};
  const std::vector<uint8_t> labelled_crc_ack = {244, 2, 'l', 'b', 12, 1, 2, 3, 4, 2, 0x80};
  EXPECT_EQ(swim_message_type(Channel::kPacket, ping), "ping");
  EXPECT_EQ(swim_message_type(Channel::kPacket, compound), "compound");
  EXPECT_EQ(swim_message_type(Channel::kPacket, crc_nack), "nack");
  EXPECT_EQ(swim_message_type(Channel::kPacket, labelled_crc_ack), "ack");
  EXPECT_EQ(swim_message_type(Channel::kPacket, std::vector<uint8_t>{99}), "unknown");
  EXPECT_EQ(swim_message_type(Channel::kPacket, std::vector<uint8_t>{244, 9}), "unknown");
  EXPECT_EQ(swim_message_type(Channel::kStreamOpen, ping), "stream");
  EXPECT_EQ(swim_message_type(Channel::kStreamReply, ping), "stream-reply");
}

TEST(TraceSink, EveryProtocolsRunLineNamesItAndCarriesTheArgsOnceSet) {
  std::ostringstream out;
  TraceSink sink(out);
  RunOptions o;
  o.trace = &sink;

  SimConfig g;
  g.nodes = 30;
  ASSERT_TRUE(g.validate().is_ok()) << g.validate().message();
  run_gossip(g, core::GossipMode::kPushPull, o);
  sink.set_args({"--nodes", "30", "--note", "a \"quoted\" word"});
  SimConfig h;
  h.protocol = Protocol::kHeartbeat;
  h.nodes = 8;
  h.max_rounds = 20;
  ASSERT_TRUE(h.validate().is_ok()) << h.validate().message();
  run_heartbeat(h, core::GossipMode::kPushPull, o);
  const SimConfig s = swim_config(6, 1, 3);
  ASSERT_TRUE(s.validate().is_ok()) << s.validate().message();
  run_swim(s, o);

  std::vector<json> runs;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) {
    const json e = json::parse(line);
    if (e["ev"] == "run") runs.push_back(e);
  }
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0]["protocol"], "gossip");
  EXPECT_EQ(runs[0]["mode"], "push-pull");
  EXPECT_EQ(runs[0]["nodes"], 30);
  EXPECT_FALSE(runs[0].contains("args"));
  EXPECT_EQ(runs[1]["protocol"], "heartbeat");
  EXPECT_EQ(runs[1]["nodes"], 8);
  EXPECT_EQ(runs[1]["detector"], "threshold");
  EXPECT_EQ(runs[2]["protocol"], "swim");
  const json args = {"--nodes", "30", "--note", "a \"quoted\" word"};
  EXPECT_EQ(runs[1]["args"], args);
  EXPECT_EQ(runs[2]["args"], args);
}

}  // namespace
}  // namespace rumor::sim
