// Agent: the `rumor agent` daemon. One SerfHost (net/: a Serf node over a SWIM node, so the
// agent is a Serf peer: Serf's member statuses, reconnector and reaping, tags, user events,
// queries) on one Loop, plus what a deployed member needs around the protocol: the initial join
// with retries and backoff, the snapshot that lets a restarted agent rejoin by itself with a
// higher incarnation, graceful leave on SIGTERM/SIGINT (Serf's: the leave intent, then
// memberlist's leave), tag reload on SIGHUP, the HTTP API (http_api.h) and the event stream.
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
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/config.h"
#include "agent/event_hub.h"
#include "agent/log.h"
#include "agent/metrics.h"
#include "agent/snapshot.h"
#include "agent/views.h"
#include "base/status.h"
#include "core/serf/key_manager.h"
#include "core/serf/serf_config.h"
#include "net/loop.h"
#include "net/swim_host.h"

namespace rumor::agent {

class AgentRpc;
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
  nlohmann::json stats_json() const;  // GET /v1/stats (stats.h)
  // Joins these seeds now; the count of joined seeds is read later with joins_done().
  // ignore_old: user events from before the join are not delivered (serf join without -replay).
  void join_now(const std::vector<core::Address>& seeds, bool ignore_old = false);
  // Serf's view of the members (self included), and `serf info`'s sections.
  std::vector<core::serf::SerfMember> serf_members() const { return host_->node().members(); }
  std::map<std::string, std::map<std::string, std::string>> serf_stats() const;
  bool joins_done() const { return swim().joins_in_flight() == 0; }
  size_t joined_count() const { return swim().joined_count(); }
  Status update_tags(const core::wire::Tags& set, const std::vector<std::string>& remove);
  void begin_leave();
  bool leaving() const { return leaving_; }

  // Serf's commands (loop thread only), as `serf event`, `serf query`, `serf force-leave` ask.
  Status user_event(const std::string& name, const std::vector<uint8_t>& payload, bool coalesce);
  Status force_leave(const std::string& node, bool prune);
  // Starts a query; `on_answer` runs on the loop thread for each of its acks and responses and
  // finally for its kQueryDone, then is dropped. The node bounds the queries in flight.
  using QueryCallback = std::function<void(const core::serf::SerfEvent&)>;
  Result<uint64_t> query(const std::string& name, const std::vector<uint8_t>& payload,
                         const core::serf::QueryParams& params, QueryCallback on_answer);
  // How long a query with these parameters runs (its timeout, or the node's default).
  Duration query_timeout(const core::serf::QueryParams& params) const {
    return params.timeout > Duration::zero() ? params.timeout
                                             : host_->node().default_query_timeout();
  }
  // The network coordinate of a member (this agent's own for its name); nullopt: none heard.
  std::optional<core::serf::Coordinate> coordinate(const std::string& node) const {
    if (node == config_.node) return host_->node().coordinate();
    return host_->node().coordinate_of(node);
  }
  // Answers a query this agent received (the kQuery event's query_id).
  Status respond(uint64_t query_id, const std::vector<uint8_t>& payload);
  // Serf's key management: the key query to every member; `done` runs on the loop thread with
  // the tally and keymanager.go's error text ("" on full success) once every member answered
  // or the query ended.
  using KeyCallback = std::function<void(const core::serf::KeyTally&, const std::string& error)>;
  void key_op(core::serf::KeyOp op, const std::string& key_base64, KeyCallback done);
  // Any thread but the loop's: key_op, waiting for its end (the query's timeout and a margin).
  // nullopt: the loop did not answer or the query did not end in time.
  struct KeyOutcome {
    core::serf::KeyTally tally;
    std::string error;
  };
  std::optional<KeyOutcome> key_op_and_wait(core::serf::KeyOp op, const std::string& key_base64);
  // Every event the node emits except the answers to this agent's own queries (members, user
  // events, incoming queries) also goes to these, on the loop thread. Add before run().
  using EventListener = std::function<void(const core::serf::SerfEvent&)>;
  void add_event_listener(EventListener listener) { listeners_.push_back(std::move(listener)); }

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
  Status load_keys();
  void on_keyring_changed(const std::string& op);
  void log_started();
  const core::SwimNode& swim() const { return host_->node().swim(); }
  void on_event(const core::serf::SerfEvent& e);
  void on_member_event(const core::serf::SerfEvent& e);
  void publish(std::string_view type, const MemberView& view);
  void publish_user_event(const core::serf::SerfEvent& e);
  void publish_query(const core::serf::SerfEvent& e);
  void record_incarnation();

  void start_join(std::vector<std::string> targets, bool retry, uint32_t max_attempts);
  void join_attempt();
  void check_join(size_t before, Time give_up);
  void watch_refusals();
  void warn_refusals();
  void watch_signals();
  void on_signal(int signo);
  void finish_leave(Time give_up);
  void stop();

  AgentConfig config_;
  Log& log_;
  core::serf::SerfConfig serf_;
  net::Loop loop_;
  std::unique_ptr<Snapshot> snapshot_;
  std::unique_ptr<net::SerfHost> host_;
  std::unique_ptr<HttpApi> http_;
  std::unique_ptr<AgentRpc> rpc_;
  EventHub hub_{16, 1024};
  asio::signal_set signals_;
  asio::steady_timer join_timer_;
  asio::steady_timer leave_timer_;
  asio::steady_timer refusal_timer_;
  // What the transport and the version check had refused at the last look (warn_refusals).
  core::wire::ml::TransportStats refused_seen_;
  uint64_t versions_refused_seen_ = 0;
  AgentCounters counters_;
  std::atomic<uint64_t> http_requests_{0};
  uint32_t recorded_incarnation_ = 0;
  bool leaving_ = false;
  std::atomic<bool> stopped_{false};
  std::optional<Status> exit_status_;
  std::unordered_map<uint64_t, QueryCallback> queries_;  // this agent's queries in flight
  std::vector<EventListener> listeners_;

  // The join in progress: targets as typed (re-resolved on every attempt), its policy.
  struct JoinPlan {
    std::vector<std::string> targets;
    bool retry = false;
    uint32_t max_attempts = 0;  // 0 = forever (with retry)
    uint32_t attempts = 0;
    std::chrono::milliseconds backoff{1000};
  } join_;
};

}  // namespace rumor::agent
