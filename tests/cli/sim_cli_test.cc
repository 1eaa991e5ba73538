// `rumor sim` as a user meets it: the real binary (RUMOR_BIN) run as a child process, its
// stdout, stderr and exit status captured separately (sim_command.h, main.cc).
//
// The contract checked here: bad input (a flag, a scenario file, the combination) exits 2 with
// exactly one line on stderr naming the flag or field and nothing on stdout, and writes no
// files; a good run exits 0, prints the documented JSON Lines report (report.h), writes the SVG
// plot and the JSON Lines trace (trace.h) on request, and the same command gives byte-identical
// output every time. Every run is a deterministic simulation, so a failure names the command
// line that replays it.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/run_command.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using Output = rumor::testing_support::CommandOutput;

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

// "rumor sim --nodes 200 ...": what replays a run, for failure messages.
std::string command_line(const std::vector<std::string>& args) {
  std::string s = "rumor";
  for (const std::string& a : args)
    s += " " + a;
  return s;
}

class SimCli : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "rumor_sim_cli_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << "mkdtemp under " << testing::TempDir();
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  // Runs `rumor args...`; its output goes to files in the temporary directory.
  Output run(const std::vector<std::string>& args) {
    return rumor::testing_support::run_command(RUMOR_BIN, args, dir_);
  }

  // A good run: exit 0, nothing on stderr.
  Output run_ok(const std::vector<std::string>& args) {
    Output o = run(args);
    EXPECT_EQ(o.status, 0) << command_line(args) << "\nstderr: " << o.err;
    EXPECT_EQ(o.err, "") << command_line(args);
    return o;
  }

  // Parses stdout as JSON Lines; every line must be an object.
  std::vector<json> json_lines(const Output& o, const std::vector<std::string>& args) {
    std::vector<json> objects;
    for (const std::string& line : lines_of(o.out)) {
      json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
      EXPECT_TRUE(j.is_object()) << command_line(args) << "\nnot a JSON object: " << line;
      objects.push_back(std::move(j));
    }
    return objects;
  }

  fs::path dir_;
};

// ---------------------------------------------------------------------------------------------
// Bad input.

struct BadInput {
  std::string name;
  std::vector<std::string> args;      // after "sim"; "{dir}" is the test's temporary directory,
                                      // "{scenario}" the scenario file written from `scenario`
  std::string scenario;               // written to {dir}/scenario.json when not empty
  std::vector<std::string> mentions;  // every one must appear in the stderr line
};

// gtest prints a failing parameter with this instead of its bytes.
void PrintTo(const BadInput& b, std::ostream* os) {
  *os << b.name;
}

class SimCliBadInput : public SimCli, public testing::WithParamInterface<BadInput> {};

std::string substitute(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

TEST_P(SimCliBadInput, ExitsTwoWithOneStderrLineNamingTheProblemAndNothingOnStdout) {
  const BadInput& p = GetParam();
  const fs::path scenario = dir_ / "scenario.json";
  if (!p.scenario.empty()) write_file(scenario, p.scenario);
  std::vector<std::string> args = {"sim"};
  for (const std::string& a : p.args) {
    args.push_back(
        substitute(substitute(a, "{scenario}", scenario.string()), "{dir}", dir_.string()));
  }
  const Output o = run(args);
  SCOPED_TRACE(command_line(args));
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(o.out, "") << "bad input must print nothing on stdout";
  ASSERT_FALSE(o.err.empty());
  EXPECT_EQ(count_of(o.err, "\n"), 1u) << "stderr must be exactly one line:\n" << o.err;
  EXPECT_EQ(o.err.back(), '\n');
  for (const std::string& m : p.mentions) {
    EXPECT_NE(o.err.find(m), std::string::npos)
        << "stderr does not mention '" << m << "': " << o.err;
  }
  // No partial output: nothing but what the test itself wrote appears in the directory.
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "stdout.txt" || name == "stderr.txt" || name == "scenario.json")
        << "bad input left a file behind: " << name;
  }
}

const BadInput kBadInputs[] = {
    // Flags the simulator validates.
    {"FanoutZero", {"--fanout", "0"}, "", {"fanout", "0"}},
    {"FanoutTooLarge", {"--fanout", "65"}, "", {"fanout", "65"}},
    {"NodesOne", {"--nodes", "1"}, "", {"nodes"}},
    {"LossOne", {"--loss", "1.5"}, "", {"loss"}},
    {"DuplicateTooHigh", {"--duplicate", "0.995"}, "", {"duplicate"}},
    {"OriginOutside", {"--nodes", "100", "--origin", "100"}, "", {"origin", "99", "100"}},
    {"RumorKZero", {"--rumor-k", "0"}, "", {"rumor_k"}},
    {"IntervalZero", {"--interval-ms", "0"}, "", {"interval"}},
    {"IntervalHuge", {"--interval-ms", "1e300"}, "", {"interval"}},
    {"JitterTooLarge", {"--jitter", "0.9"}, "", {"jitter"}},
    {"MessageBytesTooSmall", {"--max-message-bytes", "10"}, "", {"max_message_bytes"}},
    // Flags the command parses.
    {"ModeUnknown",
     {"--mode", "pushpull"},
     "",
     {"--mode", "pushpull", "push", "pull", "push-pull", "rumor", "direct-mail"}},
    {"ModeTakesOne", {"--mode", "push,pull"}, "", {"--mode", "--compare"}},
    {"CompareUnknown", {"--compare", "push,bogus"}, "", {"--compare", "bogus", "push-pull"}},
    {"CompareTwice", {"--compare", "push,push"}, "", {"push", "twice"}},
    {"ModeAndCompare", {"--mode", "push", "--compare", "pull,push"}, "", {"--mode", "--compare"}},
    {"FormatXml", {"--format", "xml"}, "", {"--format", "xml", "table", "json", "csv"}},
    {"PlotNotSvg", {"--plot", "{dir}/x.png"}, "", {"--plot", "x.png", ".svg"}},
    {"TimingUnknown", {"--timing", "fast"}, "", {"--timing", "fast", "rounds", "async"}},
    {"ReconcileUnknown", {"--reconcile", "merkle"}, "", {"--reconcile", "digest", "full"}},
    {"LatencyUnknown", {"--latency", "gamma:3"}, "", {"--latency"}},
    {"RumorStopUnknown", {"--rumor-stop", "sometimes"}, "", {"--rumor-stop", "blind-counter"}},
    {"PeerSelectionUnknown", {"--peer-selection", "random"}, "", {"--peer-selection", "uniform"}},
    {"ProtocolUnknown", {"--protocol", "paxos"}, "", {"--protocol", "paxos"}},
    {"TraceUnwritable", {"--trace", "{dir}/no/such/dir/t.jsonl"}, "", {"--trace"}},
    {"ListenWithoutUi", {"--listen", "127.0.0.1:0"}, "", {"--listen", "--ui"}},
    {"UiListenMalformed", {"--ui", "--listen", "8947"}, "", {"--listen", "HOST:PORT"}},
    // Flags CLI11 rejects before the command runs.
    {"UnknownFlag", {"--bogus"}, "", {"--bogus"}},
    {"NodesNotANumber", {"--nodes", "abc"}, "", {"--nodes", "abc"}},
    {"FanoutNegative", {"--fanout", "-1"}, "", {"--fanout"}},
    {"FanoutMissingValue", {"--fanout"}, "", {"--fanout"}},
    {"SeedsZero", {"--seeds", "0"}, "", {"--seeds"}},
    // Scenario files.
    {"ScenarioMissing", {"--scenario", "{dir}/missing.json"}, "", {"--scenario", "missing.json"}},
    {"ScenarioUnknownField",
     {"--scenario", "{scenario}"},
     R"({"nodes": 1000, "fanotu": 2})",
     {"scenario.json", "fanotu"}},
    {"ScenarioUnknownNestedField",
     {"--scenario", "{scenario}"},
     R"({"rumor": {"stop": "blind-counter", "kk": 2}})",
     {"rumor.kk"}},
    {"ScenarioInvalidJson",
     {"--scenario", "{scenario}"},
     "{\"nodes\": 1000,\n",
     {"scenario.json", "JSON"}},
    {"ScenarioNotAnObject", {"--scenario", "{scenario}"}, "[1, 2]", {"scenario.json"}},
    {"ScenarioWrongType", {"--scenario", "{scenario}"}, R"({"nodes": "many"})", {"nodes"}},
    {"ScenarioPartitionNodeOutside",
     {"--scenario", "{scenario}"},
     R"({"nodes": 1000, "partitions": [{"groups": [[1, 2, 5000]], "start": 1, "heal": 5}]})",
     {"partitions[0].groups[0]", "5000", "999"}},
    {"ScenarioHealBeforeStart",
     {"--scenario", "{scenario}"},
     R"({"partitions": [{"groups": [[1]], "start": 5, "heal": 5}]})",
     {"partitions[0].heal"}},
    {"ScenarioRestartBeforeCrash",
     {"--scenario", "{scenario}"},
     R"({"crashes": [{"node": 2, "at": 5, "restart": 3}]})",
     {"crashes[0].restart"}},
    {"ScenarioModeAndCompare",
     {"--scenario", "{scenario}"},
     R"({"mode": "push", "compare": ["pull"]})",
     {"mode", "compare"}},
    // The swim protocol's flags, and flags that do not mix with it.
    {"SwimProfileUnknown",
     {"--protocol", "swim", "--profile", "moon"},
     "",
     {"--profile", "moon", "lan", "wan", "local"}},
    {"SwimLifeguardMaybe",
     {"--protocol", "swim", "--lifeguard", "maybe"},
     "",
     {"--lifeguard", "on", "off"}},
    {"SwimDurationUnit", {"--protocol", "swim", "--duration", "2x"}, "", {"--duration", "2x"}},
    {"SwimDurationTooShort",
     {"--protocol", "swim", "--duration", "500ms"},
     "",
     {"swim.duration_s", "0.5"}},
    {"SwimStartUnknown",
     {"--protocol", "swim", "--start", "cold"},
     "",
     {"--start", "formed", "join"}},
    {"SwimIndirectChecksTooMany",
     {"--protocol", "swim", "--indirect-checks", "65"},
     "",
     {"indirect_checks", "65"}},
    {"SwimDrawsTooManyMembers",
     {"--protocol", "swim", "--nodes", "10", "--crash", "6", "--slow", "4"},
     "",
     {"swim.crash_count", "6", "4"}},
    {"SwimCrashCountTwice",
     {"--protocol", "swim", "--crash", "2", "--crash", "3"},
     "",
     {"--crash", "once"}},
    {"SwimCrashBadForm", {"--protocol", "swim", "--crash", "x@y"}, "", {"--crash", "x@y"}},
    {"CrashCountNeedsSwim", {"--protocol", "heartbeat", "--crash", "3"}, "", {"--crash", "swim"}},
    {"SlowNeedsSwim", {"--slow", "2"}, "", {"--slow", "swim"}},
    {"SwimRefusesFanout", {"--protocol", "swim", "--fanout", "2"}, "", {"--fanout", "swim"}},
    {"SwimRefusesRoundsTiming",
     {"--protocol", "swim", "--timing", "rounds"},
     "",
     {"--timing", "async"}},
    {"SwimRefusesCsv", {"--protocol", "swim", "--format", "csv"}, "", {"csv", "table", "json"}},
    {"SwimRefusesPlot", {"--protocol", "swim", "--plot", "{dir}/x.svg"}, "", {"--plot", "swim"}},
    {"SwimNodesTooMany", {"--protocol", "swim", "--nodes", "20000"}, "", {"nodes", "15000"}},
    // The swim trace keeps every node's view of every member (sim/swim_trace.h).
    {"SwimTraceOfMoreThan5000Nodes",
     {"--protocol", "swim", "--nodes", "5001", "--trace", "{dir}/t.jsonl"},
     "",
     {"--trace", "5000", "5001"}},
    // So does a heartbeat trace (sim/view_accuracy.h); the heartbeat protocol's own cap on
    // nodes, the same 5,000, refuses a larger run before any trace is opened.
    {"HeartbeatTraceOfMoreThan5000Nodes",
     {"--protocol", "heartbeat", "--nodes", "5001", "--trace", "{dir}/t.jsonl"},
     "",
     {"nodes", "heartbeat", "5000", "5001"}},
    {"SwimReconnectTooShort",
     {"--protocol", "swim", "--reconnect", "500ms"},
     "",
     {"swim.reconnect_s"}},
    {"ScenarioSwimUnknownKey",
     {"--scenario", "{scenario}"},
     R"({"protocol": "swim", "swim": {"lifeguards": true}})",
     {"scenario.json", "swim.lifeguards"}},
    // A flag that makes a good scenario bad: validation sees the combination.
    {"FlagShrinksNodesBelowScenarioPartition",
     {"--scenario", "{scenario}", "--nodes", "100"},
     R"({"nodes": 1000, "partitions": [{"groups": [[150]]}]})",
     {"partitions[0].groups[0]", "150"}},
};

std::string bad_input_name(const testing::TestParamInfo<BadInput>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Flags, SimCliBadInput, testing::ValuesIn(kBadInputs), bad_input_name);

// ---------------------------------------------------------------------------------------------
// Good runs.

TEST_F(SimCli, JsonPrintsOneObjectPerModeWithTheRequiredKeys) {
  const std::vector<std::string> args = {
      "sim",      "--nodes", "300",    "--compare", "push,pull,push-pull,rumor,direct-mail",
      "--format", "json",    "--seed", "5"};
  const Output o = run_ok(args);
  const std::vector<json> runs = json_lines(o, args);
  ASSERT_EQ(runs.size(), 5u) << o.out;
  const char* modes[] = {"push", "pull", "push-pull", "rumor", "direct-mail"};
  for (size_t i = 0; i < runs.size(); ++i) {
    const json& r = runs[i];
    SCOPED_TRACE(command_line(args) + ", object " + std::to_string(i));
    for (const char* key : {"nodes", "mode", "fanout", "seed", "rounds_to_full", "informed_final",
                            "messages_total", "bytes_total", "per_round"}) {
      ASSERT_TRUE(r.contains(key)) << "missing key " << key << " in " << r.dump();
    }
    EXPECT_EQ(r["mode"], modes[i]);
    EXPECT_EQ(r["nodes"], 300);
    EXPECT_EQ(r["fanout"], 1);
    EXPECT_EQ(r["seed"], 5);
    EXPECT_TRUE(r["rounds_to_full"].is_null() || r["rounds_to_full"].is_number_unsigned());
    EXPECT_LE(r["informed_final"].get<uint64_t>(), 300u);
    ASSERT_TRUE(r["per_round"].is_array());
    ASSERT_FALSE(r["per_round"].empty());
    uint64_t messages = 0;
    uint32_t expected_round = 1;
    for (const json& p : r["per_round"]) {
      ASSERT_TRUE(p.contains("round") && p.contains("informed") && p.contains("messages"))
          << p.dump();
      EXPECT_EQ(p["round"], expected_round++);
      EXPECT_LE(p["informed"].get<uint64_t>(), 300u);
      messages += p["messages"].get<uint64_t>();
    }
    EXPECT_EQ(r["messages_total"].get<uint64_t>(), messages);
    EXPECT_EQ(r["per_round"].back()["informed"], r["informed_final"]);
    if (!r["rounds_to_full"].is_null()) {
      EXPECT_EQ(r["informed_final"], 300);
    }
  }
  // Without faults the anti-entropy modes and direct mail reach everyone.
  for (size_t i : {0u, 1u, 2u, 4u})
    EXPECT_FALSE(runs[i]["rounds_to_full"].is_null()) << modes[i];
  EXPECT_EQ(runs[4]["rounds_to_full"], 1);
}

TEST_F(SimCli, JsonReportsTheFlagsGiven) {
  const std::vector<std::string> args = {"sim",    "--nodes",  "250",    "--fanout", "3",
                                         "--mode", "pull",     "--seed", "99",       "--format",
                                         "json",   "--timing", "async"};
  const Output o = run_ok(args);
  const std::vector<json> runs = json_lines(o, args);
  ASSERT_EQ(runs.size(), 1u) << o.out;
  EXPECT_EQ(runs[0]["nodes"], 250);
  EXPECT_EQ(runs[0]["fanout"], 3);
  EXPECT_EQ(runs[0]["mode"], "pull");
  EXPECT_EQ(runs[0]["seed"], 99);
  EXPECT_EQ(runs[0]["timing"], "async");
}

TEST_F(SimCli, CompareRunsEveryModeOnTheSameSeed) {
  const std::vector<std::string> args = {"sim",    "--nodes", "300",      "--compare", "push,pull",
                                         "--seed", "17",      "--format", "json"};
  const Output o = run_ok(args);
  const std::vector<json> runs = json_lines(o, args);
  ASSERT_EQ(runs.size(), 2u) << o.out;
  EXPECT_EQ(runs[0]["mode"], "push");
  EXPECT_EQ(runs[1]["mode"], "pull");
  EXPECT_EQ(runs[0]["seed"], 17);
  EXPECT_EQ(runs[1]["seed"], 17);
}

TEST_F(SimCli, SeedsRunsConsecutiveSeedsForEachMode) {
  const std::vector<std::string> args = {"sim",       "--nodes",  "200", "--compare",
                                         "push,pull", "--seed",   "10",  "--seeds",
                                         "3",         "--format", "json"};
  const Output o = run_ok(args);
  const std::vector<json> runs = json_lines(o, args);
  ASSERT_EQ(runs.size(), 6u) << o.out;
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i]["mode"], i < 3 ? "push" : "pull") << "object " << i;
    EXPECT_EQ(runs[i]["seed"], 10 + i % 3) << "object " << i;
  }
}

TEST_F(SimCli, OneSeedRunAloneMatchesTheSameSeedInsideASeedsRun) {
  // Run k of --seeds is seed+k: running that seed alone gives the same object.
  const std::vector<std::string> many = {"sim",    "--nodes", "200",     "--mode", "push-pull",
                                         "--seed", "10",      "--seeds", "3",      "--format",
                                         "json",   "--loss",  "0.2"};
  const std::vector<std::string> one = {"sim", "--nodes",  "200",  "--mode", "push-pull", "--seed",
                                        "12",  "--format", "json", "--loss", "0.2"};
  const auto a = lines_of(run_ok(many).out);
  const auto b = lines_of(run_ok(one).out);
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[2], b[0]);
}

TEST_F(SimCli, TableIsTheDefaultAndCsvHasAHeaderAndOneRowPerRound) {
  {
    const std::vector<std::string> args = {"sim", "--nodes", "200", "--compare", "push,rumor"};
    const Output o = run_ok(args);
    EXPECT_NE(o.out.find("push"), std::string::npos) << o.out;
    EXPECT_NE(o.out.find("rumor"), std::string::npos) << o.out;
    EXPECT_NE(o.out.front(), '{') << "the default format is the table, not JSON";
  }
  {
    const std::vector<std::string> json_args = {"sim", "--nodes", "200", "--format", "json"};
    const std::vector<std::string> csv_args = {"sim", "--nodes", "200", "--format", "csv"};
    const std::vector<json> runs = json_lines(run_ok(json_args), json_args);
    ASSERT_EQ(runs.size(), 1u);
    const auto rows = lines_of(run_ok(csv_args).out);
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows[0], "mode,seed,nodes,fanout,round,informed,messages,bytes");
    EXPECT_EQ(rows.size(), 1 + runs[0]["per_round"].size());
  }
}

TEST_F(SimCli, PlotWritesAnSvgWithOnePolylinePerMode) {
  const fs::path plot = dir_ / "curves.svg";
  const std::vector<std::string> args = {
      "sim",    "--nodes",     "300",      "--compare", "push,pull,push-pull",
      "--plot", plot.string(), "--format", "json"};
  const Output o = run_ok(args);
  EXPECT_EQ(json_lines(o, args).size(), 3u) << "JSON output stays pure with --plot";
  ASSERT_TRUE(fs::exists(plot));
  const std::string svg = rumor::testing_support::read_whole_file(plot);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u) << svg.substr(0, 80);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(count_of(svg, "<polyline"), 3u);
  for (const char* mode : {"push", "pull", "push-pull"}) {
    EXPECT_NE(svg.find(std::string(">") + mode + "<"), std::string::npos)
        << "no legend label " << mode;
  }

  // A single mode draws one line; the table says where the plot went.
  const fs::path one = dir_ / "one.svg";
  const Output t = run_ok({"sim", "--nodes", "200", "--plot", one.string()});
  EXPECT_EQ(count_of(rumor::testing_support::read_whole_file(one), "<polyline"), 1u);
  EXPECT_NE(t.out.find(one.string()), std::string::npos) << t.out;
}

TEST_F(SimCli, TraceWritesJsonLinesStartingWithARunEventPerRun) {
  const fs::path trace = dir_ / "trace.jsonl";
  const std::vector<std::string> args = {"sim",          "--nodes",  "200", "--compare",
                                         "push,rumor",   "--seed",   "4",   "--trace",
                                         trace.string(), "--format", "json"};
  const Output o = run_ok(args);
  const std::vector<json> runs = json_lines(o, args);
  ASSERT_EQ(runs.size(), 2u);
  const auto lines = lines_of(rumor::testing_support::read_whole_file(trace));
  ASSERT_FALSE(lines.empty());
  std::vector<json> run_events;
  std::map<std::string, uint64_t> counts;
  for (const std::string& line : lines) {
    const json e = json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(e.is_object()) << "not a JSON object: " << line;
    ASSERT_TRUE(e.contains("t") && e.contains("ev")) << line;
    counts[e["ev"].get<std::string>()]++;
    if (e["ev"] == "run") run_events.push_back(e);
  }
  const json first = json::parse(lines[0]);
  EXPECT_EQ(first["ev"], "run");
  EXPECT_EQ(first["nodes"], 200);
  EXPECT_EQ(first["mode"], "push");
  EXPECT_EQ(first["seed"], 4);
  ASSERT_EQ(run_events.size(), 2u);
  EXPECT_EQ(run_events[1]["mode"], "rumor");
  // The trace and the report count the same things.
  EXPECT_EQ(counts["send"],
            runs[0]["messages_total"].get<uint64_t>() + runs[1]["messages_total"].get<uint64_t>());
  EXPECT_EQ(counts["round"], runs[0]["per_round"].size() + runs[1]["per_round"].size());
  EXPECT_EQ(counts["write"], 2u);
}

TEST_F(SimCli, SameCommandTwiceGivesByteIdenticalOutput) {
  for (const char* format : {"table", "json", "csv"}) {
    for (const char* timing : {"rounds", "async"}) {
      const fs::path trace = dir_ / "t.jsonl", plot = dir_ / "p.svg";
      const std::vector<std::string> args = {
          "sim",          "--nodes",  "300",        "--compare", "push-pull,rumor",
          "--seed",       "31",       "--loss",     "0.1",       "--duplicate",
          "0.05",         "--timing", timing,       "--latency", "uniform:5:40",
          "--jitter",     "0.1",      "--format",   format,      "--trace",
          trace.string(), "--plot",   plot.string()};
      SCOPED_TRACE(command_line(args));
      const Output a = run_ok(args);
      const std::string trace_a = rumor::testing_support::read_whole_file(trace),
                        plot_a = rumor::testing_support::read_whole_file(plot);
      const Output b = run_ok(args);
      ASSERT_FALSE(a.out.empty());
      EXPECT_TRUE(a.out == b.out) << "stdout differs between two identical runs";
      EXPECT_TRUE(trace_a == rumor::testing_support::read_whole_file(trace))
          << "trace differs between two identical runs";
      EXPECT_TRUE(plot_a == rumor::testing_support::read_whole_file(plot))
          << "plot differs between two identical runs";
      EXPECT_GT(trace_a.size(), 0u);
    }
  }
}

TEST_F(SimCli, WireFlagChangesNothingInTheOutput) {
  const std::vector<std::string> args = {
      "sim",    "--nodes", "300",      "--compare", "push,pull,push-pull,rumor,direct-mail",
      "--loss", "0.1",     "--format", "json"};
  std::vector<std::string> wire = args;
  wire.push_back("--wire");
  EXPECT_EQ(run_ok(args).out, run_ok(wire).out);
}

TEST_F(SimCli, ScenarioRunsAndFlagsOverrideIt) {
  const fs::path scenario = dir_ / "s.json";
  write_file(scenario, R"({
    // comments are allowed in scenarios
    "nodes": 400, "mode": "push", "fanout": 2, "seed": 8, "loss": 0.1,
    "partitions": [{"groups": [[{"from": 0, "to": 99}]], "start": 1, "heal": 6}],
    "crashes": [{"node": 150, "at": 2, "restart": 7}]
  })");
  {
    const std::vector<std::string> args = {"sim", "--scenario", scenario.string(), "--format",
                                           "json"};
    const std::vector<json> runs = json_lines(run_ok(args), args);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0]["nodes"], 400);
    EXPECT_EQ(runs[0]["mode"], "push");
    EXPECT_EQ(runs[0]["fanout"], 2);
    EXPECT_EQ(runs[0]["seed"], 8);
    EXPECT_GT(runs[0]["dropped"]["partition"].get<uint64_t>(), 0u);
    EXPECT_GT(runs[0]["dropped"]["loss"].get<uint64_t>(), 0u);
    EXPECT_GT(runs[0]["dropped"]["crashed"].get<uint64_t>(), 0u);
  }
  {
    const std::vector<std::string> args = {"sim",      "--scenario", scenario.string(),
                                           "--format", "json",       "--fanout",
                                           "3",        "--mode",     "pull"};
    const std::vector<json> runs = json_lines(run_ok(args), args);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0]["nodes"], 400) << "not overridden, so from the scenario";
    EXPECT_EQ(runs[0]["fanout"], 3);
    EXPECT_EQ(runs[0]["mode"], "pull");
  }
}

TEST_F(SimCli, IntervalFlagOutOfRangeReportsTheValueGiven) {
  // The flag is range-checked before it is converted to nanoseconds, as the scenario field is.
  const Output o = run({"sim", "--interval-ms", "1e300"});
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(o.err.find("-9223372036854775808"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("1e+300"), std::string::npos) << o.err;
}

TEST_F(SimCli, HelpExitsZeroAndListsTheFlags) {
  const Output o = run({"sim", "--help"});
  EXPECT_EQ(o.status, 0);
  for (const char* flag :
       {"--nodes", "--mode", "--compare", "--fanout", "--scenario", "--format", "--trace", "--plot",
        "--wire", "--protocol", "--duration", "--profile", "--lifeguard", "--indirect-checks",
        "--start", "--slow", "--slow-delay-ms", "--crash-at", "--reconnect"}) {
    EXPECT_NE(o.out.find(flag), std::string::npos) << "help does not list " << flag;
  }
}

// ---------------------------------------------------------------------------------------------
// The swim protocol.

TEST_F(SimCli, SwimJsonHasTheDocumentedKeys) {
  const std::vector<std::string> args = {
      "sim",     "--protocol", "swim",       "--nodes",  "30",     "--duration", "90s",
      "--crash", "1",          "--crash-at", "20s",      "--slow", "2",          "--loss",
      "0.02",    "--seed",     "3",          "--format", "json"};
  const std::vector<json> runs = json_lines(run_ok(args), args);
  ASSERT_EQ(runs.size(), 1u);
  const json& r = runs[0];
  SCOPED_TRACE(command_line(args) + "\n" + r.dump());
  for (const char* key : {"protocol",
                          "nodes",
                          "seed",
                          "profile",
                          "lifeguard",
                          "indirect_checks",
                          "start",
                          "duration_s",
                          "probe_interval_s",
                          "gossip_interval_s",
                          "slow_nodes",
                          "detect_first_s",
                          "detect_all_s",
                          "detect_first_periods",
                          "detect_all_periods",
                          "crashes",
                          "joins",
                          "false_positives",
                          "false_positives_untouched",
                          "suspicions_of_live",
                          "suspicions_of_live_untouched",
                          "messages_per_member_per_s",
                          "bytes_per_member_per_s",
                          "packets",
                          "packet_bytes",
                          "streams",
                          "stream_bytes",
                          "member_seconds",
                          "probes",
                          "probe_acks",
                          "indirect_probes",
                          "nacks",
                          "suspicions_raised",
                          "refutes",
                          "push_pulls",
                          "reconnects",
                          "dropped",
                          "duplicated",
                          "streams_failed",
                          "streams_completed",
                          "events_processed",
                          "pending_events_max",
                          "checks"}) {
    EXPECT_TRUE(r.contains(key)) << "missing key " << key;
  }
  EXPECT_EQ(r["protocol"], "swim");
  EXPECT_EQ(r["nodes"], 30);
  EXPECT_EQ(r["seed"], 3);
  EXPECT_EQ(r["profile"], "lan");
  EXPECT_EQ(r["lifeguard"], true);
  EXPECT_EQ(r["duration_s"], 90.0);
  EXPECT_EQ(r["slow_nodes"].size(), 2u);
  ASSERT_EQ(r["crashes"].size(), 1u);
  const json& c = r["crashes"][0];
  EXPECT_EQ(c["crash_at_s"], 20.0);
  for (const char* key :
       {"node", "observers", "observers_dead", "first_suspect_s", "first_dead_s", "all_dead_s",
        "mean_dead_s", "first_suspect_periods", "first_dead_periods", "all_dead_periods",
        "spread_s", "spread_gossip_intervals", "spread_periods", "restart_at_s"}) {
    EXPECT_TRUE(c.contains(key)) << "missing crash key " << key;
  }
  EXPECT_TRUE(c["restart_at_s"].is_null());
  EXPECT_FALSE(r["detect_all_s"].is_null()) << "the crash is detected by everyone";
  EXPECT_EQ(r["detect_all_periods"], r["detect_all_s"]) << "LAN probes once a second";
  for (const char* key :
       {"dead_everywhere_bound_s", "agreement_bound_s", "faults_end_s", "agreement_checked",
        "agreement_s", "stale_rejoins", "violations_total", "violations"}) {
    EXPECT_TRUE(r["checks"].contains(key)) << "missing checks key " << key;
  }
  EXPECT_EQ(r["checks"]["violations_total"], 0);
  EXPECT_FALSE(r.contains("error"));
}

TEST_F(SimCli, SwimFlagsReachTheRun) {
  const std::vector<std::string> args = {
      "sim",  "--protocol",  "swim", "--nodes",           "20",  "--duration",
      "60",   "--profile",   "wan",  "--lifeguard",       "off", "--indirect-checks",
      "5",    "--start",     "join", "--join-stagger-ms", "10",  "--format",
      "json", "--tcp-pings", "off",  "--eager-gossip",    "off"};
  const std::vector<json> runs = json_lines(run_ok(args), args);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["profile"], "wan");
  EXPECT_EQ(runs[0]["lifeguard"], false);
  EXPECT_EQ(runs[0]["tcp_pings"], false);
  EXPECT_EQ(runs[0]["eager_gossip"], false);
  EXPECT_EQ(runs[0]["indirect_checks"], 5);
  EXPECT_EQ(runs[0]["start"], "join");
  EXPECT_EQ(runs[0]["probe_interval_s"], 5.0);
  EXPECT_FALSE(runs[0]["joins"].empty());
}

TEST_F(SimCli, SwimCrashNodeAtSecondsStillNamesOneMember) {
  const std::vector<std::string> args = {"sim",  "--protocol", "swim", "--nodes",  "16",  "--crash",
                                         "4@10", "--duration", "60",   "--format", "json"};
  const std::vector<json> runs = json_lines(run_ok(args), args);
  ASSERT_EQ(runs.size(), 1u);
  ASSERT_EQ(runs[0]["crashes"].size(), 1u);
  EXPECT_EQ(runs[0]["crashes"][0]["node"], 4);
  EXPECT_EQ(runs[0]["crashes"][0]["crash_at_s"], 10.0);
}

TEST_F(SimCli, SwimDurationFormsAgree) {
  const std::string base = run_ok({"sim", "--protocol", "swim", "--nodes", "12", "--duration",
                                   "120", "--format", "json"})
                               .out;
  EXPECT_EQ(base, run_ok({"sim", "--protocol", "swim", "--nodes", "12", "--duration", "120s",
                          "--format", "json"})
                      .out);
  EXPECT_EQ(base, run_ok({"sim", "--protocol", "swim", "--nodes", "12", "--duration", "2m",
                          "--format", "json"})
                      .out);
}

TEST_F(SimCli, SwimSameCommandTwiceGivesByteIdenticalOutput) {
  for (const char* format : {"table", "json"}) {
    const fs::path trace = dir_ / "t.jsonl";
    const std::vector<std::string> args = {
        "sim",          "--protocol", "swim",   "--nodes",  "24",     "--duration", "100s",
        "--crash",      "2",          "--slow", "1",        "--loss", "0.05",       "--latency",
        "uniform:1:20", "--seed",     "9",      "--format", format,   "--trace",    trace.string()};
    SCOPED_TRACE(command_line(args));
    const Output a = run_ok(args);
    const std::string trace_a = rumor::testing_support::read_whole_file(trace);
    const Output b = run_ok(args);
    EXPECT_TRUE(a.out == b.out) << "stdout differs between two identical runs";
    EXPECT_TRUE(trace_a == rumor::testing_support::read_whole_file(trace))
        << "trace differs between two identical runs";
    EXPECT_NE(trace_a.find("\"ev\":\"crash\""), std::string::npos);
  }
  const Output table = run_ok({"sim", "--protocol", "swim", "--nodes", "12", "--duration", "30"});
  EXPECT_EQ(table.out.rfind("rumor sim --protocol swim: 12 nodes", 0), 0u) << table.out;
}

TEST_F(SimCli, SwimTraceStartsWithARunLineNamingTheProtocolSettingsAndArgs) {
  const fs::path trace = dir_ / "t.jsonl";
  const std::vector<std::string> args = {"sim", "--protocol", "swim",        "--nodes",
                                         "12",  "--duration", "20s",         "--crash",
                                         "3@5", "--trace",    trace.string()};
  run_ok(args);
  const auto lines = lines_of(rumor::testing_support::read_whole_file(trace));
  ASSERT_FALSE(lines.empty());
  const json run = json::parse(lines[0]);
  EXPECT_EQ(run["ev"], "run");
  EXPECT_EQ(run["protocol"], "swim");
  EXPECT_EQ(run["nodes"], 12);
  EXPECT_EQ(run["start"], "formed");
  EXPECT_EQ(run["duration_s"], 20);
  ASSERT_TRUE(run.contains("args") && run["args"].is_array()) << lines[0];
  const std::vector<std::string> given = run["args"];
  ASSERT_GE(given.size(), 8u);
  EXPECT_EQ(std::vector<std::string>(given.begin(), given.begin() + 8),
            std::vector<std::string>(args.begin() + 1, args.begin() + 9))
      << "the arguments after `rumor sim`";
  size_t rounds = 0, crashes = 0;
  for (const std::string& line : lines) {
    const json e = json::parse(line);
    rounds += e["ev"] == "round";
    crashes += e["ev"] == "crash";
  }
  EXPECT_EQ(rounds, 20u) << "one per 1 s probe interval";
  EXPECT_EQ(crashes, 1u);
}

TEST_F(SimCli, SwimCheckerViolationExitsThreeWithTheSeedAndTheReplayLine) {
  // Without Serf's reconnector a 70 s partition never heals (memberlist stops contacting the
  // members it holds dead after 30 s): the agreement checker reports it.
  const fs::path scenario = dir_ / "split.json";
  write_file(scenario, R"({"protocol": "swim", "nodes": 20,
    "partitions": [{"groups": [[0, 1, 2, 3, 4]], "start": 10, "heal": 80}],
    "swim": {"duration_s": 400, "reconnect_s": 0}})");
  const std::vector<std::string> args = {
      "sim", "--scenario", scenario.string(), "--format", "json", "--seed", "5"};
  const Output o = run(args);
  EXPECT_EQ(o.status, 3) << o.err;
  const std::vector<json> runs = json_lines(o, args);
  ASSERT_EQ(runs.size(), 1u) << "the report is printed before the verdict";
  EXPECT_EQ(runs[0]["checks"]["violations_total"], 1);
  EXPECT_EQ(runs[0]["checks"]["violations"][0]["checker"], "agreement-after-heal");
  EXPECT_EQ(count_of(o.err, "\n"), 1u) << o.err;
  for (const std::string& m :
       {std::string("seed 5"), std::string("agreement-after-heal"),
        "replay: rumor sim --scenario " + scenario.string() + " --format json --seed 5"}) {
    EXPECT_NE(o.err.find(m), std::string::npos) << "stderr lacks '" << m << "': " << o.err;
  }
  // With the reconnector (the default) the same split heals and the run exits 0.
  const Output healed = run({"sim", "--scenario", scenario.string(), "--reconnect", "30s"});
  EXPECT_EQ(healed.status, 0) << healed.err;
}

TEST_F(SimCli, EveryExampleScenarioInTheDocsRuns) {
  const fs::path examples = fs::path(RUMOR_SOURCE_DIR) / "docs" / "scenarios";
  ASSERT_TRUE(fs::is_directory(examples)) << examples;
  int ran = 0;
  for (const auto& entry : fs::directory_iterator(examples)) {
    if (entry.path().extension() != ".json") continue;
    const std::vector<std::string> args = {"sim", "--scenario", entry.path().string(), "--format",
                                           "json"};
    const Output o = run_ok(args);
    EXPECT_FALSE(json_lines(o, args).empty()) << command_line(args);
    ++ran;
  }
  EXPECT_GT(ran, 0) << "no *.json in " << examples;
}

}  // namespace
