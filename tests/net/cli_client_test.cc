// The client commands (`rumor members`, `join`, `leave`, `info`, `monitor`; client_command.h)
// as a user meets them: the real binary (RUMOR_BIN) run as a child process against a fake agent,
// an httplib::Server on a free loopback port that answers what each test tells it to and records
// the requests it got. So these tests pin the CLI's side of the HTTP contract without the real
// agent: the table, the JSON, the filters, the exit statuses, and one line on stderr for every
// failure (bad flags: 2, before any request; no agent, an error answer, malformed JSON: 1).
#include <fcntl.h>
#include <httplib.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/run_command.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using Output = rumor::testing_support::CommandOutput;

struct Recorded {
  std::string method;
  std::string path;
  std::string body;
};

size_t line_count(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

const char* const kMembers = R"({"members":[
  {"name":"web-2","address":"10.0.0.2:7946","status":"failed","tags":{"role":"web","dc":"east"},"incarnation":4},
  {"name":"db-1","address":"10.0.0.9:7946","status":"alive","tags":{"role":"db"},"incarnation":1},
  {"name":"web-10","address":"10.0.0.10:7946","status":"alive","tags":{"role":"web","dc":"west"},"incarnation":2},
  {"name":"cache","address":"10.0.0.3:7946","status":"left","tags":{},"incarnation":7}
]})";

// An event-stream event as the agent writes it.
std::string sse_event(const std::string& type, const std::string& name, const std::string& addr,
                      const std::string& time) {
  const json data = {{"type", type},
                     {"time", time},
                     {"member",
                      {{"name", name},
                       {"address", addr},
                       {"status", "alive"},
                       {"tags", json::object()},
                       {"incarnation", 1}}}};
  return "event: " + type + "\ndata: " + data.dump() + "\n\n";
}

// A stand-in for `rumor agent`'s HTTP API on 127.0.0.1, serving from its own thread.
class FakeAgent {
 public:
  FakeAgent() = default;
  FakeAgent(const FakeAgent&) = delete;
  FakeAgent& operator=(const FakeAgent&) = delete;
  ~FakeAgent() { stop(); }

  // Answers `method path` with `status` and `body` (JSON).
  void answer(const std::string& method, const std::string& path, int status, std::string body) {
    auto handler = [this, status, body](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.status = status;
      res.set_content(body, "application/json");
    };
    if (method == "GET") server_.Get(path, handler);
    if (method == "POST") server_.Post(path, handler);
  }

  // GET /v1/events streams `chunks` (one write each), then ends the stream cleanly, or (broken)
  // drops the connection as a dying agent would.
  void stream_events(std::vector<std::string> chunks, bool broken = false) {
    server_.Get("/v1/events",
                [this, chunks, broken](const httplib::Request& req, httplib::Response& res) {
                  record(req);
                  res.set_chunked_content_provider(
                      "text/event-stream", [chunks, broken](size_t, httplib::DataSink& sink) {
                        for (const std::string& c : chunks)
                          if (!sink.write(c.data(), c.size())) return false;
                        if (broken) return false;
                        sink.done();
                        return true;
                      });
                });
  }

  void start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs, so a stop right after start would hang.
    for (int i = 0; i < 500 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(server_.is_running());
  }

  void stop() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }

  std::string addr() const { return "127.0.0.1:" + std::to_string(port_); }

  std::vector<Recorded> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  void record(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back({req.method, req.path, req.body});
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::vector<Recorded> requests_;
};

// A loopback port nothing listens on: a fake agent served it, then stopped.
std::string dead_addr() {
  FakeAgent gone;
  gone.start();
  const std::string addr = gone.addr();
  gone.stop();
  return addr;
}

class CliClient : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "rumor_cli_client_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << "mkdtemp under " << testing::TempDir();
    dir_ = tmpl;
  }
  void TearDown() override {
    agent_.stop();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  // Runs `rumor args...` with `env` (NAME=VALUE) added to the environment, minus any inherited
  // RUMOR_HTTP_ADDR; its output goes to files in the temporary directory.
  Output run(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
             std::chrono::seconds limit = std::chrono::seconds(20)) {
    std::vector<std::string> env_strings = env;
    for (char** e = environ; *e != nullptr; ++e)
      if (std::string(*e).rfind("RUMOR_HTTP_ADDR=", 0) != 0) env_strings.emplace_back(*e);
    return rumor::testing_support::run_command(RUMOR_BIN, args, dir_, env_strings, limit);
  }

  // `rumor args... --http <the fake agent>`.
  Output run_against_agent(std::vector<std::string> args) {
    args.insert(args.end(), {"--http", agent_.addr()});
    return run(args);
  }

  fs::path dir_;
  FakeAgent agent_;
};

// The running processes whose pid the demo printed ("(pid 123)").
std::vector<pid_t> live_pids_in(const std::string& text) {
  std::vector<pid_t> live;
  for (size_t at = text.find("(pid "); at != std::string::npos; at = text.find("(pid ", at + 1)) {
    const pid_t pid = static_cast<pid_t>(std::stol(text.substr(at + 5)));
    if (kill(pid, 0) == 0) live.push_back(pid);
  }
  return live;
}

// One line on stderr that names the command, nothing on stdout.
void expect_one_error_line(const Output& o, int status, const std::string& command) {
  EXPECT_EQ(o.status, status) << o.err;
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(line_count(o.err), 1u) << o.err;
  EXPECT_EQ(o.err.rfind(command + ": ", 0), 0u) << o.err;
}

TEST_F(CliClient, MembersTableIsSortedByNameWithAlignedColumnsAndSortedTags) {
  agent_.answer("GET", "/v1/members", 200, kMembers);
  agent_.start();
  const Output o = run_against_agent({"members"});
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out,
            "NAME    ADDRESS         STATUS  TAGS\n"
            "cache   10.0.0.3:7946   left\n"
            "db-1    10.0.0.9:7946   alive   role=db\n"
            "web-10  10.0.0.10:7946  alive   dc=west,role=web\n"
            "web-2   10.0.0.2:7946   failed  dc=east,role=web\n");
  EXPECT_EQ(o.err, "");
  const auto requests = agent_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/v1/members");
}

TEST_F(CliClient, MembersJsonPrintsTheFilteredMembersAsSentSortedByName) {
  agent_.answer("GET", "/v1/members", 200, kMembers);
  agent_.start();
  const Output o = run_against_agent({"members", "--format", "json", "--status", "alive"});
  ASSERT_EQ(o.status, 0) << o.err;
  const json j = json::parse(o.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["name"], "db-1");
  EXPECT_EQ(j[1]["name"], "web-10");
  EXPECT_EQ(j[1]["incarnation"], 2);  // fields the CLI does not use are kept
  EXPECT_EQ(j[1]["tags"]["dc"], "west");
}

TEST_F(CliClient, MembersStatusFilterKeepsOnlyThatStatus) {
  agent_.answer("GET", "/v1/members", 200, kMembers);
  agent_.start();
  const Output o = run_against_agent({"members", "--status", "failed"});
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out,
            "NAME   ADDRESS        STATUS  TAGS\n"
            "web-2  10.0.0.2:7946  failed  dc=east,role=web\n");
}

TEST_F(CliClient, MembersTagFiltersMustAllMatchExactly) {
  agent_.answer("GET", "/v1/members", 200, kMembers);
  agent_.start();
  Output o = run_against_agent({"members", "--tag", "role=web", "--tag", "dc=west"});
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out,
            "NAME    ADDRESS         STATUS  TAGS\n"
            "web-10  10.0.0.10:7946  alive   dc=west,role=web\n");
  o = run_against_agent({"members", "--tag", "role=we", "--format", "json"});
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(json::parse(o.out), json::array());
}

TEST_F(CliClient, MembersRejectsAnUnknownStatusNamingTheAllowedOnesBeforeAnyRequest) {
  agent_.answer("GET", "/v1/members", 200, kMembers);
  agent_.start();
  const Output o = run_against_agent({"members", "--status", "dead"});
  expect_one_error_line(o, 2, "rumor members");
  EXPECT_NE(o.err.find("'dead'"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("alive, suspect, leaving, failed, left"), std::string::npos) << o.err;
  EXPECT_TRUE(agent_.requests().empty());
}

TEST_F(CliClient, MembersRejectsATagWithoutKeyEqualsValue) {
  agent_.answer("GET", "/v1/members", 200, kMembers);
  agent_.start();
  for (const char* bad : {"role", "=web"}) {
    const Output o = run_against_agent({"members", "--tag", bad});
    expect_one_error_line(o, 2, "rumor members");
    EXPECT_NE(o.err.find("KEY=VALUE"), std::string::npos) << o.err;
  }
  EXPECT_TRUE(agent_.requests().empty());
}

TEST_F(CliClient, HttpAddressComesFromTheEnvironmentUnlessTheFlagIsGiven) {
  agent_.answer("GET", "/v1/members", 200, kMembers);
  agent_.start();
  Output o = run({"members"}, {"RUMOR_HTTP_ADDR=" + agent_.addr()});
  EXPECT_EQ(o.status, 0) << o.err;
  o = run({"members", "--http", dead_addr()}, {"RUMOR_HTTP_ADDR=" + agent_.addr()});
  expect_one_error_line(o, 1, "rumor members");
}

TEST_F(CliClient, BadHttpAddressIsOneLineAndExit2) {
  for (const char* bad : {"127.0.0.1:99999", "127.0.0.1:x", "[::1", "https://127.0.0.1:1"}) {
    const Output o = run({"members", "--http", bad});
    expect_one_error_line(o, 2, "rumor members");
    EXPECT_NE(o.err.find("HOST:PORT"), std::string::npos) << o.err;
  }
}

TEST_F(CliClient, NoAgentIsOneLineNamingTheAddressAndExit1) {
  const std::string addr = dead_addr();
  for (const char* command : {"members", "info", "leave", "monitor"}) {
    const Output o = run({command, "--http", addr});
    expect_one_error_line(o, 1, std::string("rumor ") + command);
    EXPECT_NE(o.err.find("no agent at " + addr + " (connection refused)"), std::string::npos)
        << o.err;
    EXPECT_NE(o.err.find("rumor agent"), std::string::npos) << o.err;
  }
  const Output o = run({"join", "--http", addr, "127.0.0.1:7946"});
  expect_one_error_line(o, 1, "rumor join");
}

TEST_F(CliClient, MalformedJsonFromTheAgentIsOneLineAndExit1) {
  agent_.answer("GET", "/v1/members", 200, "{\"members\": [ {\"name\": \n\"a\"");
  agent_.answer("GET", "/v1/self", 200, "[1, 2]");
  agent_.answer("POST", "/v1/join", 200, R"({"joined": "many"})");
  agent_.start();
  Output o = run_against_agent({"members"});
  expect_one_error_line(o, 1, "rumor members");
  EXPECT_NE(o.err.find("malformed"), std::string::npos) << o.err;
  o = run_against_agent({"info"});
  expect_one_error_line(o, 1, "rumor info");
  o = run_against_agent({"join", "127.0.0.1:7946"});
  expect_one_error_line(o, 1, "rumor join");
}

TEST_F(CliClient, MembersOfTheWrongShapeAreMalformedNotACrash) {
  const char* const bodies[] = {
      R"({"members": 3})",
      R"({"members": [{"address": "10.0.0.1:7946", "status": "alive"}]})",
      R"({"members": [{"name": "a", "address": "x", "status": "alive", "tags": {"k": 1}}]})",
      R"({"members": [7]})",
      "null",
  };
  for (const char* body : bodies) {
    FakeAgent agent;
    agent.answer("GET", "/v1/members", 200, body);
    agent.start();
    const Output o = run({"members", "--http", agent.addr()});
    expect_one_error_line(o, 1, "rumor members");
  }
}

TEST_F(CliClient, AnAgentErrorIsPrintedOnOneLineWithExit1) {
  agent_.answer("GET", "/v1/members", 503, "{\"error\":\"shutting\\ndown\"}");
  agent_.start();
  const Output o = run_against_agent({"members"});
  expect_one_error_line(o, 1, "rumor members");
  EXPECT_NE(o.err.find("HTTP 503: shutting down"), std::string::npos) << o.err;
}

TEST_F(CliClient, JoinSendsTheAddressesAndPrintsSerfsMessage) {
  agent_.answer("POST", "/v1/join", 200, R"({"joined": 2})");
  agent_.start();
  const Output o = run_against_agent({"join", "10.0.0.1:7946", "10.0.0.2:7946"});
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "Successfully joined cluster by contacting 2 nodes.\n");
  const auto requests = agent_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(json::parse(requests[0].body),
            json({{"addresses", {"10.0.0.1:7946", "10.0.0.2:7946"}}}));
}

TEST_F(CliClient, JoinExits1WhenNoSeedAnswered) {
  agent_.answer("POST", "/v1/join", 200, R"({"joined": 0})");
  agent_.start();
  const Output o = run_against_agent({"join", "10.0.0.1:7946"});
  expect_one_error_line(o, 1, "rumor join");
  EXPECT_NE(o.err.find("no seed answered"), std::string::npos) << o.err;
}

TEST_F(CliClient, JoinPrintsTheAgentsErrorAndExits1) {
  agent_.answer("POST", "/v1/join", 400, R"({"error": "bad address 'x:y'"})");
  agent_.start();
  const Output o = run_against_agent({"join", "x:y"});
  expect_one_error_line(o, 1, "rumor join");
  EXPECT_NE(o.err.find("bad address 'x:y'"), std::string::npos) << o.err;
}

TEST_F(CliClient, JoinNeedsAtLeastOneAddress) {
  const Output o = run({"join"});
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(line_count(o.err), 1u) << o.err;
}

TEST_F(CliClient, LeavePostsAndReportsAGracefulLeave) {
  agent_.answer("POST", "/v1/leave", 200, R"({"left": true})");
  agent_.start();
  const Output o = run_against_agent({"leave"});
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "Graceful leave complete\n");
  const auto requests = agent_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
}

TEST_F(CliClient, InfoPrintsKeyValueLinesWithNestedFieldsFlattened) {
  agent_.answer("GET", "/v1/self", 200, R"({
    "name": "a", "address": "10.0.0.1:7946", "incarnation": 3, "tags": {"role": "web"},
    "status": "alive", "awareness": 0,
    "members": {"alive": 4, "suspect": 1, "failed": 0, "left": 0},
    "protocol": {"version": 5}})");
  agent_.start();
  Output o = run_against_agent({"info"});
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out,
            "name: a\n"
            "address: 10.0.0.1:7946\n"
            "status: alive\n"
            "incarnation: 3\n"
            "awareness: 0\n"
            "members.alive: 4\n"
            "members.failed: 0\n"
            "members.left: 0\n"
            "members.suspect: 1\n"
            "tags.role: web\n"
            "protocol.version: 5\n");
  o = run_against_agent({"info", "--format", "json"});
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(json::parse(o.out)["members"]["alive"], 4);
}

TEST_F(CliClient, MonitorPrintsOneLinePerEventAndExitsWhenTheStreamEnds) {
  agent_.stream_events({": keepalive\n\n",
                        sse_event("member-join", "b", "10.0.0.2:7946", "2026-11-21T10:00:00Z"),
                        // An event split across writes, with CRLF line ends.
                        "event: member-failed\r\ndata: {\"type\":\"member-failed\",",
                        "\"time\":\"2026-11-21T10:00:05Z\",\"member\":{\"name\":\"b\",\"address\":"
                        "\"10.0.0.2:7946\",\"status\":\"failed\"}}\r\n\r\n",
                        ": keepalive\n\n"});
  agent_.start();
  const Output o = run_against_agent({"monitor"});
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out,
            "2026-11-21T10:00:00Z member-join b 10.0.0.2:7946\n"
            "2026-11-21T10:00:05Z member-failed b 10.0.0.2:7946\n");
  EXPECT_EQ(line_count(o.err), 1u) << o.err;
  EXPECT_NE(o.err.find("closed the event stream"), std::string::npos) << o.err;
}

TEST_F(CliClient, MonitorTypeFilterKeepsOnlyTheNamedTypes) {
  agent_.stream_events({sse_event("member-join", "b", "10.0.0.2:7946", "t1"),
                        sse_event("member-suspect", "b", "10.0.0.2:7946", "t2"),
                        sse_event("member-failed", "b", "10.0.0.2:7946", "t3"),
                        sse_event("member-reap", "b", "10.0.0.2:7946", "t4")});
  agent_.start();
  const Output o = run_against_agent({"monitor", "--type", "member-failed,member-join"});
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "t1 member-join b 10.0.0.2:7946\nt3 member-failed b 10.0.0.2:7946\n");
}

TEST_F(CliClient, MonitorPrintsQueriesWithTheirAskerAndFiltersThemByType) {
  agent_.stream_events(
      {sse_event("member-join", "b", "10.0.0.2:7946", "t1"),
       "event: query\ndata: {\"type\":\"query\",\"time\":\"t2\",\"id\":3,\"name\":\"uptime\","
       "\"ltime\":2,\"payload\":\"how long?\",\"from\":\"b\"}\n\n",
       "event: query\ndata: {\"type\":\"query\",\"time\":\"t3\",\"id\":4,\"name\":\"ping\","
       "\"ltime\":3,\"payload\":\"\",\"from\":null}\n\n"});
  agent_.start();
  const Output o = run_against_agent({"monitor", "--type", "query"});
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "t2 query uptime from=b how long?\nt3 query ping from=? \n");
}

TEST_F(CliClient, MonitorRejectsAnUnknownEventType) {
  const Output o = run({"monitor", "--type", "member-join,member-dead"});
  expect_one_error_line(o, 2, "rumor monitor");
  EXPECT_NE(o.err.find("member-reap"), std::string::npos) << o.err;
}

TEST_F(CliClient, MonitorExits1WithOneLineWhenTheAgentGoesAway) {
  agent_.stream_events({sse_event("member-join", "b", "10.0.0.2:7946", "t1")}, /*broken=*/true);
  agent_.start();
  const Output o = run_against_agent({"monitor"});
  EXPECT_EQ(o.status, 1);
  EXPECT_EQ(o.out, "t1 member-join b 10.0.0.2:7946\n");
  EXPECT_EQ(line_count(o.err), 1u) << o.err;
  EXPECT_NE(o.err.find("lost the agent"), std::string::npos) << o.err;
}

TEST_F(CliClient, MonitorMalformedEventIsOneLineAndExit1) {
  agent_.stream_events({sse_event("member-join", "b", "10.0.0.2:7946", "t1"),
                        "event: member-join\ndata: {not json\n\n",
                        sse_event("member-join", "c", "10.0.0.3:7946", "t2")});
  agent_.start();
  const Output o = run_against_agent({"monitor"});
  EXPECT_EQ(o.status, 1);
  EXPECT_EQ(o.out, "t1 member-join b 10.0.0.2:7946\n");
  EXPECT_EQ(line_count(o.err), 1u) << o.err;
  EXPECT_NE(o.err.find("malformed"), std::string::npos) << o.err;
}

// `rumor demo` end to end: real agents (this needs `rumor agent`), the short timing profile.
TEST_F(CliClient, DemoPassesEveryPhaseThenLeavesNoAgentsAndNoFiles) {
  const Output o = run({"demo", "--profile", "local", "--timeout", "30"},
                       {"TMPDIR=" + dir_.string()}, std::chrono::seconds(150));
  EXPECT_EQ(o.status, 0) << o.out << o.err;
  for (const char* expected : {"converged: every agent sees 5/5 alive", "SIGKILL demo-4",
                               "every survivor sees demo-4 failed", "restarted demo-4",
                               "rejoined from its snapshot", "timeline", "detect last"}) {
    EXPECT_NE(o.out.find(expected), std::string::npos) << expected << "\n" << o.out;
  }
  const size_t restart = o.out.find("restarted demo-4");
  ASSERT_NE(restart, std::string::npos) << o.out;
  const std::string restart_line = o.out.substr(restart, o.out.find('\n', restart) - restart);
  EXPECT_EQ(restart_line.find("--join"), std::string::npos) << restart_line;
  EXPECT_TRUE(live_pids_in(o.out).empty()) << o.out;
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_EQ(entry.path().filename().string().rfind("rumor-demo-", 0), std::string::npos)
        << entry.path() << " was not removed";
}

TEST_F(CliClient, DemoRejectsAnUnknownProfile) {
  const Output o = run({"demo", "--profile", "wan"});
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(line_count(o.err), 1u) << o.err;
}

// ---- the Serf commands: event, query, force-leave, keys, rtt, keygen ----

TEST_F(CliClient, EventPostsNamePayloadAndCoalesceAndSaysItWasDispatched) {
  agent_.answer("POST", "/v1/event", 200, R"({"ok":true})");
  agent_.start();
  const Output o = run_against_agent({"event", "deploy", "v2", "--coalesce", "false"});
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "Event 'deploy' dispatched! Coalescing enabled: false\n");
  const auto requests = agent_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(json::parse(requests[0].body),
            json::parse(R"({"name":"deploy","payload":"v2","coalesce":false})"));
}

TEST_F(CliClient, QuerySendsItsFiltersAndPrintsAcksAndResponses) {
  agent_.answer("POST", "/v1/query", 200,
                R"({"acks":["a","b"],"responses":[{"from":"a","payload":"up 3 days"}]})");
  agent_.start();
  const Output o = run_against_agent(
      {"query", "uptime", "--node", "a", "--tag", "role=web.*", "--timeout", "2"});
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("Ack from 'a'"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("Response from 'a': up 3 days"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("Total Acks: 2"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("Total Responses: 1"), std::string::npos) << o.out;
  const json body = json::parse(agent_.requests().at(0).body);
  EXPECT_EQ(body["nodes"], json::parse(R"(["a"])"));
  EXPECT_EQ(body["tags"], json::parse(R"({"role":"web.*"})"));
  EXPECT_EQ(body["timeout_ms"], 2000);
  EXPECT_EQ(body["request_ack"], true);
}

TEST_F(CliClient, QueryRejectsATagFilterWithoutKeyEqualsRegexBeforeAnyRequest) {
  agent_.start();
  const Output o = run_against_agent({"query", "uptime", "--tag", "role"});
  expect_one_error_line(o, 2, "rumor query");
  EXPECT_TRUE(agent_.requests().empty());
}

TEST_F(CliClient, ForceLeavePostsTheNodeAndPrune) {
  agent_.answer("POST", "/v1/force-leave", 200, R"({"ok":true})");
  agent_.start();
  const Output o = run_against_agent({"force-leave", "web-2", "--prune"});
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(json::parse(agent_.requests().at(0).body),
            json::parse(R"({"node":"web-2","prune":true})"));
}

TEST_F(CliClient, KeysListPrintsEachKeyWithHowManyMembersHoldIt) {
  agent_.answer("POST", "/v1/keys", 200,
                R"({"error":"","num_nodes":3,"num_resp":3,"num_err":0,"messages":{},
                    "keys":{"QUJD":3,"REVG":1},"primary_keys":{"QUJD":3}})");
  agent_.start();
  const Output o = run_against_agent({"keys", "--list"});
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("QUJD [3/3]"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("REVG [1/3]"), std::string::npos) << o.out;
  EXPECT_EQ(json::parse(agent_.requests().at(0).body)["op"], "list");
}

TEST_F(CliClient, KeysFailureShowsEachMembersMessageAndExits1) {
  agent_.answer("POST", "/v1/keys", 200,
                R"({"error":"1/2 nodes reported failure","num_nodes":2,"num_resp":2,
                    "num_err":1,"messages":{"b":"key size must be 16, 24 or 32 bytes"},
                    "keys":{},"primary_keys":{}})");
  agent_.start();
  const Output o = run_against_agent({"keys", "--install", "QUJD"});
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.out.find("b: key size must be 16, 24 or 32 bytes"), std::string::npos) << o.out;
  EXPECT_NE(o.err.find("1/2 nodes reported failure"), std::string::npos) << o.err;
}

TEST_F(CliClient, KeysNeedsExactlyOneOperation) {
  agent_.start();
  const Output o = run_against_agent({"keys", "--list", "--use", "QUJD"});
  expect_one_error_line(o, 2, "rumor keys");
  EXPECT_TRUE(agent_.requests().empty());
}

TEST_F(CliClient, RttEstimatesTheRoundTripFromTwoCoordinates) {
  // Both members at the origin with a 0.5 ms height each: 1 ms apart.
  agent_.answer(
      "GET", "/v1/coordinate", 200,
      R"({"node":"x","vec":[0,0,0,0,0,0,0,0],"error":0.5,"adjustment":0,"height":0.0005})");
  agent_.start();
  const Output o = run_against_agent({"rtt", "a", "b"});
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "Estimated a <-> b rtt: 1.000 ms\n");
}

TEST_F(CliClient, KeygenPrintsANewBase64KeyOf32BytesEachTime) {
  const Output a = run({"keygen"});
  const Output b = run({"keygen"});
  EXPECT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(a.out.size(), 45u) << a.out;  // 44 base64 characters and a newline
  EXPECT_EQ(a.out[43], '=');
  EXPECT_NE(a.out, b.out);
}

}  // namespace
