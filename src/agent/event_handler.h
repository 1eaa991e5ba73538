// EventHandlers: Serf-style event handler scripts (`--event-handler [FILTER=]SCRIPT`), run by
// the agent for member events, user events and queries (Serf 0.9.4, cmd/serf/command/agent/
// event_handler.go and invoke.go; fact sheet memberlist-serf-wire.md §9, last part).
//
// A spec is `SCRIPT` (every event) or `FILTER=SCRIPT`, split at the first '='; FILTER is a comma
// list of `*`, `member-join`, `member-leave`, `member-failed`, `member-update`, `member-reap`,
// `user`, `user:NAME`, `query`, `query:NAME`. As in Serf, a spec becomes one handler per filter,
// so `user,user:deploy=x` runs x twice for a "deploy" event. Each matching script runs as
// `/bin/sh -c SCRIPT` with Serf's environment (SERF_EVENT, SERF_SELF_NAME, SERF_SELF_ROLE,
// SERF_TAG_*, SERF_USER_EVENT/LTIME or SERF_QUERY_NAME/LTIME) and Serf's stdin (one escaped line
// per member, or the payload plus a newline). A query script that exits 0 with output has its
// stdout (the last 8 KiB, as Serf's circular buffer keeps) handed to on_query_output.
//
// Invariants: dispatch() never blocks the gossip loop: it matches the event against the filters
// and enqueues it into a bounded queue (a full queue drops the event and counts it). One worker
// thread runs the scripts one at a time in event order, as Serf does on its event goroutine.
// Every script is bounded in time (script_timeout_ms, then its whole process group is killed)
// and in captured output. stop() takes no new events, drops queued ones, gives a running script
// stop_grace_ms and then kills it; the destructor calls stop(). All methods are thread-safe;
// callbacks run on the worker thread and must not throw or call stop(). Background jobs a script
// starts outlive it (as in Serf), but what they print after the script exits is read for 100 ms
// only. The worker reaps its own children: the owner must not ignore SIGCHLD or waitpid(-1).
//
// Where we differ from Serf, and why: Serf has no script timeout, so one hung script stalls every
// later event forever. We run scripts off the loop thread with a bounded queue, so a hung script
// would fill the queue and silently drop everything after it; the default timeout (60 s) is long
// enough for deploy-style handlers and short enough to bound that loss. Serf merges stderr into
// the query response; we answer with stdout only and report stderr to on_script_done, so
// diagnostics never leak into responses. Serf iterates tag maps in random order; we sort by name.
// An empty SCRIPT is refused (Serf would run `sh -c ""`, which does nothing).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"

namespace rumor::agent {

enum class HandlerEventKind {
  kMemberJoin,
  kMemberLeave,
  kMemberFailed,
  kMemberUpdate,
  kMemberReap,
  kUser,
  kQuery,
};

// Serf's name for the kind, the value of SERF_EVENT: "member-join", ..., "user", "query".
std::string_view event_kind_name(HandlerEventKind kind);

struct HandlerMember {
  std::string name;
  std::string addr;  // the IP as Serf prints it (Go's net.IP.String()), formatted by the owner
  std::map<std::string, std::string> tags;
};

// One event, copied out of the protocol core by the owner.
struct HandlerEvent {
  HandlerEventKind kind = HandlerEventKind::kUser;
  std::vector<HandlerMember> members;  // member events only
  std::string name;                    // user event or query name
  uint64_t ltime = 0;                  // user event or query Lamport time
  std::string payload;                 // user event or query payload (bytes)
  bool coalesce = false;               // user events; informational (scripts do not see it)
  uint64_t query_id = 0;               // queries: opaque to us, handed back to on_query_output
};

// One filter of a spec: event is "*", a member-* name, "user" or "query"; name narrows user and
// query filters (empty: any name, so "user:" is "user", as in Serf).
struct HandlerFilter {
  std::string event;
  std::string name;
  bool matches(const HandlerEvent& e) const;
};

struct HandlerSpec {
  HandlerFilter filter;
  std::string script;
};

// Parses a filter list ("" means "*"). Errors name the bad element and list the allowed values.
Result<std::vector<HandlerFilter>> parse_event_filters(std::string_view filters);
// Parses one `[FILTER=]SCRIPT` into one handler per filter.
Result<std::vector<HandlerSpec>> parse_handler_spec(std::string_view spec);
// Parses every spec, in order; the first error wins.
Result<std::vector<HandlerSpec>> parse_handler_specs(const std::vector<std::string>& specs);

// The local member as scripts see it; SERF_SELF_ROLE is tags["role"] ("" when absent).
struct HandlerSelf {
  std::string name;
  std::map<std::string, std::string> tags;
};

struct EventHandlerOptions {
  size_t queue_limit = 1024;             // events waiting for the worker; beyond: dropped
  int64_t script_timeout_ms = 60'000;    // then the script's process group gets SIGKILL
  int64_t stop_grace_ms = 5'000;         // stop() lets a running script finish this long
  size_t stdout_limit_bytes = 8 * 1024;  // the tail kept, as Serf's maxBufSize
  size_t stderr_limit_bytes = 1024;      // the tail kept for on_script_done
};

// How one script run ended.
enum class ScriptEnd {
  kExited,    // exited by itself; exit_code says how (0 is success)
  kSignaled,  // killed by a signal we did not send
  kTimedOut,  // killed by us at script_timeout_ms
  kStopped,   // killed by us because stop() ran out of grace
  kError,     // could not be started or waited for; see error
};

struct ScriptRun {
  std::string script;
  std::string event;  // SERF_EVENT
  ScriptEnd end = ScriptEnd::kExited;
  int exit_code = 0;  // kExited
  int signal = 0;     // kSignaled
  std::string error;  // kError
  std::string stderr_tail;
  uint64_t stdout_bytes = 0;  // total written, even beyond stdout_limit_bytes
  int64_t duration_ms = 0;
  bool ok() const { return end == ScriptEnd::kExited && exit_code == 0; }
};

struct EventHandlerCallbacks {
  // A query script exited 0 with output: its stdout tail. The owner sends it as the response
  // (and enforces the 1024-byte response limit). Called on the worker thread.
  std::function<void(uint64_t query_id, std::string output)> on_query_output;
  // Every script run, success or not, for logging. Called on the worker thread.
  std::function<void(const ScriptRun& run)> on_script_done;
};

struct EventHandlerCounters {
  uint64_t events_dispatched = 0;  // matched a handler and were queued
  uint64_t events_dropped = 0;     // matched a handler but the queue was full
  uint64_t scripts_run = 0;        // started (or attempted)
  uint64_t scripts_failed = 0;     // non-zero exit, foreign signal, or kError
  uint64_t scripts_timed_out = 0;  // killed at script_timeout_ms
  uint64_t scripts_stopped = 0;    // killed at stop()
};

enum class DispatchResult { kQueued, kNoHandler, kDropped, kStopped };

class EventHandlers {
 public:
  // Validates the options and starts the worker thread. The process environment is copied now;
  // scripts inherit it plus the SERF_* variables.
  static Result<std::unique_ptr<EventHandlers>> create(std::vector<HandlerSpec> handlers,
                                                       HandlerSelf self,
                                                       EventHandlerOptions options = {},
                                                       EventHandlerCallbacks callbacks = {});
  static Status validate(const EventHandlerOptions& options);

  EventHandlers(const EventHandlers&) = delete;
  EventHandlers& operator=(const EventHandlers&) = delete;
  ~EventHandlers();

  // Never blocks on a script: matches and enqueues, or drops and counts.
  DispatchResult dispatch(const HandlerEvent& event);
  // New self tags (SIGHUP reload, `serf tags`): scripts started from now on see them.
  void set_self_tags(std::map<std::string, std::string> tags);
  // New handlers (config reload): events dispatched from now on are matched against them.
  void set_handlers(std::vector<HandlerSpec> handlers);
  // Idempotent; returns once the worker has ended (at most about stop_grace_ms).
  void stop();
  EventHandlerCounters counters() const;

 private:
  struct Job {
    HandlerEvent event;
    std::vector<std::string> scripts;
  };

  EventHandlers(std::vector<HandlerSpec> handlers, HandlerSelf self, EventHandlerOptions options,
                EventHandlerCallbacks callbacks);
  void worker_main();
  void run_job(const Job& job);
  void run_script(const std::string& script, const HandlerEvent& event);
  void count(const ScriptRun& run);

  const EventHandlerOptions options_;
  const EventHandlerCallbacks callbacks_;
  const std::vector<std::string> base_env_;

  mutable std::mutex mu_;  // guards the fields below it up to the atomics
  std::condition_variable cv_;
  std::vector<HandlerSpec> handlers_;
  HandlerSelf self_;
  std::deque<Job> queue_;
  bool stopping_ = false;

  // Steady-clock nanoseconds after which a running script is killed; max while not stopping.
  std::atomic<int64_t> stop_deadline_ns_;
  std::atomic<uint64_t> events_dispatched_{0};
  std::atomic<uint64_t> events_dropped_{0};
  std::atomic<uint64_t> scripts_run_{0};
  std::atomic<uint64_t> scripts_failed_{0};
  std::atomic<uint64_t> scripts_timed_out_{0};
  std::atomic<uint64_t> scripts_stopped_{0};
  std::mutex join_mu_;  // two threads may call stop() at once; only one may join
  std::thread worker_;
};

}  // namespace rumor::agent
