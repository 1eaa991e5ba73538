// Agent: the `rumor agent` daemon. One SwimHost (net/) on one Loop, plus what a deployed member
// needs around the protocol: the initial join with retries and backoff, Serf's reconnector for
// failed members (memberlist alone never rejoins a member it declared dead, so a healed
// partition would stay split), the snapshot that lets a restarted agent rejoin by itself with a
// higher incarnation, tags in the metadata as Serf encodes them, graceful leave on
// SIGTERM/SIGINT, tag reload on SIGHUP, the HTTP API (http_api.h) and the event stream.
//
// Threads: the loop thread owns the host, the snapshot and every piece of protocol state; the
// HTTP threads never touch them directly but hand work to the loop with call(), which waits a
// bounded time for the answer. Views leave the loop as copies (views.h).
//
// Lifecycle: start() binds everything (errors: a port in use, a bad snapshot path, ...), run()
// joins and serves until the agent has left (signal or POST /v1/leave) and returns the exit
// status: an initial join that failed without --retry-join is an error.
#pragma once

#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/event_hub.h"
#include "agent/log.h"
#include "agent/metrics.h"
#include "agent/snapshot.h"
#include "agent/views.h"
#include "base/prng.h"
#include "base/status.h"
#include "core/membership/swim_config.h"
#include "net/loop.h"
#include "net/swim_host.h"

namespace rumor::agent {

class HttpApi;

class Agent {
 public:
  static Result<std::unique_ptr<Agent>> start(const AgentConfig& config, Log& log);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Joins, serves, and returns once the agent has left or stopped.
  Status run();

  // Any thread: runs fn on the loop thread and returns its result, or nullopt if the loop did
  // not get to it within `timeout` (stopping or stuck).
  template <typename Fn>
  auto call(Fn fn, std::chrono::milliseconds timeout = std::chrono::seconds(5))
      -> std::optional<decltype(fn())> {
    using R = decltype(fn());
    auto promise = std::make_shared<std::promise<R>>();
    auto future = promise->get_future();
    loop_.post([promise, fn = std::move(fn)]() mutable { promise->set_value(fn()); });
    if (future.wait_for(timeout) != std::future_status::ready) return std::nullopt;
    return future.get();
  }

  // Loop thread only.
  std::vector<MemberView> members() const;
  nlohmann::json self_json() const;
  std::string metrics_text() const;
  // Joins these seeds now; the count of joined seeds is read later with joins_done().
  void join_now(const std::vector<core::Address>& seeds);
  bool joins_done() const { return host_->node().joins_in_flight() == 0; }
  size_t joined_count() const { return host_->node().joined_count(); }
  Status update_tags(const core::wire::Tags& set, const std::vector<std::string>& remove);
  void begin_leave();
  bool leaving() const { return leaving_; }

  // Any thread.
  bool stopped() const { return stopped_.load(); }
  EventHub& events() { return hub_; }
  Log& log() { return log_; }
  const AgentConfig& config() const { return config_; }
  AgentCounters& counters() { return counters_; }
  std::atomic<uint64_t>& http_requests() { return http_requests_; }

 private:
  Agent(const AgentConfig& config, Log& log);
  Status open_snapshot();
  Status open_host();
  void log_started();
  void on_event(const core::SwimEvent& e);
  void publish(std::string_view type, const MemberView& view);
  void record_incarnation();

  void start_join(std::vector<std::string> targets, bool retry, uint32_t max_attempts);
  void join_attempt();
  void check_join(size_t before, Time give_up);
  void schedule_reconnect();
  void reconnect();
  void watch_signals();
  void on_signal(int signo);
  void finish_leave(Time give_up);
  void stop();

  AgentConfig config_;
  Log& log_;
  core::SwimConfig swim_;
  net::Loop loop_;
  std::unique_ptr<Snapshot> snapshot_;
  std::unique_ptr<net::SwimHost> host_;
  std::unique_ptr<HttpApi> http_;
  EventHub hub_{16, 1024};
  asio::signal_set signals_;
  asio::steady_timer join_timer_;
  asio::steady_timer reconnect_timer_;
  asio::steady_timer leave_timer_;
  Prng prng_;
  AgentCounters counters_;
  std::atomic<uint64_t> http_requests_{0};
  uint32_t recorded_incarnation_ = 0;
  bool leaving_ = false;
  std::atomic<bool> stopped_{false};
  std::optional<Status> exit_status_;

  // The join in progress: targets as typed (re-resolved on every attempt), its policy.
  struct JoinPlan {
    std::vector<std::string> targets;
    bool retry = false;
    uint32_t max_attempts = 0;  // 0 = forever (with retry)
    uint32_t attempts = 0;
    std::chrono::milliseconds backoff{1000};
  } join_;

  // Members that failed or left, by name, kept (and listed) until reconnect_timeout even after
  // the node forgets them; the failed ones are what Serf's reconnector retries.
  struct Gone {
    MemberView view;
    core::Address addr;
    Time since;
  };
  std::map<std::string, Gone> gone_;
};

}  // namespace rumor::agent
