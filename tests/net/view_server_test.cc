// The viewer's HTTP server (src/cli/view_server.h) in this process on a free loopback port,
// driven by an httplib::Client: the endpoints of docs/web.md, "The viewer's endpoints", their
// shapes, their errors (400, 403, 404, 409, 413, 503) and POST /api/sim end to end. Wall-clock
// tests: they wait for outcomes, never for a fixed time.
#include "cli/view_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/sim_command.h"
#include "sim/trace.h"

namespace rumor::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

// Writes the trace `rumor sim ARGS --trace path` would write.
void write_trace(const fs::path& path, const std::vector<std::string>& args) {
  auto parsed = parse_sim_args(args);
  ASSERT_TRUE(parsed.is_ok()) << parsed.message();
  ASSERT_TRUE(parsed->config.validate().is_ok());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  sim::TraceSink sink(out);
  sink.set_args(args);
  sim::RunOptions options;
  options.trace = &sink;
  const SimRuns runs = run_simulations(parsed->config, parsed->flags.seeds, options, {});
  ASSERT_EQ(runs.error, "");
}

class ViewServerTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "rumor_view_server_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    trace_ = dir_ / "trace.jsonl";
    write_trace(trace_, {"--nodes", "30", "--compare", "push,pull", "--seed", "3"});
  }
  void TearDown() override {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Starts a server on the trace, on a free port, serving on a thread of its own.
  void start(ViewLimits limits = {}) {
    server_ = std::make_unique<ViewServer>("trace.jsonl", limits, (dir_ / "tmp").string());
    fs::create_directory(dir_ / "tmp");
    ASSERT_TRUE(server_->add_trace(trace_.string()).is_ok());
    const Status bound = server_->bind("127.0.0.1:0");
    ASSERT_TRUE(bound.is_ok()) << bound.message();
    ASSERT_GT(server_->port(), 0);
    thread_ = std::thread([this] { server_->serve(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(60, 0);
  }
  void stop() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  json get_json(const std::string& path, int status = 200) {
    auto res = client_->Get(path.c_str());
    EXPECT_TRUE(res) << "GET " << path << ": " << httplib::to_string(res.error());
    if (!res) return json();
    EXPECT_EQ(res->status, status) << "GET " << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    return json::parse(res->body, nullptr, false);
  }

  httplib::Result post_sim(const std::string& body) {
    return client_->Post("/api/sim", body, "application/json");
  }

  // POSTs `body` and expects `status` with {"error": ...}; returns the error.
  std::string post_error(const json& body, int status = 400) {
    auto res = post_sim(body.dump());
    EXPECT_TRUE(res);
    if (!res) return "";
    EXPECT_EQ(res->status, status) << body.dump() << " -> " << res->body;
    const json j = json::parse(res->body, nullptr, false);
    EXPECT_TRUE(j.is_object() && j.contains("error")) << res->body;
    return j.is_object() ? j.value("error", "") : "";
  }

  fs::path dir_;
  fs::path trace_;
  std::unique_ptr<ViewServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ViewServerTest, RunsListsEveryRunInOrderWithHeaderEventsDetailAndRounds) {
  start();
  const json j = get_json("/api/runs");
  EXPECT_EQ(j["source"], "trace.jsonl");
  EXPECT_EQ(j["max_detail_events"], 3'000'000);
  ASSERT_EQ(j["runs"].size(), 2u);
  const std::vector<std::string> lines = lines_of(read_all(trace_));
  uint64_t events = 0;
  for (size_t i = 0; i < 2; ++i) {
    const json& run = j["runs"][i];
    EXPECT_EQ(run["id"], i);
    EXPECT_EQ(run["header"]["ev"], "run");
    EXPECT_EQ(run["header"]["mode"], i == 0 ? "push" : "pull");
    EXPECT_EQ(run["header"]["args"],
              json({"--nodes", "30", "--compare", "push,pull", "--seed", "3"}));
    EXPECT_EQ(run["detail"], true);
    ASSERT_FALSE(run["rounds"].empty());
    const json& first = run["rounds"][0];
    EXPECT_EQ(first["round"], 1);
    EXPECT_TRUE(first["t"].is_number());
    EXPECT_TRUE(first["informed"].is_number_unsigned());
    EXPECT_TRUE(first["messages"].is_number_unsigned());
    events += run["events"].get<uint64_t>();
  }
  EXPECT_EQ(events, lines.size());
}

TEST_F(ViewServerTest, EventsOfARunAreExactlyTheTraceLinesOfThatRunAsNdjson) {
  start();
  const json runs = get_json("/api/runs")["runs"];
  const std::vector<std::string> lines = lines_of(read_all(trace_));
  const size_t first_events = runs[0]["events"].get<size_t>();
  auto res = client_->Get("/api/runs/1/events");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/x-ndjson");
  EXPECT_EQ(res->get_header_value("Transfer-Encoding"), "chunked");
  const std::vector<std::string> got = lines_of(res->body);
  const std::vector<std::string> want(lines.begin() + static_cast<ptrdiff_t>(first_events),
                                      lines.end());
  ASSERT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want);
  EXPECT_EQ(json::parse(got.front())["ev"], "run");
  EXPECT_EQ(runs[1]["events"], got.size());
}

TEST_F(ViewServerTest, EventsOfAnUnknownRunAreA404) {
  start();
  for (const char* id : {"2", "abc", "99999999999999999999999", "-1"}) {
    const json j = get_json(std::string("/api/runs/") + id + "/events", 404);
    EXPECT_NE(j.value("error", "").find(id), std::string::npos) << j.dump();
  }
}

TEST_F(ViewServerTest, ARunWithMoreEventsThanMaxDetailIsNotDetailAndItsEventsAreA413) {
  ViewLimits limits;
  limits.max_detail_events = 100;
  start(limits);
  const json j = get_json("/api/runs");
  EXPECT_EQ(j["max_detail_events"], 100);
  ASSERT_GT(j["runs"][0]["events"].get<uint64_t>(), 100u);
  EXPECT_EQ(j["runs"][0]["detail"], false);
  EXPECT_FALSE(j["runs"][0]["rounds"].empty());
  const json e = get_json("/api/runs/0/events", 413);
  EXPECT_NE(e.value("error", "").find("max_detail_events"), std::string::npos) << e.dump();
}

TEST_F(ViewServerTest, RootServesTheViewerPageAndUnknownPathsAreA404) {
  start();
  auto res = client_->Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type").rfind("text/html", 0), 0u);
  EXPECT_NE(res->body.find("<title>rumor viewer</title>"), std::string::npos);
  const json j = get_json("/api/nothing", 404);
  EXPECT_EQ(j["error"], "no such endpoint: GET /api/nothing");
}

TEST_F(ViewServerTest, ARequestForAnotherHostIsRefused) {
  // A page on another site that rebinds its name to 127.0.0.1 still sends its own Host.
  start();
  auto res = client_->Get("/api/runs", {{"Host", "evil.example:8947"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  auto ok = client_->Get("/api/runs", {{"Host", "localhost:8947"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(ViewServerTest, PostSimWithACrashAddsARunWhoseArgsAndCrashEventAreRight) {
  start();
  const json body = {
      {"args", {"--nodes", "40", "--seed", "5", "--max-rounds", "12"}},
      {"crashes", {{{"node", 3}, {"at", 2}, {"restart", 6}}}},
      {"partitions", {{{"groups", {{0, 1, 2}, {3, 4}}}, {"start", 1}, {"heal", 4}}}}};
  auto res = post_sim(body.dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body), json({{"runs", {2}}}));

  const json runs = get_json("/api/runs")["runs"];
  ASSERT_EQ(runs.size(), 3u);
  const json& run = runs[2];
  EXPECT_EQ(run["id"], 2);
  EXPECT_EQ(run["header"]["args"], body["args"]);
  EXPECT_EQ(run["header"]["nodes"], 40);
  EXPECT_EQ(run["header"]["seed"], 5);
  EXPECT_FALSE(run["rounds"].empty());
  EXPECT_LE(run["rounds"].size(), 12u);

  auto events = client_->Get("/api/runs/2/events");
  ASSERT_TRUE(events);
  ASSERT_EQ(events->status, 200);
  const std::vector<std::string> lines = lines_of(events->body);
  EXPECT_EQ(lines.size(), run["events"].get<size_t>());
  std::vector<json> crashes, restarts, partitions;
  for (const std::string& line : lines) {
    const json e = json::parse(line);
    if (e["ev"] == "crash") crashes.push_back(e);
    if (e["ev"] == "restart") restarts.push_back(e);
    if (e["ev"] == "partition") partitions.push_back(e);
  }
  ASSERT_EQ(crashes.size(), 1u);
  EXPECT_EQ(crashes[0]["node"], 3);
  EXPECT_DOUBLE_EQ(crashes[0]["t"].get<double>(), 2000.0);  // round 2 of 1 s rounds
  ASSERT_EQ(restarts.size(), 1u);
  EXPECT_EQ(restarts[0]["node"], 3);
  ASSERT_EQ(partitions.size(), 2u);
  EXPECT_EQ(partitions[0]["state"], "start");
  EXPECT_EQ(partitions[1]["state"], "heal");
  EXPECT_EQ(run["header"]["faults"],
            json({{"crashes", body["crashes"]}, {"partitions", body["partitions"]}}));
}

// A re-run from a re-run: its header's args and faults posted again, plus one more fault, give a
// run with both, in its events and in its header.
TEST_F(ViewServerTest, PostSimRecordsTheFaultPlanSoARerunOfARerunKeepsIt) {
  start();
  const json first = {{"args", {"--nodes", "30", "--seed", "4", "--max-rounds", "10"}},
                      {"crashes", {{{"node", 3}, {"at", 2}, {"restart", nullptr}}}}};
  auto res = post_sim(first.dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json runs = get_json("/api/runs")["runs"];
  ASSERT_EQ(runs.size(), 3u);
  const json header = runs[2]["header"];
  EXPECT_EQ(header["args"], first["args"]);
  // As read: the null "restart" is left out, and an empty list is still there.
  const json crash = {{"node", 3}, {"at", 2}};
  EXPECT_EQ(header["faults"], json({{"crashes", {crash}}, {"partitions", json::array()}}));

  json second = {{"args", header["args"]},
                 {"crashes", header["faults"]["crashes"]},
                 {"partitions", header["faults"]["partitions"]}};
  second["partitions"].push_back(
      {{"groups", {{{{"from", 0}, {"to", 4}}}}}, {"start", 1}, {"heal", 3}});
  res = post_sim(second.dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body), json({{"runs", {3}}}));
  runs = get_json("/api/runs")["runs"];
  ASSERT_EQ(runs.size(), 4u);
  const json& run = runs[3];
  EXPECT_EQ(run["header"]["args"], first["args"]);
  const json partition = {{"groups", {{0, 1, 2, 3, 4}}}, {"start", 1}, {"heal", 3}};
  EXPECT_EQ(run["header"]["faults"], json({{"crashes", {crash}}, {"partitions", {partition}}}));

  auto events = client_->Get("/api/runs/3/events");
  ASSERT_TRUE(events);
  ASSERT_EQ(events->status, 200);
  std::vector<json> crashes, partitions;
  for (const std::string& line : lines_of(events->body)) {
    const json e = json::parse(line);
    if (e["ev"] == "crash") crashes.push_back(e);
    if (e["ev"] == "partition") partitions.push_back(e);
  }
  ASSERT_EQ(crashes.size(), 1u);
  EXPECT_EQ(crashes[0]["node"], 3);
  EXPECT_DOUBLE_EQ(crashes[0]["t"].get<double>(), 2000.0);
  ASSERT_EQ(partitions.size(), 2u);
  EXPECT_EQ(partitions[0]["state"], "start");
  EXPECT_DOUBLE_EQ(partitions[0]["t"].get<double>(), 1000.0);
  EXPECT_EQ(partitions[1]["state"], "heal");
  EXPECT_DOUBLE_EQ(partitions[1]["t"].get<double>(), 3000.0);
}

TEST_F(ViewServerTest, PostSimOfSwimAddsOneRunPerSeed) {
  start();
  auto res = post_sim(
      json({{"args", {"--protocol", "swim", "--nodes", "8", "--duration", "5s", "--seeds", "2"}}})
          .dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body), json({{"runs", {2, 3}}}));
  const json runs = get_json("/api/runs")["runs"];
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[2]["header"]["protocol"], "swim");
  EXPECT_FALSE(runs[2]["header"].contains("faults"));  // no fault plan posted
  EXPECT_EQ(runs[3]["header"]["seed"], runs[2]["header"]["seed"].get<uint64_t>() + 1);
}

TEST_F(ViewServerTest, PostSimNamesTheBadFlagOrFieldWithA400) {
  start();
  struct Case {
    std::string body;  // raw, not always JSON
    std::string error;
  };
  const std::vector<Case> cases = {
      {"{", "body: not valid JSON"},
      {"[]", "body: must be a JSON object"},
      {R"({"arg": []})", "body: unknown field 'arg' (allowed: args, crashes, partitions)"},
      {R"({"args": "--nodes 5"})", "args: must be an array of strings"},
      {R"({"args": ["--nodes", 5]})", "args[1]: must be a string"},
      {R"({"args": ["--trace", "/tmp/x"]})",
       "--trace: not available in the viewer (the viewer keeps the trace itself)"},
      {R"({"args": ["--ui"]})",
       "--ui: not available in the viewer (the viewer is already serving)"},
      {R"({"args": ["--plot=a.svg"]})",
       "--plot: not available in the viewer (the viewer draws the runs itself)"},
      {R"({"args": ["--format", "json"]})",
       "--format: not available in the viewer (the viewer reads the trace, not the report)"},
      {R"({"args": ["--listen", "127.0.0.1:1"]})",
       "--listen: not available in the viewer (the viewer is already serving)"},
      // The command line's own words (sim_command.cc, and CLI11 for a flag it does not know).
      {R"({"args": ["--protocol", "paxos"]})",
       "--protocol: unknown 'paxos' (allowed: gossip, heartbeat, swim)"},
      {R"({"args": ["--bogus"]})", "The following argument was not expected: --bogus"},
      {R"({"args": ["--nodes", "1"]})", ""},  // SimConfig::validate(): checked below
      {R"({"args": ["--nodes", "2001"]})", "--nodes: the viewer runs at most 2000 nodes, got 2001"},
      {R"({"crashes": {}})", "crashes: must be an array"},
      {R"({"args": ["--nodes", "10"], "crashes": [{"node": "3", "at": 1}]})", "crashes[0].node"},
      {R"({"args": ["--nodes", "10"], "crashes": [{"node": 3}]})", "crashes[0].at"},
      {R"({"args": ["--nodes", "10"], "crashes": [{"node": 3, "at": 1, "when": 2}]})",
       "unknown field 'crashes[0].when' (known: node, at, restart)"},
      {R"({"args": ["--nodes", "10"], "crashes": [{"node": 30, "at": 1}]})", "crashes[0].node"},
      {R"({"args": ["--nodes", "10"], "partitions": [{"groups": [[0], [1]], "start": 5,
           "heal": 2}]})",
       "partitions[0].heal"},
  };
  for (const Case& c : cases) {
    auto res = post_sim(c.body);
    ASSERT_TRUE(res) << c.body;
    EXPECT_EQ(res->status, 400) << c.body << " -> " << res->body;
    const json j = json::parse(res->body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << res->body;
    const std::string error = j.value("error", "");
    if (c.error.empty()) {
      EXPECT_FALSE(error.empty()) << c.body;
    } else if (c.error.find(' ') == std::string::npos) {
      EXPECT_EQ(error.rfind(c.error, 0), 0u) << c.body << " -> " << error;
    } else {
      EXPECT_EQ(error, c.error) << c.body;
    }
  }
  EXPECT_EQ(get_json("/api/runs")["runs"].size(), 2u) << "a refused simulation adds no run";
}

TEST_F(ViewServerTest, PostSimRefusesMoreArgumentsCrashesOrPartitionsThanItsLimits) {
  start();
  json args = json::array();
  for (int i = 0; i < 101; ++i)
    args.insert(args.end(), {"--seed", "1"});
  EXPECT_EQ(post_error({{"args", args}}), "args: at most 200 arguments, got 202");
  json crashes = json::array();
  for (int i = 0; i < 65; ++i)
    crashes.push_back({{"node", i}, {"at", 1}});
  EXPECT_EQ(post_error({{"crashes", crashes}}), "crashes: at most 64, got 65");
  json partitions = json::array();
  for (int i = 0; i < 9; ++i)
    partitions.push_back({{"groups", {{0}, {1}}}, {"start", i}});
  EXPECT_EQ(post_error({{"partitions", partitions}}), "partitions: at most 8, got 9");
  const std::string big = R"({"args": [")" + std::string(70 * 1024, 'x') + R"("]})";
  auto res = post_sim(big);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(json::parse(res->body)["error"], "body: larger than 65536 bytes");
}

TEST_F(ViewServerTest, ASimulationWhoseTraceOutgrowsTheLimitIsStoppedAndAddsNothing) {
  ViewLimits limits;
  limits.max_sim_trace_bytes = 20'000;
  start(limits);
  const std::string error = post_error({{"args", {"--nodes", "500"}}});
  EXPECT_EQ(error.rfind("the simulation's trace passed 20000 bytes", 0), 0u) << error;
  EXPECT_EQ(get_json("/api/runs")["runs"].size(), 2u);
  EXPECT_TRUE(fs::is_empty(dir_ / "tmp")) << "the aborted trace is removed";
}

TEST_F(ViewServerTest, ASecondSimulationWhileOneRunsIsA409AndStoppingAbandonsTheFirstWith503) {
  start();
  // Heartbeat membership for a million rounds: far longer than this test.
  std::optional<httplib::Result> first;
  std::thread long_post([this, &first] {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(120, 0);
    first.emplace(c.Post(
        "/api/sim",
        json({{"args", {"--protocol", "heartbeat", "--nodes", "50", "--max-rounds", "1000000"}}})
            .dump(),
        "application/json"));
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!server_->simulating() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(server_->simulating());
  const std::string busy = post_error({{"args", {"--nodes", "10"}}}, 409);
  EXPECT_EQ(busy, "another simulation is running; try again when it has finished");
  stop();
  long_post.join();
  ASSERT_TRUE(first && *first) << (first ? httplib::to_string(first->error()) : "no answer");
  EXPECT_EQ((*first)->status, 503) << (*first)->body;
  EXPECT_FALSE(server_->simulating());
}

TEST_F(ViewServerTest, TheServersTemporaryTracesAreRemovedWithIt) {
  start();
  auto res = post_sim(R"({"args": ["--nodes", "20"]})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_FALSE(fs::is_empty(dir_ / "tmp"));
  stop();
  server_.reset();
  EXPECT_TRUE(fs::is_empty(dir_ / "tmp"));
}

TEST(ParseListen, AcceptsHostPortAndBracketedIpv6AndNamesTheFlagOtherwise) {
  auto a = parse_listen("127.0.0.1:8947");
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8947);
  auto b = parse_listen("[::1]:0");
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 0);
  for (const char* bad : {"8947", ":8947", "127.0.0.1:", "127.0.0.1:http", "::1:80", "[]:80",
                          "127.0.0.1:65536", "127.0.0.1:-1"}) {
    auto r = parse_listen(bad);
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_EQ(r.message().rfind("--listen: ", 0), 0u) << r.message();
  }
}

TEST(ViewServerBind, APortInUseIsAnErrorNamingTheAddress) {
  ViewServer first("a");
  ASSERT_TRUE(first.bind("127.0.0.1:0").is_ok());
  ViewServer second("b");
  const std::string listen = "127.0.0.1:" + std::to_string(first.port());
  const Status s = second.bind(listen);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.message().rfind("--listen " + listen + ": cannot listen: ", 0), 0u) << s.message();
}

}  // namespace
}  // namespace rumor::cli
