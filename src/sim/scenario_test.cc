#include "sim/scenario.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "sim/names.h"
#include "sim/sim_config.h"

namespace rumor::sim {
namespace {

using core::GossipMode;

SimConfig apply_ok(std::string_view json, SimConfig config = {}) {
  Status s = apply_scenario_json(json, config);
  EXPECT_TRUE(s.is_ok()) << s.message();
  return config;
}

std::string apply_error(std::string_view json) {
  SimConfig config;
  Status s = apply_scenario_json(json, config);
  EXPECT_FALSE(s.is_ok()) << "accepted: " << json;
  return s.message();
}

std::string validate_error(const SimConfig& config) {
  Status s = config.validate();
  EXPECT_FALSE(s.is_ok());
  return s.message();
}

// Every field of the schema, none at its default.
constexpr std::string_view kFullScenario = R"({
  "protocol": "gossip",
  "nodes": 500,
  "mode": "rumor",
  "reconcile": "full",
  "fanout": 3,
  "seed": 18446744073709551615,
  "timing": "async",
  "max_rounds": 40,
  "origin": 7,
  "loss": 0.25,
  "duplicate": 0.05,
  "latency": {"dist": "uniform", "min_ms": 5, "max_ms": 50.5},
  "peer_selection": "least-recent",
  "interval_ms": 200,
  "jitter": 0.1,
  "max_message_bytes": 1400,
  "max_entries": 4096,
  "rumor": {"stop": "blind-counter", "k": 4, "max_hot": 16, "antientropy_every": 5},
  "partitions": [
    {"groups": [[0, 1, 2], [{"from": 3, "to": 5}]], "start": 1.5, "heal": 20, "one_way": true},
    {"groups": [[9]], "start": 30}
  ],
  "crashes": [{"node": 3, "at": 2, "restart": 10}, {"node": 4, "at": 6}],
  "slow": [{"node": 7, "delay_ms": 200}]
})";

TEST(Scenario, FullScenarioSetsEveryField) {
  const SimConfig c = apply_ok(kFullScenario);
  EXPECT_EQ(c.protocol, Protocol::kGossip);
  EXPECT_EQ(c.nodes, 500u);
  EXPECT_EQ(c.modes, std::vector<GossipMode>{GossipMode::kRumor});
  EXPECT_EQ(c.gossip.reconcile, core::Reconcile::kFullState);
  EXPECT_EQ(c.gossip.fanout, 3u);
  EXPECT_EQ(c.seed, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(c.timing, Timing::kAsync);
  EXPECT_EQ(c.max_rounds, 40u);
  EXPECT_EQ(c.origin, 7u);
  EXPECT_EQ(c.loss, 0.25);
  EXPECT_EQ(c.duplicate, 0.05);
  EXPECT_EQ(c.latency.dist, LatencyModel::Dist::kUniform);
  EXPECT_EQ(c.latency.a_ms, 5.0);
  EXPECT_EQ(c.latency.b_ms, 50.5);
  EXPECT_EQ(c.peer_selection, core::PeerSelection::kLeastRecentlyContacted);
  EXPECT_EQ(c.gossip.interval, Duration::millis(200));
  EXPECT_EQ(c.gossip.jitter, 0.1);
  EXPECT_EQ(c.gossip.max_message_bytes, 1400u);
  EXPECT_EQ(c.gossip.max_entries, 4096u);
  EXPECT_FALSE(c.gossip.rumor_stop.feedback);
  EXPECT_FALSE(c.gossip.rumor_stop.coin);
  EXPECT_EQ(c.gossip.rumor_k, 4u);
  EXPECT_EQ(c.gossip.max_hot_rumors, 16u);
  EXPECT_EQ(c.gossip.antientropy_every, 5u);

  ASSERT_EQ(c.partitions.size(), 2u);
  const Partition& p = c.partitions[0];
  EXPECT_EQ(p.groups, (std::vector<std::vector<uint32_t>>{{0, 1, 2}, {3, 4, 5}}));
  EXPECT_EQ(p.start, 1.5);
  EXPECT_EQ(p.heal, std::optional<double>(20));
  EXPECT_TRUE(p.one_way);
  EXPECT_EQ(c.partitions[1].groups, (std::vector<std::vector<uint32_t>>{{9}}));
  EXPECT_EQ(c.partitions[1].start, 30);
  EXPECT_FALSE(c.partitions[1].heal.has_value());
  EXPECT_FALSE(c.partitions[1].one_way);

  ASSERT_EQ(c.crashes.size(), 2u);
  EXPECT_EQ(c.crashes[0].node, 3u);
  EXPECT_EQ(c.crashes[0].at, 2);
  EXPECT_EQ(c.crashes[0].restart, std::optional<double>(10));
  EXPECT_EQ(c.crashes[1].node, 4u);
  EXPECT_FALSE(c.crashes[1].restart.has_value());
  ASSERT_EQ(c.slow_nodes.size(), 1u);
  EXPECT_EQ(c.slow_nodes[0].node, 7u);
  EXPECT_EQ(c.slow_nodes[0].delay_ms, 200);

  EXPECT_TRUE(c.validate().is_ok()) << c.validate().message();
}

TEST(Scenario, FieldsItDoesNotNameKeepTheirCurrentValues) {
  SimConfig flags;
  flags.nodes = 64;
  flags.seed = 99;
  flags.gossip.fanout = 2;
  flags.loss = 0.3;
  const SimConfig c = apply_ok(R"({"fanout": 4, "rumor": {"k": 3}})", flags);
  EXPECT_EQ(c.nodes, 64u);
  EXPECT_EQ(c.seed, 99u);
  EXPECT_EQ(c.loss, 0.3);
  EXPECT_EQ(c.gossip.fanout, 4u);
  EXPECT_EQ(c.gossip.rumor_k, 3u);
  // A partial "rumor" object leaves its other fields alone.
  EXPECT_EQ(c.gossip.max_hot_rumors, SimConfig{}.gossip.max_hot_rumors);
  EXPECT_TRUE(c.gossip.rumor_stop.feedback);
}

TEST(Scenario, ListsReplaceTheListsAlreadyInTheConfig) {
  SimConfig flags;
  flags.crashes = {Crash{1, 1, std::nullopt}, Crash{2, 1, std::nullopt}};
  flags.slow_nodes = {SlowNode{5, 10}};
  const SimConfig c = apply_ok(R"({"crashes": [{"node": 9, "at": 0.5}], "slow": []})", flags);
  ASSERT_EQ(c.crashes.size(), 1u);
  EXPECT_EQ(c.crashes[0].node, 9u);
  EXPECT_EQ(c.crashes[0].at, 0.5);
  EXPECT_TRUE(c.slow_nodes.empty());
}

TEST(Scenario, DoesNotValidateSoFlagsAppliedLaterCanFixValues) {
  SimConfig c = apply_ok(R"({"nodes": 1, "loss": 3})");
  EXPECT_EQ(c.nodes, 1u);
  EXPECT_EQ(c.loss, 3.0);
  EXPECT_FALSE(c.validate().is_ok());
}

TEST(Scenario, CompareSetsSeveralModesInOrder) {
  const SimConfig c = apply_ok(R"({"compare": ["push", "pull", "push-pull", "direct-mail"]})");
  EXPECT_EQ(c.modes, (std::vector<GossipMode>{GossipMode::kPush, GossipMode::kPull,
                                              GossipMode::kPushPull, GossipMode::kDirectMail}));
}

TEST(Scenario, GroupRangesExpandInclusivelyAndMixWithIndices) {
  const SimConfig c = apply_ok(
      R"({"partitions": [{"groups": [[0, 1, 2, {"from": 3, "to": 9}], [{"from": 20, "to": 20}, 12]]}]})");
  ASSERT_EQ(c.partitions.size(), 1u);
  EXPECT_EQ(c.partitions[0].groups,
            (std::vector<std::vector<uint32_t>>{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {20, 12}}));
  EXPECT_EQ(c.partitions[0].start, 0);
  EXPECT_FALSE(c.partitions[0].heal.has_value());
}

TEST(Scenario, HealAndRestartMayBeNullForNever) {
  const SimConfig c = apply_ok(
      R"({"partitions": [{"groups": [[0]], "heal": null}],
          "crashes": [{"node": 1, "at": 2, "restart": null}]})");
  EXPECT_FALSE(c.partitions[0].heal.has_value());
  EXPECT_FALSE(c.crashes[0].restart.has_value());
}

TEST(Scenario, EachLatencyFormReplacesTheWholeModel) {
  using Dist = LatencyModel::Dist;
  SimConfig c = apply_ok(R"({"latency": {"dist": "constant", "ms": 10}})");
  EXPECT_EQ(c.latency.dist, Dist::kConstant);
  EXPECT_EQ(c.latency.a_ms, 10);
  c = apply_ok(R"({"latency": {"dist": "normal", "mean_ms": 20, "stddev_ms": 5}})");
  EXPECT_EQ(c.latency.dist, Dist::kNormal);
  EXPECT_EQ(c.latency.a_ms, 20);
  EXPECT_EQ(c.latency.b_ms, 5);
  // The second parameter of an earlier model does not survive a one-parameter one.
  c = apply_ok(R"({"latency": {"dist": "exponential", "mean_ms": 30}})", c);
  EXPECT_EQ(c.latency.dist, Dist::kExponential);
  EXPECT_EQ(c.latency.a_ms, 30);
  EXPECT_EQ(c.latency.b_ms, 0);
}

TEST(Scenario, IntegersWrittenAsFloatsAreAccepted) {
  const SimConfig c = apply_ok(R"({"nodes": 1e3, "fanout": 2.0})");
  EXPECT_EQ(c.nodes, 1000u);
  EXPECT_EQ(c.gossip.fanout, 2u);
}

TEST(Scenario, CommentsAreAllowed) {
  const SimConfig c = apply_ok("{\n  // a small world\n  \"nodes\": 10 /* ten */\n}");
  EXPECT_EQ(c.nodes, 10u);
}

TEST(Scenario, InvalidJsonNamesLineAndColumn) {
  EXPECT_EQ(apply_error("{\n  \"nodes\": 10,\n  \"fanout\": ,\n}"),
            "scenario: invalid JSON at line 3, column 13: syntax error while parsing value - "
            "unexpected ','; expected '[', '{', or a literal");
  EXPECT_EQ(apply_error("{\"nodes\": 10"),
            "scenario: invalid JSON at line 1, column 13: syntax error while parsing object - "
            "unexpected end of input; expected '}'");
  EXPECT_EQ(apply_error(""),
            "scenario: invalid JSON at line 1, column 1: syntax error while parsing value - "
            "unexpected end of input; expected '[', '{', or a literal");
}

TEST(Scenario, TopLevelMustBeAnObject) {
  EXPECT_EQ(apply_error("[1, 2]"), "scenario: expected a JSON object at the top level, got array");
}

TEST(Scenario, UnknownFieldNamesItsPathAndTheKnownFields) {
  EXPECT_EQ(apply_error(R"({"nodes": 10, "fanot": 2})"),
            "scenario: unknown field 'fanot' (known: protocol, nodes, mode, compare, reconcile, "
            "fanout, seed, timing, max_rounds, origin, loss, duplicate, latency, peer_selection, "
            "interval_ms, jitter, max_message_bytes, max_entries, rumor, partitions, crashes, "
            "slow, detector, leaves, swim)");
  EXPECT_EQ(apply_error(R"({"rumor": {"kk": 2}})"),
            "scenario: unknown field 'rumor.kk' (known: stop, k, max_hot, antientropy_every)");
  EXPECT_EQ(apply_error(R"({"partitions": [{"groups": [[0]]}, {"groups": [[1]], "stat": 3}]})"),
            "scenario: unknown field 'partitions[1].stat' (known: groups, start, heal, one_way)");
  EXPECT_EQ(apply_error(R"({"latency": {"dist": "constant", "min_ms": 5}})"),
            "scenario: unknown field 'latency.min_ms' (known for dist 'constant': dist, ms)");
}

TEST(Scenario, WrongTypeNamesTheFieldAndBothTypes) {
  EXPECT_EQ(apply_error(R"({"fanout": "1"})"), "scenario: fanout: expected an integer, got string");
  EXPECT_EQ(apply_error(R"({"fanout": 1.5})"), "scenario: fanout: expected an integer, got 1.5");
  EXPECT_EQ(apply_error(R"({"loss": "10%"})"), "scenario: loss: expected a number, got string");
  EXPECT_EQ(apply_error(R"({"mode": 1})"), "scenario: mode: expected a string, got number");
  EXPECT_EQ(apply_error(R"({"partitions": {"groups": []}})"),
            "scenario: partitions: expected an array, got object");
  EXPECT_EQ(apply_error(R"({"partitions": [{"groups": [[0]], "one_way": 1}]})"),
            "scenario: partitions[0].one_way: expected a boolean (true or false), got number");
  EXPECT_EQ(apply_error(R"({"partitions": [{"groups": [[0, "1"]]}]})"),
            "scenario: partitions[0].groups[0][1]: expected a node index or a {\"from\", \"to\"} "
            "range, got string");
  EXPECT_EQ(apply_error(R"({"rumor": [1]})"), "scenario: rumor: expected an object, got array");
}

TEST(Scenario, NegativeNumberForUnsignedFieldIsRejected) {
  EXPECT_EQ(apply_error(R"({"nodes": -5})"), "scenario: nodes: must not be negative, got -5");
  EXPECT_EQ(apply_error(R"({"crashes": [{"node": -1, "at": 0}]})"),
            "scenario: crashes[0].node: must not be negative, got -1");
  EXPECT_EQ(apply_error(R"({"seed": -2e3})"), "scenario: seed: must not be negative, got -2000.0");
}

TEST(Scenario, NumberTooLargeForItsFieldIsRejected) {
  EXPECT_EQ(apply_error(R"({"nodes": 5000000000})"),
            "scenario: nodes: must be at most 4294967295, got 5000000000");
  EXPECT_EQ(apply_error(R"({"seed": 18446744073709551616})"),
            "scenario: seed: must be at most 18446744073709551615, got 1.8446744073709552e+19");
  EXPECT_EQ(apply_error(R"({"slow": [{"node": 4294967296, "delay_ms": 1}]})"),
            "scenario: slow[0].node: must be at most 4294967295, got 4294967296");
}

TEST(Scenario, UnknownEnumNameListsTheAllowedNames) {
  EXPECT_EQ(apply_error(R"({"mode": "pushpull"})"),
            "scenario: mode: unknown 'pushpull' (allowed: push, pull, push-pull, rumor, "
            "direct-mail)");
  EXPECT_EQ(apply_error(R"({"compare": ["push", "gossip"]})"),
            "scenario: compare[1]: unknown 'gossip' (allowed: push, pull, push-pull, rumor, "
            "direct-mail)");
  EXPECT_EQ(apply_error(R"({"timing": "sync"})"),
            "scenario: timing: unknown 'sync' (allowed: rounds, async)");
  EXPECT_EQ(apply_error(R"({"protocol": "paxos"})"),
            "scenario: protocol: unknown 'paxos' (allowed: gossip, heartbeat, swim)");
  EXPECT_EQ(apply_error(R"({"reconcile": "merkle"})"),
            "scenario: reconcile: unknown 'merkle' (allowed: digest, full)");
  EXPECT_EQ(apply_error(R"({"peer_selection": "random"})"),
            "scenario: peer_selection: unknown 'random' (allowed: uniform, least-recent)");
  EXPECT_EQ(apply_error(R"({"rumor": {"stop": "coin"}})"),
            "scenario: rumor.stop: unknown 'coin' (allowed: feedback-coin, feedback-counter, "
            "blind-coin, blind-counter)");
  EXPECT_EQ(apply_error(R"({"latency": {"dist": "gamma"}})"),
            "scenario: latency.dist: unknown 'gamma' (allowed: constant, uniform, normal, "
            "exponential)");
}

TEST(Scenario, ModeAndCompareTogetherIsAnError) {
  EXPECT_EQ(apply_error(R"({"mode": "push", "compare": ["pull"]})"),
            "scenario: give either 'mode' (one mode) or 'compare' (several), not both");
  EXPECT_EQ(apply_error(R"({"compare": []})"), "scenario: compare: must list at least one mode");
}

TEST(Scenario, MissingRequiredFieldsAreNamed) {
  EXPECT_EQ(apply_error(R"({"latency": {"dist": "uniform", "min_ms": 5}})"),
            "scenario: latency.max_ms: required for dist 'uniform'");
  EXPECT_EQ(apply_error(R"({"latency": {"ms": 5}})"),
            "scenario: latency.dist: required (constant, uniform, normal or exponential)");
  EXPECT_EQ(apply_error(R"({"partitions": [{"start": 1}]})"),
            "scenario: partitions[0].groups: required");
  EXPECT_EQ(apply_error(R"({"crashes": [{"node": 1}]})"), "scenario: crashes[0].at: required");
  EXPECT_EQ(apply_error(R"({"slow": [{"delay_ms": 1}]})"), "scenario: slow[0].node: required");
  EXPECT_EQ(apply_error(R"({"partitions": [{"groups": [[{"from": 1}]]}]})"),
            "scenario: partitions[0].groups[0][0].to: required");
}

TEST(Scenario, RangeWithFromAfterToIsRejected) {
  EXPECT_EQ(apply_error(R"({"partitions": [{"groups": [[0], [{"from": 9, "to": 3}]]}]})"),
            "scenario: partitions[0].groups[1][0]: from (9) is after to (3); a range is from..to "
            "inclusive");
}

TEST(Scenario, HugeRangeIsRejectedWithoutExpandingIt) {
  EXPECT_EQ(apply_error(R"({"partitions": [{"groups": [[{"from": 0, "to": 4294967295}]]}]})"),
            "scenario: partitions[0].groups[0]: the partition lists more than 10000000 nodes");
}

TEST(Scenario, DuplicateFieldIsAnErrorNamingItsPath) {
  EXPECT_EQ(apply_error(R"({"loss": 0.1, "nodes": 10, "loss": 0.2})"),
            "scenario: field 'loss' appears twice");
  EXPECT_EQ(apply_error(R"({"partitions": [{"groups": [[0]]}, {"groups": [[1]], "start": 1,
                                                                "start": 2}]})"),
            "scenario: field 'partitions[1].start' appears twice");
}

TEST(Scenario, EveryTruncationOfAScenarioFailsCleanly) {
  // Cut anywhere, the text is never valid JSON; the parser must say so, not throw or crash.
  for (size_t len = 0; len < kFullScenario.size(); ++len) {
    SimConfig c;
    Status s = Status::ok();
    EXPECT_NO_THROW(s = apply_scenario_json(kFullScenario.substr(0, len), c));
    EXPECT_FALSE(s.is_ok()) << "prefix of " << len << " bytes was accepted";
  }
}

TEST(Scenario, SamplePartitionHealScenarioParsesAndValidates) {
  const std::string path = std::string(RUMOR_SOURCE_DIR) + "/docs/scenarios/partition-heal.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot open " << path;
  std::stringstream text;
  text << in.rdbuf();
  const SimConfig c = apply_ok(text.str());
  EXPECT_TRUE(c.validate().is_ok()) << c.validate().message();
  EXPECT_EQ(c.nodes, 1000u);
  EXPECT_EQ(c.modes, std::vector<GossipMode>{GossipMode::kPushPull});
  EXPECT_EQ(c.loss, 0.1);
  ASSERT_EQ(c.partitions.size(), 1u);
  ASSERT_EQ(c.partitions[0].groups.size(), 1u);
  EXPECT_EQ(c.partitions[0].groups[0].size(), 500u);
  EXPECT_EQ(c.partitions[0].groups[0].back(), 499u);
  EXPECT_EQ(c.partitions[0].start, 2);
  EXPECT_EQ(c.partitions[0].heal, std::optional<double>(12));
  EXPECT_EQ(c.crashes.size(), 1u);
}

TEST(RumorStopName, EveryRuleRoundTrips) {
  for (std::string_view name :
       {"feedback-coin", "feedback-counter", "blind-coin", "blind-counter"}) {
    core::RumorStop stop{};
    ASSERT_TRUE(parse_rumor_stop(name, stop).is_ok()) << name;
    EXPECT_EQ(rumor_stop_name(stop), name);
  }
  core::RumorStop stop{};
  ASSERT_TRUE(parse_rumor_stop("blind-coin", stop).is_ok());
  EXPECT_FALSE(stop.feedback);
  EXPECT_TRUE(stop.coin);
}

TEST(RumorStopName, UnknownNameListsTheRulesAndLeavesTheValueAlone) {
  core::RumorStop stop{false, false};
  const Status s = parse_rumor_stop("feedback", stop);
  EXPECT_EQ(s.message(),
            "unknown 'feedback' (allowed: feedback-coin, feedback-counter, blind-coin, "
            "blind-counter)");
  EXPECT_FALSE(stop.feedback);
  EXPECT_FALSE(stop.coin);
}

TEST(LatencyFlag, AcceptsEachDocumentedForm) {
  using Dist = LatencyModel::Dist;
  struct Case {
    std::string_view flag;
    Dist dist;
    double a_ms;
    double b_ms;
  };
  for (const Case& c :
       {Case{"const:10", Dist::kConstant, 10, 0}, Case{"constant:2.5", Dist::kConstant, 2.5, 0},
        Case{"uniform:5:50", Dist::kUniform, 5, 50}, Case{"normal:20:5", Dist::kNormal, 20, 5},
        Case{"exp:20", Dist::kExponential, 20, 0},
        Case{"exponential:0.5", Dist::kExponential, 0.5, 0}}) {
    const Result<LatencyModel> r = parse_latency_flag(c.flag);
    ASSERT_TRUE(r.is_ok()) << c.flag << ": " << r.message();
    EXPECT_EQ(r->dist, c.dist) << c.flag;
    EXPECT_EQ(r->a_ms, c.a_ms) << c.flag;
    EXPECT_EQ(r->b_ms, c.b_ms) << c.flag;
  }
}

TEST(LatencyFlag, RejectsMalformedFormsSayingWhatIsExpected) {
  const std::string allowed =
      " (allowed: const:MS, uniform:MIN:MAX, normal:MEAN:STDDEV, exp:MEAN; in milliseconds)";
  EXPECT_EQ(parse_latency_flag("").message(), "unknown latency ''" + allowed);
  EXPECT_EQ(parse_latency_flag("gamma:1").message(), "unknown latency 'gamma:1'" + allowed);
  EXPECT_EQ(parse_latency_flag("10").message(), "unknown latency '10'" + allowed);
  EXPECT_EQ(parse_latency_flag("const").message(), "'const' needs 1 number (const:MS), got 0");
  EXPECT_EQ(parse_latency_flag("uniform:5").message(),
            "'uniform:5' needs 2 numbers (uniform:MIN:MAX), got 1");
  EXPECT_EQ(parse_latency_flag("normal:1:2:3").message(),
            "'normal:1:2:3' needs 2 numbers (normal:MEAN:STDDEV), got 3");
  EXPECT_EQ(parse_latency_flag("const:10ms").message(),
            "'const:10ms': '10ms' is not a number of milliseconds (const:MS)");
  EXPECT_EQ(parse_latency_flag("exp:").message(),
            "'exp:': '' is not a number of milliseconds (exp:MEAN)");
  EXPECT_EQ(parse_latency_flag("uniform:5:inf").message(),
            "'uniform:5:inf': 'inf' is not a number of milliseconds (uniform:MIN:MAX)");
}

TEST(SimNames, EveryNameRoundTripsAndOthersAreRejected) {
  for (Timing t : {Timing::kRounds, Timing::kAsync})
    EXPECT_EQ(parse_timing(timing_name(t)), t);
  for (Protocol p : {Protocol::kGossip, Protocol::kHeartbeat, Protocol::kSwim}) {
    EXPECT_EQ(parse_protocol(protocol_name(p)), p);
  }
  for (auto d : {LatencyModel::Dist::kConstant, LatencyModel::Dist::kUniform,
                 LatencyModel::Dist::kNormal, LatencyModel::Dist::kExponential}) {
    EXPECT_EQ(parse_latency_dist(latency_dist_name(d)), d);
  }
  for (auto p : {core::PeerSelection::kUniform, core::PeerSelection::kLeastRecentlyContacted}) {
    EXPECT_EQ(parse_peer_selection(core::peer_selection_name(p)), p);
  }
  EXPECT_EQ(timing_name(Timing::kAsync), "async");
  EXPECT_EQ(protocol_name(Protocol::kHeartbeat), "heartbeat");
  EXPECT_FALSE(parse_timing("Rounds").has_value());
  EXPECT_FALSE(parse_protocol("").has_value());
  EXPECT_FALSE(parse_latency_dist("const").has_value());
  EXPECT_FALSE(parse_peer_selection("least-recently-contacted").has_value());
}

// A valid 1000-node world to break one field at a time.
SimConfig valid_config() {
  SimConfig c;
  c.nodes = 1000;
  return c;
}

TEST(SimConfigValidate, DefaultConfigIsValid) {
  EXPECT_TRUE(SimConfig{}.validate().is_ok()) << SimConfig{}.validate().message();
}

TEST(SimConfigValidate, NodesMustBeInRange) {
  SimConfig c = valid_config();
  c.nodes = 1;
  EXPECT_EQ(validate_error(c), "nodes: must be in 2..10000000, got 1");
  c.nodes = 10'000'001;
  EXPECT_EQ(validate_error(c), "nodes: must be in 2..10000000, got 10000001");
}

TEST(SimConfigValidate, ModesMustBeNonEmptyAndDistinct) {
  SimConfig c = valid_config();
  c.modes = {};
  EXPECT_EQ(validate_error(c), "modes: must name at least one gossip mode");
  c.modes = {GossipMode::kPush, GossipMode::kPull, GossipMode::kPush};
  EXPECT_EQ(validate_error(c), "modes: push is listed twice");
}

TEST(SimConfigValidate, InvalidGossipConfigIsReportedInItsOwnWords) {
  SimConfig c = valid_config();
  c.gossip.fanout = 0;
  EXPECT_EQ(validate_error(c), "fanout: must be in 1..64, got 0");
  c = valid_config();
  c.gossip.rumor_k = 100;
  EXPECT_EQ(validate_error(c), "rumor_k: must be in 1..64, got 100");
}

TEST(SimConfigValidate, LeastRecentSelectionIsLimitedToSmallWorlds) {
  SimConfig c = valid_config();
  c.peer_selection = core::PeerSelection::kLeastRecentlyContacted;
  EXPECT_TRUE(c.validate().is_ok());
  c.nodes = 5001;
  EXPECT_EQ(validate_error(c),
            "peer_selection: least-recent keeps nodes*nodes contact times, so it allows at most "
            "5000 nodes, got 5001; use uniform");
}

TEST(SimConfigValidate, MaxRoundsMustBeInRange) {
  SimConfig c = valid_config();
  c.max_rounds = 2'000'000;
  EXPECT_EQ(validate_error(c), "max_rounds: must be in 0..1000000, got 2000000");
}

TEST(SimConfigValidate, OriginMustBeANode) {
  SimConfig c = valid_config();
  c.origin = 999;
  EXPECT_TRUE(c.validate().is_ok());
  c.origin = 5000;
  EXPECT_EQ(validate_error(c), "origin: must be in 0..999, got 5000");
}

TEST(SimConfigValidate, LossAndDuplicateMustBeProbabilitiesBelowOne) {
  SimConfig c = valid_config();
  c.loss = 0.99;
  EXPECT_TRUE(c.validate().is_ok());
  c.loss = 1.5;
  EXPECT_EQ(validate_error(c), "loss: must be in 0..0.99, got 1.5");
  c.loss = std::nan("");
  EXPECT_EQ(validate_error(c), "loss: must be in 0..0.99, got nan");
  c = valid_config();
  c.duplicate = -0.1;
  EXPECT_EQ(validate_error(c), "duplicate: must be in 0..0.99, got -0.1");
}

TEST(SimConfigValidate, LatencyParametersMustBeInRangeAndOrdered) {
  SimConfig c = valid_config();
  c.latency = {LatencyModel::Dist::kConstant, -1, 0};
  EXPECT_EQ(validate_error(c), "latency.ms: must be in 0..3600000, got -1");
  c.latency = {LatencyModel::Dist::kUniform, 50, 5};
  EXPECT_EQ(validate_error(c), "latency.max_ms: must be >= min_ms (50), got 5");
  c.latency = {LatencyModel::Dist::kNormal, 20, 4e6};
  EXPECT_EQ(validate_error(c), "latency.stddev_ms: must be in 0..3600000, got 4000000");
  c.latency = {LatencyModel::Dist::kExponential, 20, -7};  // b is unused by exponential
  EXPECT_TRUE(c.validate().is_ok());
}

Partition cut(std::vector<std::vector<uint32_t>> groups, double start = 0,
              std::optional<double> heal = std::nullopt) {
  Partition p;
  p.groups = std::move(groups);
  p.start = start;
  p.heal = heal;
  return p;
}

TEST(SimConfigValidate, PartitionNodesMustBeInRange) {
  SimConfig c = valid_config();
  c.partitions = {cut({{0, 1}, {2, 1000}})};
  EXPECT_EQ(validate_error(c), "partitions[0].groups[1]: node must be in 0..999, got 1000");
}

TEST(SimConfigValidate, PartitionMustHealAfterItStarts) {
  SimConfig c = valid_config();
  c.partitions = {cut({{0}}, 5, 3)};
  EXPECT_EQ(validate_error(c), "partitions[0].heal: must be after start (5), got 3");
  c.partitions = {cut({{0}}, 5, 5)};
  EXPECT_EQ(validate_error(c), "partitions[0].heal: must be after start (5), got 5");
  c.partitions = {cut({{0}}, -1)};
  EXPECT_EQ(validate_error(c), "partitions[0].start: must be in 0..1000000, got -1");
  c.partitions = {cut({{0}}, 5, 5.5)};
  EXPECT_TRUE(c.validate().is_ok());
}

TEST(SimConfigValidate, GroupsMustNotOverlap) {
  SimConfig c = valid_config();
  c.partitions = {cut({{0, 1}}), cut({{1, 7, 3}, {4, 5}, {6, 7}})};
  EXPECT_EQ(validate_error(c),
            "partitions[1].groups: node 7 is in two groups (groups[0] and groups[2])");
  // The same node twice in one group (overlapping ranges, say) cuts nothing new.
  c.partitions = {cut({{1, 2, 2}, {3}})};
  EXPECT_TRUE(c.validate().is_ok());
}

TEST(SimConfigValidate, PartitionMustCutSomething) {
  SimConfig c = valid_config();
  c.nodes = 3;
  c.partitions = {cut({})};
  EXPECT_EQ(validate_error(c), "partitions[0].groups: must list at least one group");
  c.partitions = {cut({{0}, {}})};
  EXPECT_EQ(validate_error(c), "partitions[0].groups[1]: must not be empty");
  c.partitions = {cut({{0, 1, 2}})};
  EXPECT_EQ(validate_error(c),
            "partitions[0].groups: the only group holds every node, so nothing is cut; list two "
            "groups or leave some nodes out (they form the other group)");
  c.partitions = {cut({{0, 1}})};  // node 2 forms the other group
  EXPECT_TRUE(c.validate().is_ok());
}

TEST(SimConfigValidate, CrashedNodeMustBeInRangeAndRestartAfterTheCrash) {
  SimConfig c = valid_config();
  c.crashes = {Crash{0, 1, 2}, Crash{1, 1, std::nullopt}, Crash{1000, 1, std::nullopt}};
  EXPECT_EQ(validate_error(c), "crashes[2].node: must be in 0..999, got 1000");
  c.crashes = {Crash{3, 5, 2}};
  EXPECT_EQ(validate_error(c), "crashes[0].restart: must be after at (5), got 2");
  c.crashes = {Crash{3, 1e7, std::nullopt}};
  EXPECT_EQ(validate_error(c), "crashes[0].at: must be in 0..1000000, got 10000000");
}

TEST(SimConfigValidate, CrashesOfOneNodeMustNotOverlap) {
  SimConfig c = valid_config();
  c.crashes = {Crash{3, 2, 10}, Crash{4, 5, std::nullopt}, Crash{3, 10.5, 12}};
  EXPECT_TRUE(c.validate().is_ok());
  c.crashes.push_back(Crash{3, 6, 7});
  EXPECT_EQ(validate_error(c),
            "crashes[3]: overlaps crashes[0] (node 3 is down from 2 until 10); the crashes of one "
            "node must not overlap");
  c.crashes = {Crash{4, 5, std::nullopt}, Crash{4, 50, 60}};
  EXPECT_EQ(validate_error(c),
            "crashes[1]: overlaps crashes[0] (node 4 is down from 5, never restarted); the "
            "crashes of one node must not overlap");
}

TEST(SimConfigValidate, SlowNodesMustBeInRangeAndListedOnce) {
  SimConfig c = valid_config();
  c.slow_nodes = {SlowNode{1000, 5}};
  EXPECT_EQ(validate_error(c), "slow[0].node: must be in 0..999, got 1000");
  c.slow_nodes = {SlowNode{7, 5}, SlowNode{7, 6}};
  EXPECT_EQ(validate_error(c), "slow[1].node: node 7 is already slow (slow[0])");
  c.slow_nodes = {SlowNode{7, -5}};
  EXPECT_EQ(validate_error(c), "slow[0].delay_ms: must be in 0..3600000, got -5");
}

TEST(Scenario, DetectorAndLeavesSetTheHeartbeatFields) {
  SimConfig c;
  ASSERT_TRUE(apply_scenario_json(R"({"protocol": "heartbeat", "detector": {"kind": "phi",
      "phi_threshold": 12, "phi_window": 200, "min_std_dev_ms": 50, "phi_dead_after_ms": 4000,
      "suspect_after": 6, "dead_after": 2}, "leaves": [{"node": 3, "at": 20}]})",
                                  c)
                  .is_ok());
  EXPECT_EQ(c.detector.kind, core::detect::DetectorConfig::Kind::kPhi);
  EXPECT_DOUBLE_EQ(c.detector.phi.threshold, 12);
  EXPECT_EQ(c.detector.phi.window, 200u);
  EXPECT_EQ(c.detector.phi.min_std_dev, Duration::millis(50));
  EXPECT_EQ(c.detector.phi.dead_after, Duration::millis(4000));
  EXPECT_EQ(c.detector.threshold.suspect_after, 6u);
  EXPECT_EQ(c.detector.threshold.dead_after, 2u);
  ASSERT_EQ(c.leaves.size(), 1u);
  EXPECT_EQ(c.leaves[0].node, 3u);
  EXPECT_TRUE(c.validate().is_ok()) << c.validate().message();
}

TEST(Scenario, UnknownDetectorKindNamesTheAllowedKinds) {
  EXPECT_EQ(apply_error(R"({"detector": {"kind": "gut"}})"),
            "scenario: detector.kind: unknown 'gut' (allowed: threshold, phi)");
}

TEST(SimConfigValidate, HeartbeatRejectsRumorModeAndHugeClusters) {
  SimConfig c;
  c.protocol = Protocol::kHeartbeat;
  c.modes = {core::GossipMode::kRumor};
  EXPECT_EQ(
      c.validate().message(),
      "mode: the heartbeat protocol runs on anti-entropy (push, pull or push-pull), got rumor");
  c.modes = {core::GossipMode::kPushPull};
  c.nodes = 6000;
  EXPECT_EQ(c.validate().message(),
            "nodes: the heartbeat protocol keeps every member at every node, so it allows at most "
            "5000 nodes, got 6000");
}

TEST(SimConfigValidate, LeavesNeedTheHeartbeatProtocolAndANodeInRange) {
  SimConfig c;
  c.leaves = {Leave{3, 10}};
  EXPECT_EQ(c.validate().message(), "leaves: only the heartbeat and swim protocols have leaves");
  c.protocol = Protocol::kHeartbeat;
  c.leaves = {Leave{5000, 10}};
  EXPECT_EQ(c.validate().message(), "leaves[0].node: must be in 0..999, got 5000");
}

}  // namespace
}  // namespace rumor::sim
