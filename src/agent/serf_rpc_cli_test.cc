// SerfRpcServer driven by the real `serf` CLI (/usr/bin/serf, Serf 0.9.4; Debian package
// `serf`): each command's output and exit code, and what reached the fake backend.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent/serf_rpc.h"
#include "agent/serf_rpc_test_backend.h"

extern char** environ;

namespace rumor::agent {
namespace {

using Clock = std::chrono::steady_clock;
using rpctest::bytes_of;
using rpctest::FakeBackend;

// ---- running the real serf CLI -----------------------------------------------------------

constexpr const char* kSerf = "/usr/bin/serf";

// A child process whose stdout and stderr go to one pipe.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    int fds[2];
    if (pipe(fds) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    std::vector<char*> argv;
    for (const std::string& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }

  // Reads until `needle` is in the output, EOF, or the deadline. Whether it appeared.
  bool read_until(std::string_view needle, int timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (out_.find(needle) == std::string::npos) {
      if (!read_some(deadline)) return false;
    }
    return true;
  }
  // Reads to EOF and reaps the process; its exit code, or -1 if it had to be killed.
  int finish(int timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (read_some(deadline)) {
    }
    if (Clock::now() >= deadline) kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  void interrupt() { kill(pid_, SIGINT); }
  const std::string& output() const { return out_; }

 private:
  bool read_some(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n <= 0) return false;
    out_.append(buf, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string out_;
};

struct CliResult {
  int exit_code = -1;
  std::string output;
};

class SerfCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kSerf))
        << kSerf << " is missing: these tests drive the real Serf CLI (Debian package `serf`)";
    start_server({});
  }
  void start_server(SerfRpcConfig config) {
    server_.reset();
    config.query_grace_ms = 200;
    auto s = SerfRpcServer::start(backend_, "127.0.0.1:0", std::move(config));
    ASSERT_TRUE(s.is_ok()) << s.message();
    server_ = std::move(*s);
  }
  std::vector<std::string> argv(const std::string& command, std::vector<std::string> args,
                                const std::string& auth = "") {
    std::vector<std::string> v = {kSerf, command,
                                  "-rpc-addr=127.0.0.1:" + std::to_string(server_->port())};
    if (!auth.empty()) v.push_back("-rpc-auth=" + auth);
    v.insert(v.end(), args.begin(), args.end());
    return v;
  }
  CliResult serf(const std::string& command, std::vector<std::string> args = {},
                 const std::string& auth = "") {
    Child child(argv(command, std::move(args), auth));
    CliResult r;
    r.exit_code = child.finish(5000);
    r.output = child.output();
    return r;
  }

  FakeBackend backend_;
  std::unique_ptr<SerfRpcServer> server_;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string line_with(const std::string& text, std::string_view needle) {
  for (const std::string& l : lines_of(text)) {
    if (l.find(needle) != std::string::npos) return l;
  }
  return "";
}

TEST_F(SerfCli, MembersListsNameAddressStatusAndTags) {
  CliResult r = serf("members");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(lines_of(r.output).size(), 3u) << r.output;
  const std::string a = line_with(r.output, "node-a");
  EXPECT_NE(a.find("10.0.0.1:7946"), std::string::npos) << r.output;
  EXPECT_NE(a.find("alive"), std::string::npos);
  EXPECT_NE(a.find("role=web"), std::string::npos);
  EXPECT_NE(a.find("dc=east"), std::string::npos);
  EXPECT_NE(line_with(r.output, "node-c").find("failed"), std::string::npos);
}

TEST_F(SerfCli, MembersJsonCarriesSerfProtocolVersions) {
  CliResult r = serf("members", {"-format=json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j["members"].size(), 3u);
  const auto& a = j["members"][0];
  EXPECT_EQ(a["name"], "node-a");
  EXPECT_EQ(a["addr"], "10.0.0.1:7946");
  EXPECT_EQ(a["port"], 7946);
  EXPECT_EQ(a["status"], "alive");
  EXPECT_EQ(a["tags"]["dc"], "east");
  EXPECT_EQ(a["protocol"]["version"], 4);
  EXPECT_EQ(a["protocol"]["min"], 2);
  EXPECT_EQ(a["protocol"]["max"], 5);
}

TEST_F(SerfCli, MembersFiltersByStatusAndTagRegexps) {
  CliResult alive = serf("members", {"-status=alive"});
  ASSERT_EQ(alive.exit_code, 0) << alive.output;
  EXPECT_EQ(lines_of(alive.output).size(), 2u) << alive.output;
  EXPECT_EQ(alive.output.find("node-c"), std::string::npos);

  CliResult web = serf("members", {"-tag", "role=web"});
  ASSERT_EQ(web.exit_code, 0) << web.output;
  EXPECT_EQ(lines_of(web.output).size(), 2u) << web.output;
  EXPECT_EQ(web.output.find("node-b"), std::string::npos);

  CliResult both = serf("members", {"-status=al.*", "-tag", "role=w[e]b", "-name=node-."});
  ASSERT_EQ(both.exit_code, 0) << both.output;
  EXPECT_EQ(lines_of(both.output).size(), 1u) << both.output;
  EXPECT_NE(both.output.find("node-a"), std::string::npos);

  CliResult bad = serf("members", {"-name=(unclosed"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("Failed to compile regex"), std::string::npos) << bad.output;
}

TEST_F(SerfCli, MembersDetailedShowsDelegateProtocol) {
  CliResult r = serf("members", {"-detailed"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string a = line_with(r.output, "node-a");
  EXPECT_NE(a.find("Protocol Version: 4"), std::string::npos) << r.output;
  EXPECT_NE(a.find("Available Protocol Range: [2, 5]"), std::string::npos) << r.output;
}

TEST_F(SerfCli, JoinPassesAddressesAndReplayAndReportsCount) {
  CliResult r = serf("join", {"10.0.0.9:7946", "10.0.0.10"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Successfully joined cluster by contacting 2 nodes."), std::string::npos)
      << r.output;
  {
    std::lock_guard lock(backend_.mu);
    EXPECT_EQ(backend_.joined, (std::vector<std::string>{"10.0.0.9:7946", "10.0.0.10"}));
    EXPECT_FALSE(backend_.join_replay);
  }
  r = serf("join", {"-replay", "10.0.0.9"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  {
    std::lock_guard lock(backend_.mu);
    EXPECT_TRUE(backend_.join_replay);
  }
  r = serf("join", {"bad"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("Error joining the cluster: dial tcp bad: no route"), std::string::npos)
      << r.output;
}

TEST_F(SerfCli, LeaveAsksTheBackendToLeave) {
  CliResult r = serf("leave");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Graceful leave complete"), std::string::npos) << r.output;
  std::lock_guard lock(backend_.mu);
  EXPECT_EQ(backend_.leaves, 1);
}

TEST_F(SerfCli, ForceLeavePassesNodeAndPrune) {
  CliResult r = serf("force-leave", {"node-c"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  {
    std::lock_guard lock(backend_.mu);
    EXPECT_EQ(backend_.force_left, "node-c");
    EXPECT_FALSE(backend_.force_prune);
  }
  r = serf("force-leave", {"-prune", "node-b"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::lock_guard lock(backend_.mu);
  EXPECT_EQ(backend_.force_left, "node-b");
  EXPECT_TRUE(backend_.force_prune);
}

TEST_F(SerfCli, EventPassesNamePayloadAndCoalesce) {
  CliResult r = serf("event", {"deploy", "v1.2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Event 'deploy' dispatched! Coalescing enabled: true"), std::string::npos)
      << r.output;
  {
    std::lock_guard lock(backend_.mu);
    EXPECT_EQ(backend_.event_name, "deploy");
    EXPECT_EQ(backend_.event_payload, bytes_of("v1.2"));
    EXPECT_TRUE(backend_.event_coalesce);
  }
  r = serf("event", {"-coalesce=false", "restart"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  {
    std::lock_guard lock(backend_.mu);
    EXPECT_EQ(backend_.event_name, "restart");
    EXPECT_TRUE(backend_.event_payload.empty());
    EXPECT_FALSE(backend_.event_coalesce);
  }
  r = serf("event", {"toolarge"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("Error sending event: user event exceeds limit"), std::string::npos)
      << r.output;
}

TEST_F(SerfCli, QueryShowsAcksAndResponsesFromTheSink) {
  CliResult r =
      serf("query", {"-timeout=1s", "-tag", "role=web", "-node", "node-a", "ping", "data"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Query 'ping' dispatched"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Ack from 'node-a'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Response from 'node-a': pong-a"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Response from 'node-b': pong-b"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Total Acks: 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Total Responses: 2"), std::string::npos) << r.output;
  std::lock_guard lock(backend_.mu);
  ASSERT_TRUE(backend_.queried.has_value());
  EXPECT_EQ(backend_.queried->name, "ping");
  EXPECT_EQ(backend_.queried->payload, bytes_of("data"));
  EXPECT_TRUE(backend_.queried->request_ack);
  EXPECT_EQ(backend_.queried->timeout_ns, 1'000'000'000);
  EXPECT_EQ(backend_.queried->filter_nodes, std::vector<std::string>{"node-a"});
  EXPECT_EQ(backend_.queried->filter_tags, (RpcTags{{"role", "web"}}));
}

TEST_F(SerfCli, QueryWithoutDoneEndsAtTheGuardAndNoAckIsPassed) {
  {
    std::lock_guard lock(backend_.mu);
    backend_.query_mode = FakeBackend::QueryMode::kNeverDone;
  }
  const auto t0 = Clock::now();
  CliResult r = serf("query", {"-timeout=100ms", "-no-ack", "slow"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(3));
  EXPECT_NE(r.output.find("Total Responses: 0"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Total Acks"), std::string::npos) << r.output;
  std::lock_guard lock(backend_.mu);
  EXPECT_FALSE(backend_.queried->request_ack);
}

TEST_F(SerfCli, QueryErrorFromBackendIsShown) {
  {
    std::lock_guard lock(backend_.mu);
    backend_.query_mode = FakeBackend::QueryMode::kFail;
  }
  CliResult r = serf("query", {"big"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("Error sending query: query exceeds limit"), std::string::npos)
      << r.output;
}

TEST_F(SerfCli, TagsPassesSetAndDelete) {
  CliResult r = serf("tags", {"-set", "a=b", "-delete", "c"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Successfully updated agent tags"), std::string::npos) << r.output;
  std::lock_guard lock(backend_.mu);
  EXPECT_EQ(backend_.tags_set, (RpcTags{{"a", "b"}}));
  EXPECT_EQ(backend_.tags_removed, std::vector<std::string>{"c"});
}

TEST_F(SerfCli, KeysListInstallUseRemove) {
  CliResult r = serf("keys", {"-list"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(line_with(r.output, "K1xxxxxxxxxxxxxxxxxxxA==").find("[3/3]"), std::string::npos)
      << r.output;
  EXPECT_NE(line_with(r.output, "K2xxxxxxxxxxxxxxxxxxxA==").find("[1/3]"), std::string::npos)
      << r.output;
  const std::pair<const char*, KeyOp> ops[] = {
      {"-install", KeyOp::kInstall}, {"-use", KeyOp::kUse}, {"-remove", KeyOp::kRemove}};
  for (const auto& [flag, op] : ops) {
    r = serf("keys", {flag, "S2V5S2V5S2V5S2V5S2V5Sw=="});
    ASSERT_EQ(r.exit_code, 0) << flag << ": " << r.output;
    EXPECT_NE(r.output.find("Successfully"), std::string::npos) << r.output;
    std::lock_guard lock(backend_.mu);
    EXPECT_TRUE(backend_.key_op_seen == op);
    EXPECT_EQ(backend_.key_seen, "S2V5S2V5S2V5S2V5S2V5Sw==");
  }
  r = serf("keys", {"-install", "bad"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("node-b"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("key is not valid base64"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Error installing key: 1/3 nodes reported failure"), std::string::npos)
      << r.output;
}

TEST_F(SerfCli, InfoPrintsStatsAsTextAndJson) {
  CliResult r = serf("info");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("agent:\n\tname = node-a"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("serf:\n\tfailed = 1\n\tmembers = 3"), std::string::npos) << r.output;
  r = serf("info", {"-format=json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["agent"]["name"], "node-a");
  EXPECT_EQ(j["tags"]["role"], "web");
}

TEST_F(SerfCli, RttBetweenTwoNodesAndFromTheAgent) {
  CliResult r = serf("rtt", {"node-a", "node-b"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Estimated node-a <-> node-b rtt: 500.000 ms"), std::string::npos)
      << r.output;
  r = serf("rtt", {"node-b"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Estimated node-b <-> node-a rtt: 500.000 ms"), std::string::npos)
      << r.output;
  r = serf("rtt", {"nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("Could not find a coordinate for node \"nope\""), std::string::npos)
      << r.output;
}

TEST_F(SerfCli, MonitorShowsLogsAtLevelAndEventsUntilInterrupted) {
  server_->publish_log(LogLevel::kDebug, "[DEBUG] backlog-debug-line");
  server_->publish_log(LogLevel::kInfo, "[INFO] backlog-info-line");
  Child child(argv("monitor", {"-log-level=info"}));
  ASSERT_TRUE(child.read_until("backlog-info-line", 3000)) << child.output();
  server_->publish_log(LogLevel::kWarn, "[WARN] live-warn-line");
  ASSERT_TRUE(child.read_until("live-warn-line", 3000)) << child.output();
  RpcEvent e;
  e.type = RpcEventType::kUser;
  e.name = "deploy-seen-by-monitor";
  server_->publish_event(e);
  ASSERT_TRUE(child.read_until("deploy-seen-by-monitor", 3000)) << child.output();
  child.interrupt();
  EXPECT_EQ(child.finish(3000), 0) << child.output();
  EXPECT_EQ(child.output().find("backlog-debug-line"), std::string::npos) << child.output();
  EXPECT_NE(child.output().find("Event Info:"), std::string::npos) << child.output();
}

TEST_F(SerfCli, AuthKeyIsRequiredAndChecked) {
  SerfRpcConfig config;
  config.auth_key = "s3cret";
  start_server(config);
  CliResult ok = serf("members", {}, "s3cret");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(lines_of(ok.output).size(), 3u) << ok.output;
  CliResult wrong = serf("members", {}, "guess");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.output.find("Invalid authentication token"), std::string::npos) << wrong.output;
  CliResult missing = serf("members");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("Authentication required"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace rumor::agent
