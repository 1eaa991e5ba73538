#include "agent/agent.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>

#include "agent/http_api.h"
#include "agent/metrics.h"
#include "net/endpoint.h"

namespace rumor::agent {

namespace {

constexpr auto kJoinPoll = std::chrono::milliseconds(50);
constexpr auto kMaxBackoff = std::chrono::milliseconds(30000);

std::chrono::nanoseconds to_chrono(Duration d) {
  return std::chrono::nanoseconds(d.ns());
}
Duration seconds(double s) {
  return Duration::nanos(static_cast<int64_t>(s * 1e9));
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
      swim_(core::SwimConfig::from_profile(config.profile).value()),
      loop_(net::LoopOptions{.timer_slack = swim_.gossip_interval / 4}),
      signals_(loop_.io()),
      join_timer_(loop_.io()),
      reconnect_timer_(loop_.io()),
      leave_timer_(loop_.io()),
      prng_(net::Loop::entropy_seed()) {
  if (config_.node.empty()) config_.node = host_name();
}

Agent::~Agent() {
  hub_.close();
  http_.reset();  // stops the HTTP threads before the loop and the host go away
}

Result<std::unique_ptr<Agent>> Agent::start(const AgentConfig& config, Log& log) {
  if (Status s = validate(config); !s) return s;
  std::unique_ptr<Agent> agent(new Agent(config, log));
  if (Status s = agent->open_snapshot(); !s) return s;
  if (Status s = agent->open_host(); !s) return s;
  auto http = HttpApi::start(*agent, config.http);
  if (!http) return http.status();
  agent->http_ = std::move(*http);
  agent->watch_signals();
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
  o.meta = core::wire::encode_serf_tags(config_.tags);
  auto host = net::SwimHost::open(loop_, swim_, o);
  if (!host) return host.status();
  host_ = std::move(*host);
  host_->set_event_handler([this](const core::SwimEvent& e) { on_event(e); });
  if (snapshot_) {
    if (Status s = snapshot_->start(); !s) return s;
  }
  record_incarnation();
  return Status::ok();
}

void Agent::log_started() {
  log_.info("agent started", {{"node", config_.node},
                              {"bind", net::to_string(host_->bound())},
                              {"advertise", net::to_string(host_->node().self_addr())},
                              {"incarnation", std::to_string(host_->node().incarnation())},
                              {"http", config_.http}});
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
  schedule_reconnect();
  loop_.run();
  return exit_status_.value_or(Status::ok());
}

// --- events and the snapshot ----------------------------------------------------------------

void Agent::publish(std::string_view type, const MemberView& view) {
  log_.info(std::string(type), {{"name", view.name}, {"address", view.address}});
  nlohmann::json j = {{"type", type}, {"time", wall_clock_now()}, {"member", to_json(view)}};
  hub_.publish("event: " + std::string(type) + "\ndata: " + json_text(j) + "\n\n");
}

void Agent::on_event(const core::SwimEvent& e) {
  const core::SwimNode& node = host_->node();
  const core::SwimMember* m = node.find(e.member);
  // memberlist forgets the dead after gossip_to_the_dead_time; Serf does not: the agent keeps
  // showing them (gone_) until reconnect_timeout, and only then reports member-reap.
  if (m == nullptr) return;
  const MemberView view = member_view(node, *m);
  const bool self = e.member == node.self_name();
  publish(event_type(e.kind), view);

  if (!self) {
    if (e.kind == core::SwimEventKind::kFailed || e.kind == core::SwimEventKind::kLeft) {
      gone_[view.name] = Gone{view, node.directory().identity_addr(m->identity), e.at};
    } else {
      gone_.erase(view.name);
    }
  }
  if (snapshot_ && !self && !leaving_) {  // after a leave, shutdown makes everyone look gone
    Status s = Status::ok();
    switch (e.kind) {
      case core::SwimEventKind::kJoined:
      case core::SwimEventKind::kAlive:
      case core::SwimEventKind::kUpdated:
        s = snapshot_->alive(view.name, view.address);
        break;
      case core::SwimEventKind::kFailed:
      case core::SwimEventKind::kLeft:
      case core::SwimEventKind::kReaped:
        s = snapshot_->not_alive(view.name);
        break;
      case core::SwimEventKind::kSuspect:
        break;
    }
    if (!s) {
      ++counters_.snapshot_errors;
      log_.error("snapshot write failed", {{"error", s.message()}});
    }
  }
  record_incarnation();
}

void Agent::record_incarnation() {
  const uint32_t inc = host_->node().incarnation();
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
  const size_t before = host_->node().joined_count();
  host_->join(seeds);
  check_join(before, net::Loop::now() + swim_.tcp_timeout + Duration::seconds(1));
}

void Agent::check_join(size_t before, Time give_up) {
  const bool done = host_->node().joins_in_flight() == 0 || net::Loop::now() >= give_up;
  if (!done) {
    join_timer_.expires_after(kJoinPoll);
    join_timer_.async_wait([this, before, give_up](const asio::error_code& ec) {
      if (!ec) check_join(before, give_up);
    });
    return;
  }
  const size_t joined = host_->node().joined_count() - before;
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

void Agent::join_now(const std::vector<core::Address>& seeds) {
  ++counters_.join_attempts;
  host_->join(seeds);
}

// --- Serf's reconnector ---------------------------------------------------------------------

void Agent::schedule_reconnect() {
  reconnect_timer_.expires_after(to_chrono(seconds(config_.reconnect_interval_s)));
  reconnect_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || leaving_) return;
    reconnect();
    schedule_reconnect();
  });
}

// serf.go reconnect(): with probability failed/alive, join one random failed member. Members
// failed or left longer than reconnect_timeout are forgotten (Serf's reap: member-reap).
void Agent::reconnect() {
  const Time now = net::Loop::now();
  const Duration timeout = seconds(config_.reconnect_timeout_s);
  std::vector<const Gone*> failed;
  for (auto it = gone_.begin(); it != gone_.end();) {
    if (now - it->second.since > timeout) {
      publish("member-reap", it->second.view);
      it = gone_.erase(it);
      continue;
    }
    if (it->second.view.status == "failed") failed.push_back(&it->second);
    ++it;
  }
  if (failed.empty()) return;
  const core::SwimNode& node = host_->node();
  const size_t alive = node.count(core::SwimState::kAlive) + node.count(core::SwimState::kSuspect);
  const double p =
      static_cast<double>(failed.size()) / static_cast<double>(std::max<size_t>(alive, 1));
  if (!prng_.chance(p)) return;
  const Gone& pick = *failed[prng_.uniform(failed.size())];
  log_.debug("reconnecting to a failed member", {{"name", pick.view.name}});
  ++counters_.reconnects;
  host_->join(std::span<const core::Address>(&pick.addr, 1));
}

// --- tags, signals, leaving ----------------------------------------------------------------

Status Agent::update_tags(const core::wire::Tags& set, const std::vector<std::string>& remove) {
  core::wire::Tags tags = config_.tags;
  for (const auto& [k, v] : set)
    tags[k] = v;
  for (const auto& k : remove)
    tags.erase(k);
  const auto meta = core::wire::encode_serf_tags(tags);
  if (meta.size() > swim_.meta_max_bytes) {
    return Status::error("tags: encoded they take " + std::to_string(meta.size()) +
                         " bytes, over the " + std::to_string(swim_.meta_max_bytes) +
                         "-byte metadata limit");
  }
  if (!host_->set_meta(meta)) return Status::error("tags: the node refused the metadata");
  config_.tags = std::move(tags);
  record_incarnation();
  log_.info("tags updated", {{"incarnation", std::to_string(host_->node().incarnation())}});
  return Status::ok();
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
  reconnect_timer_.cancel();
  host_->leave();
  if (snapshot_) {
    if (Status s = snapshot_->leave(); !s)
      log_.error("snapshot write failed", {{"error", s.message()}});
  }
  finish_leave(net::Loop::now() + seconds(config_.leave_timeout_s));
}

// Waits until the leave has been gossiped its full retransmit count (the broadcast queue is
// empty), nobody is left to tell, or the leave timeout passes; then stops.
void Agent::finish_leave(Time give_up) {
  const core::SwimNode& node = host_->node();
  // The node holds itself as left by now: every alive or suspect member is someone to tell.
  const bool alone =
      node.count(core::SwimState::kAlive) + node.count(core::SwimState::kSuspect) == 0;
  if (alone || node.broadcast_depth() == 0 || net::Loop::now() >= give_up) {
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
  reconnect_timer_.cancel();
  leave_timer_.cancel();
  asio::error_code ignored;
  signals_.cancel(ignored);
  host_->close();
  stopped_ = true;
  loop_.stop();
}

// --- views ----------------------------------------------------------------------------------

std::vector<MemberView> Agent::members() const {
  std::vector<MemberView> out;
  const core::SwimNode& node = host_->node();
  out.reserve(node.members().size());
  for (const auto& m : node.members())
    out.push_back(member_view(node, m));
  // Failed and left members the node has already forgotten, as Serf still lists them.
  for (const auto& [name, gone] : gone_) {
    const auto id = node.directory().find_name(name);
    if (!id || node.find(*id) == nullptr) out.push_back(gone.view);
  }
  std::sort(out.begin(), out.end(),
            [](const MemberView& a, const MemberView& b) { return a.name < b.name; });
  return out;
}

nlohmann::json Agent::self_json() const {
  const core::SwimNode& node = host_->node();
  const core::SwimMember* self = node.find(node.self_name());
  MemberView v = member_view(node, *self);
  if (leaving_) v.status = "leaving";
  nlohmann::json j = to_json(v);
  j["awareness"] = node.awareness_score();
  j["members"] = {{"alive", node.count(core::SwimState::kAlive)},
                  {"suspect", node.count(core::SwimState::kSuspect)},
                  {"failed", node.count(core::SwimState::kDead)},
                  {"left", node.count(core::SwimState::kLeft)}};
  j["profile"] = config_.profile;
  j["bind"] = net::to_string(host_->bound());
  j["http"] = config_.http;
  j["snapshot"] = config_.snapshot;
  return j;
}

std::string Agent::metrics_text() const {
  MetricsInput in{host_->node(), host_->net_stats(), counters_, hub_.subscribers(),
                  http_requests_.load()};
  return render_metrics(in);
}

}  // namespace rumor::agent
