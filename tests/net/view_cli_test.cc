// `rumor view TRACE` and `rumor sim ... --ui` as a user meets them: the real binary (RUMOR_BIN)
// started as a child process on a free loopback port. It prints one line with its URL, serves
// the viewer page and the runs there, and exits 0 on SIGINT or SIGTERM; bad input is one line on
// stderr and exit status 2 (src/cli/view_command.h). Wall-clock tests: they wait for outcomes
// (a line, an exit) with a deadline, never for a fixed time.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/run_command.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using rumor::testing_support::read_whole_file;
using Clock = std::chrono::steady_clock;

// A `rumor` started in the background, its stdout and stderr going to files.
class Child {
 public:
  Child(const std::vector<std::string>& args, const fs::path& dir,
        const std::vector<std::string>& extra_env = {})
      : out_(dir / "child_stdout.txt"), err_(dir / "child_stderr.txt") {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> argv_strings = {RUMOR_BIN};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_strings)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env = extra_env;
    for (char** e = environ; *e != nullptr; ++e)
      env.emplace_back(*e);
    std::vector<char*> envp;
    for (std::string& e : env)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    const int rc = posix_spawn(&pid_, RUMOR_BIN, &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      ADD_FAILURE() << "cannot start " << RUMOR_BIN << ": error " << rc;
      pid_ = 0;
    }
  }
  ~Child() {
    if (pid_ > 0 && !status_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // The first stdout line starting with `prefix`, once it is there (nullopt at the deadline or
  // if the process ended without it).
  std::optional<std::string> wait_for_line(const std::string& prefix,
                                           std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      const std::string out = read_whole_file(out_);
      for (size_t at = 0; at < out.size();) {
        const size_t nl = out.find('\n', at);
        if (nl == std::string::npos) break;
        const std::string line = out.substr(at, nl - at);
        if (line.rfind(prefix, 0) == 0) return line;
        at = nl + 1;
      }
      if (exited()) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

  // Sends `sig` and waits for the exit; the exit status, or 128 + the signal that ended it.
  int stop(int sig, std::chrono::seconds limit = std::chrono::seconds(30)) {
    if (!status_) kill(pid_, sig);
    return wait(limit);
  }

  int wait(std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto deadline = Clock::now() + limit;
    while (!exited() && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!exited()) {
      ADD_FAILURE() << "rumor still running after " << limit.count() << " s, killed";
      kill(pid_, SIGKILL);
      int w = 0;
      waitpid(pid_, &w, 0);
      status_ = 128 + SIGKILL;
    }
    return *status_;
  }

  std::string out() const { return read_whole_file(out_); }
  std::string err() const { return read_whole_file(err_); }

 private:
  bool exited() {
    if (status_) return true;
    int w = 0;
    if (waitpid(pid_, &w, WNOHANG) != pid_) return false;
    status_ = WIFEXITED(w) ? WEXITSTATUS(w) : 128 + WTERMSIG(w);
    return true;
  }

  fs::path out_, err_;
  pid_t pid_ = 0;
  std::optional<int> status_;
};

// "rumor view: TRACE (N runs) at http://127.0.0.1:PORT/" -> TRACE, N, PORT.
struct ViewLine {
  std::string trace;
  int runs = -1;
  int port = 0;
};
// Parsed by hand, not with std::regex: gcc 12 at -O1 with ASan warns (-Wmaybe-uninitialized,
// a false positive inside <regex>'s compiler) wherever a std::regex is constructed.
std::optional<int> whole_number(const std::string& s) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoi(s);
}
std::optional<ViewLine> parse_view_line(const std::string& line) {
  const std::string prefix = "rumor view: ", middle = " runs) at http://127.0.0.1:";
  if (!line.starts_with(prefix) || !line.ends_with("/")) return std::nullopt;
  const size_t mid = line.rfind(middle);
  const size_t open = mid == std::string::npos ? mid : line.rfind(" (", mid);
  if (open == std::string::npos || open < prefix.size()) return std::nullopt;
  const auto runs = whole_number(line.substr(open + 2, mid - open - 2));
  const size_t port_at = mid + middle.size();
  const auto port = whole_number(line.substr(port_at, line.size() - 1 - port_at));
  if (!runs || !port) return std::nullopt;
  return ViewLine{line.substr(prefix.size(), open - prefix.size()), *runs, *port};
}

class ViewCli : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "rumor_view_cli_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // A trace of `rumor sim ARGS --trace FILE`.
  fs::path make_trace(const std::vector<std::string>& args) {
    const fs::path trace = dir_ / "trace.jsonl";
    std::vector<std::string> full = {"sim"};
    full.insert(full.end(), args.begin(), args.end());
    full.insert(full.end(), {"--trace", trace.string()});
    const auto o = rumor::testing_support::run_command(RUMOR_BIN, full, dir_);
    EXPECT_EQ(o.status, 0) << o.err;
    return trace;
  }

  fs::path dir_;
};

TEST_F(ViewCli, ViewPrintsItsUrlServesThePageAndTheRunsAndExitsZeroOnSigint) {
  const fs::path trace = make_trace({"--nodes", "30", "--compare", "push,pull"});
  Child view({"view", trace.string(), "--listen", "127.0.0.1:0"}, dir_);
  const auto line = view.wait_for_line("rumor view: ");
  ASSERT_TRUE(line) << "stdout: " << view.out() << "\nstderr: " << view.err();
  const auto parsed = parse_view_line(*line);
  ASSERT_TRUE(parsed) << *line;
  EXPECT_EQ(parsed->trace, trace.string());
  EXPECT_EQ(parsed->runs, 2);
  ASSERT_GT(parsed->port, 0);

  httplib::Client client("127.0.0.1", parsed->port);
  auto page = client.Get("/");
  ASSERT_TRUE(page) << httplib::to_string(page.error());
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<title>rumor viewer</title>"), std::string::npos);
  auto runs = client.Get("/api/runs");
  ASSERT_TRUE(runs);
  EXPECT_EQ(runs->status, 200);
  const json j = json::parse(runs->body);
  EXPECT_EQ(j["source"], trace.string());
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][1]["header"]["mode"], "pull");
  EXPECT_EQ(j["runs"][1]["header"]["args"], json({"--nodes", "30", "--compare", "push,pull"}))
      << "the run line records the arguments after `rumor sim`, --trace left out";

  EXPECT_EQ(view.stop(SIGINT), 0) << view.err();
  EXPECT_EQ(view.err(), "");
  EXPECT_EQ(view.out(), *line + "\n") << "exactly one line on stdout";
}

TEST_F(ViewCli, ViewExitsZeroOnSigtermToo) {
  const fs::path trace = make_trace({"--nodes", "10"});
  Child view({"view", trace.string(), "--listen", "127.0.0.1:0"}, dir_);
  ASSERT_TRUE(view.wait_for_line("rumor view: ")) << view.err();
  EXPECT_EQ(view.stop(SIGTERM), 0) << view.err();
}

// One line on stderr starting "rumor view: " and mentioning `what`, exit 2, nothing on stdout.
void expect_view_error(const rumor::testing_support::CommandOutput& o, const std::string& what) {
  EXPECT_EQ(o.status, 2) << o.err;
  EXPECT_EQ(o.out, "");
  ASSERT_FALSE(o.err.empty());
  EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << "one line:\n" << o.err;
  EXPECT_EQ(o.err.rfind("rumor view: ", 0), 0u) << o.err;
  EXPECT_NE(o.err.find(what), std::string::npos) << o.err;
}

TEST_F(ViewCli, ViewOfAMissingFileExitsTwoWithOneLineNamingIt) {
  const std::string missing = (dir_ / "missing.jsonl").string();
  const auto o = rumor::testing_support::run_command(RUMOR_BIN, {"view", missing}, dir_);
  expect_view_error(o, missing + ": cannot read");
}

TEST_F(ViewCli, ViewOfAFileThatIsNotATraceExitsTwo) {
  const fs::path junk = dir_ / "junk.txt";
  std::ofstream(junk) << "hello\nworld\n";
  const auto o = rumor::testing_support::run_command(RUMOR_BIN, {"view", junk.string()}, dir_);
  expect_view_error(o, "not a rumor trace");
}

TEST_F(ViewCli, ViewOnAPortInUseExitsTwoNamingTheAddress) {
  const fs::path trace = make_trace({"--nodes", "10"});
  Child first({"view", trace.string(), "--listen", "127.0.0.1:0"}, dir_);
  const auto line = first.wait_for_line("rumor view: ");
  ASSERT_TRUE(line) << first.err();
  const auto parsed = parse_view_line(*line);
  ASSERT_TRUE(parsed);
  const std::string listen = "127.0.0.1:" + std::to_string(parsed->port);
  const fs::path second_dir = dir_ / "second";
  fs::create_directory(second_dir);
  const auto o = rumor::testing_support::run_command(
      RUMOR_BIN, {"view", trace.string(), "--listen", listen}, second_dir);
  expect_view_error(o, "--listen " + listen + ": cannot listen");
  EXPECT_EQ(first.stop(SIGINT), 0);
}

TEST_F(ViewCli, ViewWithAMalformedListenAddressExitsTwo) {
  const fs::path trace = make_trace({"--nodes", "10"});
  const auto o = rumor::testing_support::run_command(
      RUMOR_BIN, {"view", trace.string(), "--listen", "localhost"}, dir_);
  expect_view_error(o, "--listen: expected HOST:PORT");
}

TEST_F(ViewCli, SimUiPrintsItsReportThenServesItsTraceAndRemovesTheTemporaryFileAtExit) {
  const fs::path tmp = dir_ / "tmp";
  fs::create_directory(tmp);
  Child sim({"sim", "--nodes", "25", "--seed", "9", "--ui", "--listen", "127.0.0.1:0"}, dir_,
            {"TMPDIR=" + tmp.string()});
  const auto line = sim.wait_for_line("rumor view: ");
  ASSERT_TRUE(line) << "stdout: " << sim.out() << "\nstderr: " << sim.err();
  const auto parsed = parse_view_line(*line);
  ASSERT_TRUE(parsed) << *line;
  EXPECT_EQ(parsed->runs, 1);
  EXPECT_EQ(fs::path(parsed->trace).parent_path(), tmp);
  EXPECT_TRUE(fs::exists(parsed->trace));
  EXPECT_NE(sim.out().find("push-pull"), std::string::npos) << "the usual report comes first";

  httplib::Client client("127.0.0.1", parsed->port);
  auto runs = client.Get("/api/runs");
  ASSERT_TRUE(runs);
  const json j = json::parse(runs->body);
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["header"]["args"], json({"--nodes", "25", "--seed", "9"}))
      << "--ui and --listen are not recorded";
  EXPECT_EQ(j["runs"][0]["header"]["seed"], 9);

  EXPECT_EQ(sim.stop(SIGINT), 0) << sim.err();
  EXPECT_FALSE(fs::exists(parsed->trace)) << "the temporary trace outlived the command";
}

TEST_F(ViewCli, SimUiWithTraceServesAndKeepsThatFile) {
  const fs::path trace = dir_ / "kept.jsonl";
  Child sim({"sim", "--nodes", "12", "--trace", trace.string(), "--ui", "--listen", "127.0.0.1:0"},
            dir_);
  const auto line = sim.wait_for_line("rumor view: ");
  ASSERT_TRUE(line) << sim.err();
  const auto parsed = parse_view_line(*line);
  ASSERT_TRUE(parsed) << *line;
  EXPECT_EQ(parsed->trace, trace.string());
  EXPECT_EQ(sim.stop(SIGINT), 0) << sim.err();
  EXPECT_TRUE(fs::exists(trace));
}

TEST_F(ViewCli, SimUiOnAPortInUseExitsTwoBeforeSimulating) {
  const fs::path trace = make_trace({"--nodes", "10"});
  Child view({"view", trace.string(), "--listen", "127.0.0.1:0"}, dir_);
  const auto line = view.wait_for_line("rumor view: ");
  ASSERT_TRUE(line) << view.err();
  const std::string listen = "127.0.0.1:" + std::to_string(parse_view_line(*line)->port);
  const fs::path second_dir = dir_ / "second";
  fs::create_directory(second_dir);
  const auto o = rumor::testing_support::run_command(
      RUMOR_BIN, {"sim", "--nodes", "10", "--ui", "--listen", listen}, second_dir);
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(o.out, "") << "nothing simulated";
  EXPECT_EQ(o.err.rfind("rumor sim: --listen " + listen + ": cannot listen", 0), 0u) << o.err;
  EXPECT_EQ(view.stop(SIGINT), 0);
}

}  // namespace
