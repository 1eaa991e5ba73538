#include "agent/agent.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>

#include "agent/agent_rpc.h"
#include "agent/http_api.h"
#include "agent/metrics.h"
#include "agent/stats.h"
#include "net/endpoint.h"

namespace rumor::agent {

namespace {

constexpr auto kJoinPoll = std::chrono::milliseconds(50);
constexpr auto kMaxBackoff = std::chrono::milliseconds(30000);

Duration seconds(double s) {
  return Duration::nanos(static_cast<int64_t>(s * 1e9));
}

core::serf::SerfConfig serf_config(const AgentConfig& c) {
  core::serf::SerfConfig s;
  s.swim = core::SwimConfig::from_profile(c.profile).value();
  s.swim.label = c.label;
  s.swim.compress = !c.disable_compression;
  s.reconnect_interval = seconds(c.reconnect_interval_s);
  // The serf agent's coalescing of user events (command.go): 3 s, or 1 s without a new one.
  s.user_coalesce_period = Duration::seconds(3);
  s.user_quiescent_period = Duration::seconds(1);
  s.reconnect_timeout = seconds(c.reconnect_timeout_s);
  return s;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "rumor";
  return buf;
}

}  // namespace

Agent::Agent(const AgentConfig& config, Log& log)
    : config_(config),
      log_(log),
      serf_(serf_config(config)),
      loop_(net::LoopOptions{.timer_slack = serf_.swim.gossip_interval / 4}),
      signals_(loop_.io()),
      join_timer_(loop_.io()),
      leave_timer_(loop_.io()),
      refusal_timer_(loop_.io()) {
  if (config_.node.empty()) config_.node = host_name();
}

Agent::~Agent() {
  hub_.close();
  rpc_.reset();   // stops the RPC thread and the handler scripts first
  http_.reset();  // stops the HTTP threads before the loop and the host go away
}

Result<std::unique_ptr<Agent>> Agent::start(const AgentConfig& config, Log& log) {
  if (Status s = validate(config); !s) return s;
  std::unique_ptr<Agent> agent(new Agent(config, log));
  if (Status s = agent->open_snapshot(); !s) return s;
  if (Status s = agent->open_host(); !s) return s;
  // The RPC before the HTTP API: the HTTP server is the last thing that can fail (stopping
  // httplib before its thread is listening is not reliable).
  auto rpc = AgentRpc::start(*agent);
  if (!rpc) return rpc.status();
  agent->rpc_ = std::move(*rpc);
  AgentRpc* rpc_ptr = agent->rpc_.get();
  agent->add_event_listener([rpc_ptr](const core::serf::SerfEvent& e) { rpc_ptr->on_event(e); });
  auto http = HttpApi::start(*agent, config.http);
  if (!http) return http.status();
  agent->http_ = std::move(*http);
  agent->watch_signals();
  agent->watch_refusals();
  agent->log_started();
  return agent;
}

Status Agent::open_snapshot() {
  if (config_.snapshot.empty()) return Status::ok();
  auto snap = Snapshot::open(config_.snapshot);
  if (!snap) return snap.status();
  snapshot_ = std::move(*snap);
  const SnapshotState& st = snapshot_->state();
  if (st.skipped > 0 || st.torn_tail) {
    log_.warn("snapshot had damaged records; skipped them",
              {{"path", config_.snapshot},
               {"skipped", std::to_string(st.skipped)},
               {"torn_tail", st.torn_tail ? "true" : "false"}});
  }
  return Status::ok();
}

Status Agent::open_host() {
  net::SwimHostOptions o;
  o.name = config_.node;
  o.bind = net::parse_address(config_.bind, kDefaultGossipPort).value();
  if (!config_.advertise.empty()) {
    o.advertise = net::parse_address(config_.advertise, o.bind.port).value();
  }
  // A restarted agent outbids every incarnation it used before, so the cluster takes its
  // alive message over the failed or left one it holds.
  o.incarnation = snapshot_ ? snapshot_->state().incarnation + 1 : 1;
  auto host = net::SerfHost::open(loop_, serf_, o, config_.tags);
  if (!host) return host.status();
  host_ = std::move(*host);
  if (Status s = load_keys(); !s) return s;
  host_->set_event_handler([this](const core::serf::SerfEvent& e) { on_event(e); });
  if (snapshot_) {
    if (Status s = snapshot_->start(); !s) return s;
  }
  record_incarnation();
  return Status::ok();
}

void Agent::log_started() {
  log_.info("agent started",
            {{"node", config_.node},
             {"bind", net::to_string(host_->bound())},
             {"advertise", net::to_string(swim().self_addr())},
             {"incarnation", std::to_string(swim().incarnation())},
             {"http", config_.http},
             {"rpc", config_.rpc},
             {"encrypted", swim().transport().keyring().empty() ? "false" : "true"}});
}

Status Agent::run() {
  if (!config_.join.empty()) {
    start_join(config_.join, config_.retry_join, config_.retry_join ? config_.retry_join_max : 3);
  } else if (snapshot_ && !snapshot_->state().left && !snapshot_->state().alive.empty()) {
    // Serf's snapshot rejoin: the members it last saw alive, until one answers.
    std::vector<std::string> previous;
    for (const auto& [name, addr] : snapshot_->state().alive)
      previous.push_back(addr);
    log_.info("rejoining the previous cluster from the snapshot",
              {{"members", std::to_string(previous.size())}});
    start_join(std::move(previous), true, 0);
  }
  loop_.run();
  return exit_status_.value_or(Status::ok());
}

// --- events and the snapshot ----------------------------------------------------------------

void Agent::publish(std::string_view type, const MemberView& view) {
  log_.info(std::string(type), {{"name", view.name}, {"address", view.address}});
  hub_.publish(member_event_text(type, view, wall_clock_now()));
}

void Agent::publish_user_event(const core::serf::SerfEvent& e) {
  log_.info("user event", {{"name", e.name}, {"ltime", std::to_string(e.ltime)}});
  hub_.publish(user_event_text(e, wall_clock_now()));
}

void Agent::publish_query(const core::serf::SerfEvent& e) {
  log_.debug("query", {{"name", e.name}, {"ltime", std::to_string(e.ltime)}, {"from", e.from}});
  hub_.publish(query_event_text(e, wall_clock_now()));
}

void Agent::on_event(const core::serf::SerfEvent& e) {
  using K = core::serf::SerfEventKind;
  switch (e.kind) {
    case K::kQueryAck:
    case K::kQueryResponse:
    case K::kQueryDone: {
      const auto it = queries_.find(e.query_id);
      if (it == queries_.end()) return;
      it->second(e);
      if (e.kind == K::kQueryDone) queries_.erase(e.query_id);
      return;
    }
    case K::kKeyringChanged:
      on_keyring_changed(e.name);
      return;
    case K::kUser:
      publish_user_event(e);
      break;
    case K::kQuery:
      publish_query(e);
      break;
    default:
      on_member_event(e);
      break;
  }
  for (const auto& listener : listeners_)
    listener(e);
  record_incarnation();
}

void Agent::on_member_event(const core::serf::SerfEvent& e) {
  using K = core::serf::SerfEventKind;
  const core::serf::SerfMember current = host_->node().member(e.member.name).value_or(e.member);
  const MemberView view = member_view(host_->node(), current);
  publish(core::serf::serf_event_name(e.kind), view);
  const bool self = e.member.name == config_.node;
  if (!snapshot_ || self || leaving_) return;  // after a leave, shutdown makes all look gone
  Status s = Status::ok();
  switch (e.kind) {
    case K::kMemberJoin:
    case K::kMemberUpdate:
    case K::kMemberAlive:
      s = snapshot_->alive(view.name, view.address);
      break;
    case K::kMemberLeave:
    case K::kMemberFailed:
    case K::kMemberReap:
      s = snapshot_->not_alive(view.name);
      break;
    default:
      break;
  }
  if (!s) {
    ++counters_.snapshot_errors;
    log_.error("snapshot write failed", {{"error", s.message()}});
  }
}

void Agent::record_incarnation() {
  const uint32_t inc = swim().incarnation();
  if (!snapshot_ || inc <= recorded_incarnation_) return;
  recorded_incarnation_ = inc;
  if (Status s = snapshot_->incarnation(inc); !s) {
    ++counters_.snapshot_errors;
    log_.error("snapshot write failed", {{"error", s.message()}});
  }
}

// --- joining --------------------------------------------------------------------------------

void Agent::start_join(std::vector<std::string> targets, bool retry, uint32_t max_attempts) {
  join_ = JoinPlan{std::move(targets), retry, max_attempts, 0, std::chrono::milliseconds(1000)};
  join_attempt();
}

// Resolves every target (names may change between attempts) and push-pulls with each; the
// verdict comes when none is in flight any more.
void Agent::join_attempt() {
  ++join_.attempts;
  ++counters_.join_attempts;
  std::vector<core::Address> seeds;
  std::string unresolved;
  for (const auto& t : join_.targets) {
    auto addrs = net::resolve(t, kDefaultGossipPort);
    if (!addrs) {
      unresolved = addrs.message();
      continue;
    }
    seeds.push_back(addrs->front());
  }
  if (!unresolved.empty() && !join_.retry) {
    exit_status_ = Status::error("join: " + unresolved);
    stop();
    return;
  }
  const size_t before = swim().joined_count();
  host_->join(seeds);
  check_join(before, net::Loop::now() + serf_.swim.tcp_timeout + Duration::seconds(1));
}

void Agent::check_join(size_t before, Time give_up) {
  const bool done = swim().joins_in_flight() == 0 || net::Loop::now() >= give_up;
  if (!done) {
    join_timer_.expires_after(kJoinPoll);
    join_timer_.async_wait([this, before, give_up](const asio::error_code& ec) {
      if (!ec) check_join(before, give_up);
    });
    return;
  }
  const size_t joined = swim().joined_count() - before;
  if (joined > 0) {
    log_.info("joined the cluster", {{"contacted", std::to_string(joined)}});
    return;
  }
  std::string targets;
  for (const auto& t : join_.targets)
    targets += (targets.empty() ? "" : ", ") + t;
  const bool more = join_.max_attempts == 0 || join_.attempts < join_.max_attempts;
  if (!more && !join_.retry) {
    exit_status_ = Status::error("join: no seed answered after " + std::to_string(join_.attempts) +
                                 " attempts (" + targets + ")");
    stop();
    return;
  }
  if (!more) {
    log_.error("giving up joining", {{"targets", targets}});
    return;
  }
  log_.warn("join failed; retrying",
            {{"targets", targets}, {"in_ms", std::to_string(join_.backoff.count())}});
  join_timer_.expires_after(join_.backoff);
  join_.backoff = std::min(join_.backoff * 2, kMaxBackoff);
  join_timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec && !leaving_) join_attempt();
  });
}

void Agent::join_now(const std::vector<core::Address>& seeds, bool ignore_old) {
  ++counters_.join_attempts;
  host_->command([&](core::serf::SerfNode& n, Time now) { n.join(now, seeds, ignore_old); });
}

// --- tags, signals, leaving ----------------------------------------------------------------

Status Agent::update_tags(const core::wire::Tags& set, const std::vector<std::string>& remove) {
  core::wire::Tags tags = config_.tags;
  for (const auto& [k, v] : set)
    tags[k] = v;
  for (const auto& k : remove)
    tags.erase(k);
  const auto meta = core::wire::encode_serf_tags(tags);
  if (meta.size() > serf_.swim.meta_max_bytes) {
    return Status::error("tags: encoded they take " + std::to_string(meta.size()) +
                         " bytes, over the " + std::to_string(serf_.swim.meta_max_bytes) +
                         "-byte metadata limit");
  }
  Status s =
      host_->command([&](core::serf::SerfNode& n, Time now) { return n.set_tags(now, tags); });
  if (!s) return Status::error("tags: " + s.message());
  config_.tags = std::move(tags);
  if (rpc_) rpc_->set_self_tags({config_.tags.begin(), config_.tags.end()});
  record_incarnation();
  log_.info("tags updated", {{"incarnation", std::to_string(swim().incarnation())}});
  return Status::ok();
}

// Peers that cannot be understood (a wrong key, a wrong label, plaintext into an encrypted
// cluster, a protocol version out of range) are refused packet by packet, silently to them;
// once every few seconds the agent says so in one line per kind, so an operator sees why a
// member never shows up.
void Agent::watch_refusals() {
  refusal_timer_.expires_after(std::chrono::seconds(5));
  refusal_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec) return;
    warn_refusals();
    watch_refusals();
  });
}

void Agent::warn_refusals() {
  const core::wire::ml::TransportStats& now = swim().transport().stats();
  const core::wire::ml::TransportStats& was = refused_seen_;
  auto warn = [this](uint64_t more, const char* why) {
    if (more > 0) log_.warn(why, {{"refused", std::to_string(more)}});
  };
  warn(now.decrypt_failed - was.decrypt_failed,
       "refused messages no installed key decrypts (a peer with another key, or plaintext)");
  warn(now.plaintext_refused - was.plaintext_refused,
       "refused plaintext streams: encryption is on here (a peer without the key?)");
  warn(now.encrypted_refused - was.encrypted_refused,
       "refused encrypted streams: this agent has no encryption key");
  warn(now.label_refused - was.label_refused,
       "refused messages with another label, or none (a peer of another cluster?)");
  const uint64_t versions = swim().stats().push_pulls_refused;
  warn(versions - versions_refused_seen_,
       "refused push-pulls: protocol versions outside this cluster's range");
  refused_seen_ = now;
  versions_refused_seen_ = versions;
}

void Agent::watch_signals() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.add(SIGHUP);
  signals_.async_wait([this](const asio::error_code& ec, int signo) {
    if (ec) return;
    on_signal(signo);
    watch_signals();
  });
}

void Agent::on_signal(int signo) {
  if (signo == SIGHUP) {
    if (config_.config_file.empty()) {
      log_.warn("SIGHUP: no --config file to reload tags from");
      return;
    }
    auto tags = load_config_tags(config_.config_file);
    if (!tags) {
      log_.error("SIGHUP: reload failed", {{"error", tags.message()}});
      return;
    }
    // The file's tags replace the old ones; tags given as flags keep winning.
    core::wire::Tags merged = *tags;
    for (const auto& [k, v] : config_.flag_tags)
      merged[k] = v;
    std::vector<std::string> removed;
    for (const auto& [k, v] : config_.tags) {
      if (!merged.count(k)) removed.push_back(k);
    }
    if (Status s = update_tags(merged, removed); !s) {
      log_.error("SIGHUP: reload failed", {{"error", s.message()}});
    }
    return;
  }
  if (leaving_) {
    log_.warn("second signal: stopping now, without waiting for the leave to spread");
    stop();
    return;
  }
  begin_leave();
}

void Agent::begin_leave() {
  if (leaving_) return;
  leaving_ = true;
  log_.info("leaving the cluster");
  join_timer_.cancel();
  host_->leave();
  if (snapshot_) {
    if (Status s = snapshot_->leave(); !s)
      log_.error("snapshot write failed", {{"error", s.message()}});
  }
  finish_leave(net::Loop::now() + seconds(config_.leave_timeout_s));
}

// Waits until Serf's leave is done (its intent went out, then memberlist's leave, then the
// pause for it to spread), nobody is left to tell, or the leave timeout passes; then stops.
void Agent::finish_leave(Time give_up) {
  const core::SwimNode& node = swim();
  const core::SwimMember* self = node.find(node.self_name());
  const bool self_counted = self != nullptr && (self->state == core::SwimState::kAlive ||
                                                self->state == core::SwimState::kSuspect);
  const bool alone = node.count(core::SwimState::kAlive) + node.count(core::SwimState::kSuspect) ==
                     (self_counted ? 1u : 0u);
  if (alone || host_->node().leave_done() || net::Loop::now() >= give_up) {
    log_.info("left the cluster");
    stop();
    return;
  }
  leave_timer_.expires_after(kJoinPoll);
  leave_timer_.async_wait([this, give_up](const asio::error_code& ec) {
    if (!ec) finish_leave(give_up);
  });
}

void Agent::stop() {
  hub_.close();
  join_timer_.cancel();
  leave_timer_.cancel();
  refusal_timer_.cancel();
  asio::error_code ignored;
  signals_.cancel(ignored);
  host_->close();
  stopped_ = true;
  loop_.stop();
}

// --- views ----------------------------------------------------------------------------------

std::vector<MemberView> Agent::members() const {
  std::vector<MemberView> out;
  for (const auto& m : host_->node().members())
    out.push_back(member_view(host_->node(), m));
  std::sort(out.begin(), out.end(),
            [](const MemberView& a, const MemberView& b) { return a.name < b.name; });
  return out;
}

nlohmann::json Agent::self_json() const {
  const core::serf::SerfNode& node = host_->node();
  MemberView v = member_view(node, node.local_member());
  if (leaving_ && v.status == "alive") v.status = "leaving";
  nlohmann::json j = to_json(v);
  j["awareness"] = swim().awareness_score();
  std::map<std::string, size_t> by_status = {
      {"alive", 0}, {"suspect", 0}, {"leaving", 0}, {"failed", 0}, {"left", 0}};
  for (const auto& m : members())
    ++by_status[m.status];
  j["members"] = by_status;
  j["profile"] = config_.profile;
  j["bind"] = net::to_string(host_->bound());
  j["http"] = config_.http;
  j["snapshot"] = config_.snapshot;
  return j;
}

nlohmann::json Agent::stats_json() const {
  const StatsInput in{config_.node,       wall_clock_ms(),    host_->node(),
                      host_->net_stats(), hub_.subscribers(), hub_.queued()};
  return render_stats(in);
}

std::string Agent::metrics_text() const {
  MetricsInput in{swim(), host_->net_stats(), counters_, hub_.subscribers(), http_requests_.load()};
  return render_metrics(in);
}

}  // namespace rumor::agent
