#include "agent/event_handler.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

namespace rumor::agent {
namespace {

using Clock = std::chrono::steady_clock;

int64_t ms_since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

bool wait_for(const std::function<bool()>& pred, int timeout_ms = 3000) {
  const auto t0 = Clock::now();
  while (!pred()) {
    if (ms_since(t0) > timeout_ms) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// True once pid has exited: gone, or a zombie left for a reaper that is not us.
bool process_gone(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!f || !std::getline(f, line)) return true;
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() &&
         (line[paren + 2] == 'Z' || line[paren + 2] == 'X');
}

HandlerEvent user_event(std::string name, std::string payload, uint64_t ltime = 42) {
  HandlerEvent e;
  e.kind = HandlerEventKind::kUser;
  e.name = std::move(name);
  e.payload = std::move(payload);
  e.ltime = ltime;
  return e;
}

HandlerEvent query_event(std::string name, std::string payload, uint64_t id) {
  HandlerEvent e = user_event(std::move(name), std::move(payload), 9);
  e.kind = HandlerEventKind::kQuery;
  e.query_id = id;
  return e;
}

HandlerEvent member_event(HandlerEventKind kind, std::vector<HandlerMember> members = {}) {
  HandlerEvent e;
  e.kind = kind;
  e.members = std::move(members);
  return e;
}

// ---- parsing -------------------------------------------------------------------------------

TEST(ParseHandlerSpec, BareScriptHandlesEveryEvent) {
  auto specs = parse_handler_spec("./handler.sh");
  ASSERT_TRUE(specs.is_ok()) << specs.message();
  ASSERT_EQ(specs->size(), 1u);
  EXPECT_EQ((*specs)[0].filter.event, "*");
  EXPECT_EQ((*specs)[0].script, "./handler.sh");
}

TEST(ParseHandlerSpec, FilterListBecomesOneHandlerPerFilter) {
  auto specs = parse_handler_spec("member-join,user:deploy,query=./h.sh");
  ASSERT_TRUE(specs.is_ok()) << specs.message();
  ASSERT_EQ(specs->size(), 3u);
  EXPECT_EQ((*specs)[0].filter.event, "member-join");
  EXPECT_EQ((*specs)[1].filter.event, "user");
  EXPECT_EQ((*specs)[1].filter.name, "deploy");
  EXPECT_EQ((*specs)[2].filter.event, "query");
  EXPECT_EQ((*specs)[2].filter.name, "");
  for (const HandlerSpec& s : *specs)
    EXPECT_EQ(s.script, "./h.sh");
}

TEST(ParseHandlerSpec, EveryKnownFilterIsAccepted) {
  for (std::string_view f : {"*", "member-join", "member-leave", "member-failed", "member-update",
                             "member-reap", "user", "user:x", "query", "query:y"}) {
    auto specs = parse_handler_spec(std::string(f) + "=h.sh");
    EXPECT_TRUE(specs.is_ok()) << f << ": " << specs.message();
  }
}

TEST(ParseHandlerSpec, EmptyFilterBeforeEqualsMeansEveryEvent) {
  auto specs = parse_handler_spec("=h.sh");
  ASSERT_TRUE(specs.is_ok()) << specs.message();
  ASSERT_EQ(specs->size(), 1u);
  EXPECT_EQ((*specs)[0].filter.event, "*");
}

TEST(ParseHandlerSpec, SplitsAtTheFirstEqualsSign) {
  auto specs = parse_handler_spec("*=FOO=1 ./h.sh");
  ASSERT_TRUE(specs.is_ok()) << specs.message();
  EXPECT_EQ((*specs)[0].script, "FOO=1 ./h.sh");
}

TEST(ParseHandlerSpec, UserWithEmptyNameMatchesEveryUserEventAsInSerf) {
  auto specs = parse_handler_spec("user:=h.sh");
  ASSERT_TRUE(specs.is_ok()) << specs.message();
  EXPECT_TRUE((*specs)[0].filter.matches(user_event("anything", "")));
}

TEST(ParseHandlerSpec, UnknownFilterErrorNamesItTheSpecAndTheAllowedValues) {
  auto specs = parse_handler_spec("member-join,member-joined=h.sh");
  ASSERT_FALSE(specs.is_ok());
  EXPECT_NE(specs.message().find("\"member-joined\""), std::string::npos) << specs.message();
  EXPECT_NE(specs.message().find("\"member-join,member-joined=h.sh\""), std::string::npos);
  EXPECT_NE(specs.message().find("allowed: *, member-join,"), std::string::npos);
  EXPECT_NE(specs.message().find("query:NAME"), std::string::npos);
}

TEST(ParseHandlerSpec, EmptyElementOfTheListIsRejected) {
  auto specs = parse_handler_spec("member-join,,user=h.sh");
  ASSERT_FALSE(specs.is_ok());
  EXPECT_NE(specs.message().find("empty event filter"), std::string::npos) << specs.message();
}

TEST(ParseHandlerSpec, FiltersAreCaseSensitiveAsInSerf) {
  auto specs = parse_handler_spec("USER=h.sh");
  ASSERT_FALSE(specs.is_ok());
  EXPECT_NE(specs.message().find("\"USER\""), std::string::npos) << specs.message();
}

TEST(ParseHandlerSpec, SpaceAfterCommaIsPartOfTheFilterAndRejected) {
  auto specs = parse_handler_spec("member-join, user=h.sh");
  ASSERT_FALSE(specs.is_ok());
  EXPECT_NE(specs.message().find("\" user\""), std::string::npos) << specs.message();
}

TEST(ParseHandlerSpec, EmptyScriptIsRejected) {
  for (std::string_view spec : {"", "user=", "="}) {
    auto specs = parse_handler_spec(spec);
    ASSERT_FALSE(specs.is_ok()) << spec;
    EXPECT_NE(specs.message().find("no script"), std::string::npos) << specs.message();
  }
}

TEST(ParseHandlerSpec, EnvAssignmentReadsAsAFilterAndTheErrorShowsTheFix) {
  auto specs = parse_handler_spec("FOO=1 ./h.sh");
  ASSERT_FALSE(specs.is_ok());
  EXPECT_NE(specs.message().find("\"FOO\""), std::string::npos) << specs.message();
  EXPECT_NE(specs.message().find("\"*=FOO=1"), std::string::npos) << specs.message();
}

TEST(ParseHandlerSpecs, ConcatenatesInOrderAndTheFirstErrorWins) {
  auto ok = parse_handler_specs({"a.sh", "user,query=b.sh"});
  ASSERT_TRUE(ok.is_ok()) << ok.message();
  ASSERT_EQ(ok->size(), 3u);
  EXPECT_EQ((*ok)[0].script, "a.sh");
  EXPECT_EQ((*ok)[2].filter.event, "query");
  auto bad = parse_handler_specs({"a.sh", "bogus=b.sh", "worse=c.sh"});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("\"bogus\""), std::string::npos) << bad.message();
}

TEST(ParseEventFilters, EmptyListMeansStar) {
  auto filters = parse_event_filters("");
  ASSERT_TRUE(filters.is_ok());
  ASSERT_EQ(filters->size(), 1u);
  EXPECT_EQ((*filters)[0].event, "*");
}

// ---- matching ------------------------------------------------------------------------------

TEST(HandlerFilter, UserNameFilterMatchesOnlyThatUserEvent) {
  const HandlerFilter f{"user", "deploy"};
  EXPECT_TRUE(f.matches(user_event("deploy", "")));
  EXPECT_FALSE(f.matches(user_event("restart", "")));
  EXPECT_FALSE(f.matches(query_event("deploy", "", 1)));
  EXPECT_FALSE(f.matches(member_event(HandlerEventKind::kMemberJoin)));
}

TEST(HandlerFilter, QueryNameFilterMatchesOnlyThatQuery) {
  const HandlerFilter f{"query", "load"};
  EXPECT_TRUE(f.matches(query_event("load", "", 1)));
  EXPECT_FALSE(f.matches(query_event("uptime", "", 1)));
  EXPECT_FALSE(f.matches(user_event("load", "")));
}

TEST(HandlerFilter, MemberFilterMatchesOnlyItsKindAndStarMatchesAll) {
  const HandlerFilter leave{"member-leave", ""};
  const HandlerFilter star{"*", ""};
  for (auto kind :
       {HandlerEventKind::kMemberJoin, HandlerEventKind::kMemberLeave,
        HandlerEventKind::kMemberFailed, HandlerEventKind::kMemberUpdate,
        HandlerEventKind::kMemberReap, HandlerEventKind::kUser, HandlerEventKind::kQuery}) {
    HandlerEvent e = member_event(kind);
    EXPECT_EQ(leave.matches(e), kind == HandlerEventKind::kMemberLeave) << event_kind_name(kind);
    EXPECT_TRUE(star.matches(e)) << event_kind_name(kind);
  }
}

TEST(EventKindName, NamesAreSerfs) {
  EXPECT_EQ(event_kind_name(HandlerEventKind::kMemberJoin), "member-join");
  EXPECT_EQ(event_kind_name(HandlerEventKind::kMemberReap), "member-reap");
  EXPECT_EQ(event_kind_name(HandlerEventKind::kUser), "user");
  EXPECT_EQ(event_kind_name(HandlerEventKind::kQuery), "query");
}

// ---- construction --------------------------------------------------------------------------

TEST(EventHandlersCreate, RejectsOutOfRangeOptionsNamingTheField) {
  EventHandlerOptions o;
  o.queue_limit = 0;
  Status s = EventHandlers::validate(o);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("queue_limit"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("got 0"), std::string::npos) << s.message();
  o = EventHandlerOptions{};
  o.script_timeout_ms = 0;
  EXPECT_FALSE(EventHandlers::create({}, {}, o).is_ok());
  EXPECT_TRUE(EventHandlers::validate(EventHandlerOptions{}).is_ok());
}

TEST(EventHandlersCreate, RejectsHandlersBuiltByHandWithAnEmptyScriptOrUnknownFilter) {
  EXPECT_FALSE(EventHandlers::create({HandlerSpec{{"user", ""}, ""}}, {}).is_ok());
  auto bad = EventHandlers::create({HandlerSpec{{"users", ""}, "true"}}, {});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("\"users\""), std::string::npos) << bad.message();
}

// ---- running scripts -----------------------------------------------------------------------

class EventHandlerRun : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rumor_eh_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    handlers_.reset();
    std::filesystem::remove_all(dir_);
  }

  static EventHandlerOptions fast() {
    EventHandlerOptions o;
    o.script_timeout_ms = 3000;
    o.stop_grace_ms = 1000;
    return o;
  }

  void start(const std::vector<std::string>& specs, EventHandlerOptions options = fast()) {
    auto parsed = parse_handler_specs(specs);
    ASSERT_TRUE(parsed.is_ok()) << parsed.message();
    EventHandlerCallbacks cb;
    cb.on_query_output = [this](uint64_t id, std::string out) {
      std::lock_guard lock(mu_);
      answers_.emplace_back(id, std::move(out));
    };
    cb.on_script_done = [this](const ScriptRun& run) {
      std::lock_guard lock(mu_);
      runs_.push_back(run);
    };
    HandlerSelf self{"node-a", {{"role", "web"}, {"dc-name", "east"}, {"\xC3\xBCn-x", "u"}}};
    auto h = EventHandlers::create(std::move(*parsed), std::move(self), options, std::move(cb));
    ASSERT_TRUE(h.is_ok()) << h.message();
    handlers_ = std::move(*h);
  }

  std::string path(std::string_view name) const { return dir_ + "/" + std::string(name); }

  // Writes an executable shell script into the temp dir; returns its path.
  std::string script(std::string_view name, std::string_view body) {
    const std::string p = path(name);
    std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
    ::chmod(p.c_str(), 0755);
    return p;
  }

  std::string read(std::string_view name) const {
    std::ifstream f(path(name));
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

  std::map<std::string, std::string> read_env(std::string_view name) const {
    std::map<std::string, std::string> env;
    std::istringstream in(read(name));
    for (std::string line; std::getline(in, line);) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return env;
  }

  bool wait_runs(size_t n, int timeout_ms = 3000) {
    return wait_for(
        [&] {
          std::lock_guard lock(mu_);
          return runs_.size() >= n;
        },
        timeout_ms);
  }
  bool wait_started(uint64_t n) {
    return wait_for([&] { return handlers_->counters().scripts_run >= n; });
  }
  std::vector<ScriptRun> runs() {
    std::lock_guard lock(mu_);
    return runs_;
  }
  std::vector<std::pair<uint64_t, std::string>> answers() {
    std::lock_guard lock(mu_);
    return answers_;
  }

  std::string dir_;
  std::mutex mu_;
  std::vector<ScriptRun> runs_;
  std::vector<std::pair<uint64_t, std::string>> answers_;
  std::unique_ptr<EventHandlers> handlers_;
};

TEST_F(EventHandlerRun, MemberEventScriptGetsSerfEnvironment) {
  ::setenv("RUMOR_EH_INHERITED", "yes", 1);
  start({"member-join=" + script("env.sh", "env > '" + path("env.txt") + "'")});
  ::unsetenv("RUMOR_EH_INHERITED");
  EXPECT_EQ(handlers_->dispatch(member_event(HandlerEventKind::kMemberJoin)),
            DispatchResult::kQueued);
  ASSERT_TRUE(wait_runs(1));
  EXPECT_TRUE(runs()[0].ok()) << runs()[0].stderr_tail;
  auto env = read_env("env.txt");
  EXPECT_EQ(env["SERF_EVENT"], "member-join");
  EXPECT_EQ(env["SERF_SELF_NAME"], "node-a");
  EXPECT_EQ(env["SERF_SELF_ROLE"], "web");
  EXPECT_EQ(env["SERF_TAG_ROLE"], "web");
  EXPECT_EQ(env["SERF_TAG_DC_NAME"], "east");
  EXPECT_EQ(env["SERF_TAG__N_X"], "u");  // "ün-x": one '_' per rune, not per byte
  EXPECT_EQ(env["RUMOR_EH_INHERITED"], "yes");
  EXPECT_EQ(env.count("SERF_USER_EVENT"), 0u);
  EXPECT_EQ(env.count("SERF_QUERY_NAME"), 0u);
}

TEST_F(EventHandlerRun, UserEventScriptGetsNameAndLamportTime) {
  start({"user=" + script("env.sh", "env > '" + path("env.txt") + "'")});
  ASSERT_EQ(handlers_->dispatch(user_event("deploy", "v2", 42)), DispatchResult::kQueued);
  ASSERT_TRUE(wait_runs(1));
  auto env = read_env("env.txt");
  EXPECT_EQ(env["SERF_EVENT"], "user");
  EXPECT_EQ(env["SERF_USER_EVENT"], "deploy");
  EXPECT_EQ(env["SERF_USER_LTIME"], "42");
  EXPECT_EQ(env.count("SERF_QUERY_NAME"), 0u);
}

TEST_F(EventHandlerRun, QueryScriptGetsNameAndLamportTime) {
  start({"query=" + script("env.sh", "env > '" + path("env.txt") + "'")});
  ASSERT_EQ(handlers_->dispatch(query_event("uptime", "", 5)), DispatchResult::kQueued);
  ASSERT_TRUE(wait_runs(1));
  auto env = read_env("env.txt");
  EXPECT_EQ(env["SERF_EVENT"], "query");
  EXPECT_EQ(env["SERF_QUERY_NAME"], "uptime");
  EXPECT_EQ(env["SERF_QUERY_LTIME"], "9");
  EXPECT_EQ(env.count("SERF_USER_EVENT"), 0u);
}

TEST_F(EventHandlerRun, NewSelfTagsReachLaterScripts) {
  start({"user=" + script("env.sh", "env > '" + path("env.txt") + "'")});
  handlers_->set_self_tags({{"role", "db"}});
  ASSERT_EQ(handlers_->dispatch(user_event("x", "")), DispatchResult::kQueued);
  ASSERT_TRUE(wait_runs(1));
  auto env = read_env("env.txt");
  EXPECT_EQ(env["SERF_SELF_ROLE"], "db");
  EXPECT_EQ(env["SERF_TAG_ROLE"], "db");
  EXPECT_EQ(env.count("SERF_TAG_DC_NAME"), 0u);
}

TEST_F(EventHandlerRun, MemberStdinIsOneEscapedLinePerMember) {
  start({"member-update=" + script("cat.sh", "cat > '" + path("stdin.txt") + "'")});
  std::vector<HandlerMember> members = {
      {"a\tb", "10.0.0.1", {{"role", "we\nb"}, {"z", "1"}, {"a", "x\ty"}}},
      {"c", "::1", {}},
  };
  ASSERT_EQ(handlers_->dispatch(member_event(HandlerEventKind::kMemberUpdate, members)),
            DispatchResult::kQueued);
  ASSERT_TRUE(wait_runs(1));
  EXPECT_EQ(read("stdin.txt"),
            "a\\tb\t10.0.0.1\twe\\nb\ta=x\\ty,role=we\\nb,z=1\n"
            "c\t::1\t\t\n");
}

TEST_F(EventHandlerRun, PayloadGetsATrailingNewlineOnlyWhenMissing) {
  start({"user=cat > '" + dir_ + "'/in_$SERF_USER_LTIME"});
  ASSERT_EQ(handlers_->dispatch(user_event("e", "hello", 1)), DispatchResult::kQueued);
  ASSERT_EQ(handlers_->dispatch(user_event("e", "line\n", 2)), DispatchResult::kQueued);
  ASSERT_EQ(handlers_->dispatch(user_event("e", "", 3)), DispatchResult::kQueued);
  ASSERT_TRUE(wait_runs(3));
  EXPECT_EQ(read("in_1"), "hello\n");
  EXPECT_EQ(read("in_2"), "line\n");
  EXPECT_EQ(read("in_3"), "");
}

TEST_F(EventHandlerRun, LargeStdinIsFedWholeAndAScriptIgnoringItDoesNotHurt) {
  start({"user:count=wc -c > '" + path("count") + "'", "user:ignore=true"});
  const std::string big(1'000'000, 'p');
  ASSERT_EQ(handlers_->dispatch(user_event("count", big)), DispatchResult::kQueued);
  ASSERT_EQ(handlers_->dispatch(user_event("ignore", big)), DispatchResult::kQueued);
  ASSERT_TRUE(wait_runs(2));
  EXPECT_EQ(std::stoul(read("count")), 1'000'001u);
  EXPECT_TRUE(runs()[1].ok());
}

TEST_F(EventHandlerRun, QueryStdoutIsHandedBackWithTheQueryIdWithoutStderr) {
  start({"query=printf 'pong from %s' \"$SERF_SELF_NAME\"; echo diag >&2"});
  ASSERT_EQ(handlers_->dispatch(query_event("ping", "", 77)), DispatchResult::kQueued);
  ASSERT_TRUE(wait_runs(1));
  auto a = answers();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].first, 77u);
  EXPECT_EQ(a[0].second, "pong from node-a");
  EXPECT_EQ(runs()[0].stderr_tail, "diag\n");
}

TEST_F(EventHandlerRun, QueryResponseKeepsTheLast8KiBLikeSerfsCircularBuffer) {
  start({"query=head -c 10000 /dev/zero | tr '\\0' a; printf END"});
  ASSERT_EQ(handlers_->dispatch(query_event("big", "", 1)), DispatchResult::kQueued);
  ASSERT_TRUE(wait_runs(1));
  auto a = answers();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].second.size(), 8192u);
  EXPECT_EQ(a[0].second.substr(8189), "END");
  EXPECT_EQ(a[0].second.substr(0, 4), "aaaa");
  EXPECT_EQ(runs()[0].stdout_bytes, 10003u);
}

TEST_F(EventHandlerRun, FailingQueryScriptSendsNoResponseAndIsCounted) {
  start({"query=echo partial; echo boom >&2; exit 3", "query=true"});
  ASSERT_EQ(handlers_->dispatch(query_event("q", "", 1)), DispatchResult::kQueued);
  ASSERT_TRUE(wait_runs(2));
  EXPECT_TRUE(answers().empty());  // the second succeeded but printed nothing
  auto r = runs();
  EXPECT_EQ(r[0].end, ScriptEnd::kExited);
  EXPECT_EQ(r[0].exit_code, 3);
  EXPECT_EQ(r[0].stderr_tail, "boom\n");
  EXPECT_TRUE(r[1].ok());
  auto c = handlers_->counters();
  EXPECT_EQ(c.scripts_run, 2u);
  EXPECT_EQ(c.scripts_failed, 1u);
}

TEST_F(EventHandlerRun, MatchingHandlersRunInConfiguredOrder) {
  start({"*=echo one >> '" + path("log") + "'", "user=echo two >> '" + path("log") + "'"});
  ASSERT_EQ(handlers_->dispatch(user_event("e", "")), DispatchResult::kQueued);
  ASSERT_TRUE(wait_runs(2));
  EXPECT_EQ(read("log"), "one\ntwo\n");
}

TEST_F(EventHandlerRun, NonMatchingEventRunsNoScript) {
  start({"member-join=echo $SERF_EVENT >> '" + path("log") + "'"});
  EXPECT_EQ(handlers_->dispatch(member_event(HandlerEventKind::kMemberLeave)),
            DispatchResult::kNoHandler);
  EXPECT_EQ(handlers_->dispatch(member_event(HandlerEventKind::kMemberJoin)),
            DispatchResult::kQueued);
  ASSERT_TRUE(wait_runs(1));
  EXPECT_EQ(read("log"), "member-join\n");
  auto c = handlers_->counters();
  EXPECT_EQ(c.scripts_run, 1u);
  EXPECT_EQ(c.events_dispatched, 1u);
}

TEST_F(EventHandlerRun, UserNameFilterRunsOnlyForThatName) {
  start({"user:deploy=echo $SERF_USER_EVENT >> '" + path("log") + "'"});
  EXPECT_EQ(handlers_->dispatch(user_event("restart", "")), DispatchResult::kNoHandler);
  EXPECT_EQ(handlers_->dispatch(query_event("deploy", "", 1)), DispatchResult::kNoHandler);
  EXPECT_EQ(handlers_->dispatch(user_event("deploy", "")), DispatchResult::kQueued);
  ASSERT_TRUE(wait_runs(1));
  EXPECT_EQ(read("log"), "deploy\n");
}

TEST_F(EventHandlerRun, SlowScriptDoesNotBlockDispatchAndIsKilledWithItsChildrenAtTimeout) {
  EventHandlerOptions o = fast();
  o.script_timeout_ms = 300;
  start({"user=sleep 5 & echo $! > '" + path("pid") + "'; wait"}, o);
  ASSERT_EQ(handlers_->dispatch(user_event("a", "")), DispatchResult::kQueued);
  ASSERT_TRUE(wait_started(1));
  const auto t0 = Clock::now();
  EXPECT_EQ(handlers_->dispatch(user_event("b", "")), DispatchResult::kQueued);
  EXPECT_LT(ms_since(t0), 100);  // a functional check that dispatch does not wait
  ASSERT_TRUE(wait_for([&] { return !read("pid").empty(); }));
  const pid_t sleeper = static_cast<pid_t>(std::stol(read("pid")));

  ASSERT_TRUE(wait_runs(1));
  auto r = runs();
  EXPECT_EQ(r[0].end, ScriptEnd::kTimedOut);
  EXPECT_GE(r[0].duration_ms, 290);
  EXPECT_LT(r[0].duration_ms, 2000);
  EXPECT_TRUE(wait_for([&] { return process_gone(sleeper); }, 1000)) << sleeper;
  ASSERT_TRUE(wait_runs(2));  // the worker moved on to the queued event
  EXPECT_EQ(handlers_->counters().scripts_timed_out, 2u);
}

TEST_F(EventHandlerRun, FullQueueDropsAndCountsTheEvent) {
  EventHandlerOptions o = fast();
  o.queue_limit = 2;
  o.stop_grace_ms = 0;
  start({"user=sleep 5"}, o);
  ASSERT_EQ(handlers_->dispatch(user_event("running", "")), DispatchResult::kQueued);
  ASSERT_TRUE(wait_started(1));
  EXPECT_EQ(handlers_->dispatch(user_event("q1", "")), DispatchResult::kQueued);
  EXPECT_EQ(handlers_->dispatch(user_event("q2", "")), DispatchResult::kQueued);
  EXPECT_EQ(handlers_->dispatch(user_event("q3", "")), DispatchResult::kDropped);
  auto c = handlers_->counters();
  EXPECT_EQ(c.events_dispatched, 3u);
  EXPECT_EQ(c.events_dropped, 1u);
  handlers_->stop();
  EXPECT_EQ(handlers_->counters().scripts_run, 1u);  // queued events are not run after stop
}

TEST_F(EventHandlerRun, StopKillsARunningScriptAfterTheGraceAndRefusesNewEvents) {
  EventHandlerOptions o = fast();
  o.stop_grace_ms = 200;
  start({"user=sleep 5 & echo $! > '" + path("pid") + "'; wait"}, o);
  ASSERT_EQ(handlers_->dispatch(user_event("a", "")), DispatchResult::kQueued);
  ASSERT_TRUE(wait_for([&] { return !read("pid").empty(); }));
  const pid_t sleeper = static_cast<pid_t>(std::stol(read("pid")));
  const auto t0 = Clock::now();
  handlers_->stop();
  const int64_t took = ms_since(t0);
  EXPECT_GE(took, 150);
  EXPECT_LT(took, 2000);
  auto r = runs();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].end, ScriptEnd::kStopped);
  EXPECT_EQ(handlers_->counters().scripts_stopped, 1u);
  EXPECT_TRUE(wait_for([&] { return process_gone(sleeper); }, 1000)) << sleeper;
  EXPECT_EQ(handlers_->dispatch(user_event("late", "")), DispatchResult::kStopped);
  handlers_->stop();  // idempotent
}

TEST_F(EventHandlerRun, StopLetsAScriptFinishWithinTheGrace) {
  EventHandlerOptions o = fast();
  o.stop_grace_ms = 3000;
  start({"user=sleep 0.3; echo done > '" + path("out") + "'"}, o);
  ASSERT_EQ(handlers_->dispatch(user_event("a", "")), DispatchResult::kQueued);
  ASSERT_TRUE(wait_started(1));
  handlers_->stop();
  EXPECT_EQ(read("out"), "done\n");
  auto r = runs();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].ok());
}

size_t open_fds() {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                           std::filesystem::directory_iterator()));
}

TEST_F(EventHandlerRun, RunsLeaveNoOpenPipesAndNoUnreapedChildren) {
  EventHandlerOptions o = fast();
  o.script_timeout_ms = 200;
  start({"user:ok=echo out; echo err >&2", "user:slow=sleep 5", "query=echo answer"}, o);
  const size_t fds_before = open_fds();
  ASSERT_EQ(handlers_->dispatch(user_event("ok", "payload")), DispatchResult::kQueued);
  ASSERT_EQ(handlers_->dispatch(user_event("slow", "")), DispatchResult::kQueued);
  ASSERT_EQ(handlers_->dispatch(query_event("q", "", 3)), DispatchResult::kQueued);
  ASSERT_TRUE(wait_runs(3));
  EXPECT_EQ(open_fds(), fds_before);
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace rumor::agent
