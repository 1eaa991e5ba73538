#include "sim/heartbeat_world.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <queue>

#include "base/assert.h"
#include "core/detect/detector.h"
#include "core/membership/heartbeat_node.h"
#include "sim/detection_tally.h"
#include "sim/names.h"
#include "sim/network.h"
#include "sim/slot_pool.h"
#include "sim/view_accuracy.h"

namespace rumor::sim {
namespace {

using core::HeartbeatNode;
using core::MemberEvent;
using core::MemberEventKind;
using core::NodeId;

constexpr uint64_t kNetworkStream = 1ull << 40;
constexpr uint64_t kScheduleStream = (1ull << 40) + 1;
constexpr NodeId kSeedNode = 0;
// False suspicions are also counted apart from this many intervals after everyone joined on,
// when every detector has seen a steady flow of heartbeats (heartbeat_world.h).
constexpr int64_t kSettleIntervals = 60;
// A leaving node keeps gossiping this many intervals so its "left" spreads, then stops.
constexpr int kLeaveGraceIntervals = 3;

class HeartbeatWorld {
 public:
  HeartbeatWorld(const SimConfig& config, core::GossipMode mode, const RunOptions& options);
  HeartbeatResult run();

 private:
  struct Event {
    Time at;
    uint64_t seq;
    enum class Kind : uint8_t {
      kTick,
      kArrive,
      kProcess,
      kCrash,
      kRestart,
      kLeave,
      kStop,
      kCut,
      kHeal
    } kind;
    uint32_t index;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct Flight {
    NodeId from = core::kNoNode;
    NodeId to = core::kNoNode;
    std::vector<uint8_t> bytes;
  };

  Time at_round(double r) const {
    return Time::zero() + Duration::nanos(static_cast<int64_t>(
                              std::llround(r * static_cast<double>(hb_.gossip.interval.ns()))));
  }
  double in_rounds(Time t) const {
    return static_cast<double>(t.ns()) / static_cast<double>(hb_.gossip.interval.ns());
  }
  void push(Time at, Event::Kind kind, uint32_t index) {
    events_.push(Event{at, seq_++, kind, index});
  }
  bool up(NodeId n) const { return !down_[n] && !leaving_[n]; }

  void start_node(NodeId i, uint32_t generation, Time first_tick, Time now);
  void drain(NodeId n, Time now);
  void on_member_event(NodeId observer, const MemberEvent& e);
  void on_arrive(const Event& ev);
  void check_converged(Time now);
  void finish();

  SimConfig config_;
  core::HeartbeatConfig hb_;
  RunOptions options_;
  Network net_;
  Prng schedule_;
  std::vector<std::unique_ptr<HeartbeatNode>> nodes_;
  std::vector<uint8_t> down_, leaving_;
  std::vector<uint32_t> generation_;
  std::vector<int32_t> active_crash_;  // per node: index of the crash it is down from, or -1
  std::vector<int32_t> active_leave_;  // per node: index of its leave, or -1
  // Per crash (and per leave): when each observer first reported it.
  std::vector<std::vector<Time>> suspect_at_, dead_at_, left_at_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  uint64_t seq_ = 0;
  SlotPool<Flight> flights_;
  std::vector<Time> busy_until_;
  std::vector<Duration> slow_delay_;
  core::Transmit transmit_;
  std::optional<Time> joined_;     // every live node knows every other (any status)
  std::optional<Time> converged_;  // ... and believes every one of them alive
  uint32_t next_round_ = 1;
  double live_node_rounds_ = 0;          // for per-node rates
  double live_node_rounds_after_ = 0;    // after everyone joined, for false-positive rates
  double live_node_rounds_settled_ = 0;  // after the detectors have settled
  HeartbeatResult result_;
  // Only when a trace is written: the views behind its rounds' `informed` (view_accuracy.h).
  std::unique_ptr<ViewAccuracy> views_;
  uint64_t messages_at_round_ = 0;  // messages_total when the last round line was written
};

HeartbeatWorld::HeartbeatWorld(const SimConfig& config, core::GossipMode mode,
                               const RunOptions& options)
    : config_(config),
      options_(options),
      net_(config, Prng::derive(config.seed, kNetworkStream)),
      schedule_(Prng::derive(config.seed, kScheduleStream)),
      down_(config.nodes, 0),
      leaving_(config.nodes, 0),
      generation_(config.nodes, 1),
      active_crash_(config.nodes, -1),
      active_leave_(config.nodes, -1) {
  hb_.gossip = config.gossip;
  hb_.gossip.mode = mode;
  if (config.timing == Timing::kRounds) hb_.gossip.jitter = 0;
  hb_.detector = config.detector;
  hb_.detector.threshold.interval = hb_.gossip.interval;
  hb_.peer_selection = config.peer_selection;
  RUMOR_ASSERT(hb_.validate().is_ok(), "the sim config validated, so must the node config");
  suspect_at_.assign(config.crashes.size(), std::vector<Time>(config.nodes, Time::never()));
  dead_at_ = suspect_at_;
  left_at_.assign(config.leaves.size(), std::vector<Time>(config.nodes, Time::never()));
  if (!config.slow_nodes.empty()) {
    busy_until_.assign(config.nodes, Time::zero());
    slow_delay_.assign(config.nodes, Duration::zero());
    for (const SlowNode& s : config.slow_nodes) {
      slow_delay_[s.node] = Duration::nanos(static_cast<int64_t>(std::llround(s.delay_ms * 1e6)));
    }
  }
  result_.mode = mode;
  result_.nodes = config.nodes;
  result_.fanout = hb_.gossip.fanout;
  result_.seed = config.seed;
  result_.timing = config.timing;
  result_.interval_s = hb_.gossip.interval.sec();
  if (options.trace) views_ = std::make_unique<ViewAccuracy>(config.nodes, /*formed=*/false);
}

void HeartbeatWorld::start_node(NodeId i, uint32_t generation, Time first_tick, Time now) {
  if (views_) views_->start(i);
  nodes_[i] = std::make_unique<HeartbeatNode>(
      i, generation, Prng::derive(config_.seed, i + (uint64_t{generation} << 32)), hb_, first_tick);
  if (i != kSeedNode) {
    const NodeId seeds[] = {kSeedNode};
    nodes_[i]->join(seeds, now);
  }
  push(first_tick, Event::Kind::kTick, i);
  drain(i, now);
}

void HeartbeatWorld::drain(NodeId n, Time now) {
  HeartbeatNode& node = *nodes_[n];
  MemberEvent e;
  while (node.poll_event(e))
    on_member_event(n, e);
  while (node.poll_transmit(transmit_)) {
    const NodeId to = transmit_.to;
    const size_t bytes = transmit_.bytes.size();
    result_.messages_total++;
    result_.bytes_total += bytes;
    const auto type =
        static_cast<core::MessageType>(transmit_.bytes.size() > 1 ? transmit_.bytes[1] : 0);
    if (options_.trace) options_.trace->send(now, n, to, type, bytes);
    const Fate fate = net_.fate(n, to, in_rounds(now));
    if (fate != Fate::kDeliver) {
      const bool cut = fate == Fate::kCut;
      (cut ? result_.dropped_partition : result_.dropped_loss)++;
      if (options_.trace) options_.trace->drop(now, n, to, type, cut ? "partition" : "loss");
      continue;
    }
    const int copies = net_.duplicated() ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
      const uint32_t slot = flights_.acquire();
      flights_[slot].from = n;
      flights_[slot].to = to;
      flights_[slot].bytes = transmit_.bytes;
      const Duration delay = config_.timing == Timing::kRounds ? Duration::zero() : net_.latency();
      push(now + delay, Event::Kind::kArrive, slot);
    }
  }
}

void HeartbeatWorld::on_member_event(NodeId observer, const MemberEvent& e) {
  if (options_.trace) {
    options_.trace->status(e.at, observer, e.member, core::member_event_name(e.kind));
    if (const auto v = ViewAccuracy::view_after(e.kind)) views_->set(observer, e.member, *v);
  }
  const NodeId m = e.member;
  if (e.kind == MemberEventKind::kSuspect || e.kind == MemberEventKind::kFailed) {
    const bool failed = e.kind == MemberEventKind::kFailed;
    if (up(m)) {
      // Counted once everyone knows everyone, whatever the detector thinks of them, so a
      // jumpy detector is not excused by the delay it causes to full agreement.
      if (joined_) (failed ? result_.false_deaths : result_.false_suspicions)++;
      if (joined_ && !failed && e.at >= *joined_ + hb_.gossip.interval * kSettleIntervals) {
        result_.false_suspicions_settled++;
      }
      return;
    }
    if (active_crash_[m] >= 0) {
      auto& times = failed ? dead_at_[active_crash_[m]] : suspect_at_[active_crash_[m]];
      times[observer] = std::min(times[observer], e.at);
    }
    return;
  }
  if (e.kind == MemberEventKind::kLeft && active_leave_[m] >= 0) {
    auto& times = left_at_[active_leave_[m]];
    times[observer] = std::min(times[observer], e.at);
  }
}

void HeartbeatWorld::on_arrive(const Event& ev) {
  Flight& fl = flights_[ev.index];
  if (ev.kind == Event::Kind::kArrive && !slow_delay_.empty() &&
      slow_delay_[fl.to] > Duration::zero()) {
    // A slow node handles one message at a time, each taking its extra delay.
    const Time start = std::max(ev.at, busy_until_[fl.to]);
    busy_until_[fl.to] = start + slow_delay_[fl.to];
    push(busy_until_[fl.to], Event::Kind::kProcess, ev.index);
    return;
  }
  if (down_[fl.to]) {
    result_.dropped_crashed++;
  } else {
    nodes_[fl.to]->handle_packet(ev.at, fl.from, fl.bytes);
    drain(fl.to, ev.at);
  }
  flights_.release(ev.index);
}

void HeartbeatWorld::check_converged(Time now) {
  if (converged_) return;
  uint64_t live = 0;
  for (NodeId i = 0; i < config_.nodes; ++i)
    live += up(i);
  bool all_known = true, all_alive = true;
  for (NodeId i = 0; i < config_.nodes && all_known; ++i) {
    if (!up(i)) continue;
    const core::MemberTable& t = nodes_[i]->members();
    all_known = t.members().size() + 1 >= live;
    all_alive = all_alive && t.count(core::MemberStatus::kAlive) + 1 >= live;
  }
  if (all_known && !joined_) {
    joined_ = now;
    result_.joined_s = (now - Time::zero()).sec();
  }
  if (all_known && all_alive) {
    converged_ = now;
    result_.converged_s = (now - Time::zero()).sec();
  }
}

HeartbeatResult HeartbeatWorld::run() {
  if (options_.trace) {
    options_.trace->heartbeat_run(config_.nodes, core::gossip_mode_name(hb_.gossip.mode),
                                  config_.seed, timing_name(config_.timing), hb_.gossip.fanout,
                                  core::detect::detector_kind_name(hb_.detector.kind));
  }
  nodes_.resize(config_.nodes);
  for (NodeId i = 0; i < config_.nodes; ++i) {
    const Time first = config_.timing == Timing::kRounds ? at_round(1) : at_round(schedule_.unit());
    start_node(i, 1, first, Time::zero());
  }
  for (size_t c = 0; c < config_.crashes.size(); ++c) {
    push(at_round(config_.crashes[c].at), Event::Kind::kCrash, static_cast<uint32_t>(c));
    if (config_.crashes[c].restart) {
      push(at_round(*config_.crashes[c].restart), Event::Kind::kRestart, static_cast<uint32_t>(c));
    }
  }
  for (size_t l = 0; l < config_.leaves.size(); ++l) {
    push(at_round(config_.leaves[l].at), Event::Kind::kLeave, static_cast<uint32_t>(l));
  }
  for (size_t p = 0; p < config_.partitions.size(); ++p) {
    push(at_round(config_.partitions[p].start), Event::Kind::kCut, static_cast<uint32_t>(p));
    if (config_.partitions[p].heal) {
      push(at_round(*config_.partitions[p].heal), Event::Kind::kHeal, static_cast<uint32_t>(p));
    }
  }
  const uint32_t max_rounds = heartbeat_max_rounds(config_);
  const Time end = at_round(max_rounds);
  while (!events_.empty() && events_.top().at <= end) {
    const Event ev = events_.top();
    // Round boundaries: convergence check and node-time bookkeeping.
    while (at_round(next_round_) <= ev.at && next_round_ <= max_rounds) {
      uint64_t live = 0;
      for (NodeId i = 0; i < config_.nodes; ++i)
        live += up(i);
      live_node_rounds_ += static_cast<double>(live);
      if (joined_) live_node_rounds_after_ += static_cast<double>(live);
      if (joined_ && at_round(next_round_) > *joined_ + hb_.gossip.interval * kSettleIntervals) {
        live_node_rounds_settled_ += static_cast<double>(live);
      }
      check_converged(at_round(next_round_));
      if (options_.trace) {
        // The messages sent since the previous round line: the trace's send lines between them.
        options_.trace->round(at_round(next_round_), next_round_, views_->informed(),
                              result_.messages_total - messages_at_round_);
        messages_at_round_ = result_.messages_total;
      }
      if (options_.progress) {
        options_.progress->on_round(next_round_, max_rounds, live, config_.nodes);
      }
      ++next_round_;
    }
    events_.pop();
    switch (ev.kind) {
      case Event::Kind::kTick: {
        HeartbeatNode* node = nodes_[ev.index].get();
        if (down_[ev.index] || node->poll_timeout() != ev.at) break;  // stale timer
        node->handle_timeout(ev.at);
        drain(ev.index, ev.at);
        push(node->poll_timeout(), Event::Kind::kTick, ev.index);
        break;
      }
      case Event::Kind::kArrive:
      case Event::Kind::kProcess:
        on_arrive(ev);
        break;
      case Event::Kind::kCrash: {
        const NodeId n = config_.crashes[ev.index].node;
        down_[n] = 1;
        active_crash_[n] = static_cast<int32_t>(ev.index);
        if (options_.trace) {
          options_.trace->crash(ev.at, n);
          views_->stop(n);
        }
        break;
      }
      case Event::Kind::kRestart: {
        const NodeId n = config_.crashes[ev.index].node;
        down_[n] = 0;
        active_crash_[n] = -1;
        generation_[n]++;
        if (options_.trace) options_.trace->restart(ev.at, n, generation_[n]);
        start_node(n, generation_[n], ev.at + hb_.gossip.interval, ev.at);
        break;
      }
      case Event::Kind::kLeave: {
        const NodeId n = config_.leaves[ev.index].node;
        if (down_[n] || leaving_[n]) break;
        leaving_[n] = 1;
        active_leave_[n] = static_cast<int32_t>(ev.index);
        if (options_.trace) {
          // Written before the leave's own messages and events, and where ViewAccuracy stops
          // counting n as running, so a reader of the trace can tell the same.
          options_.trace->leave(ev.at, n);
          views_->stop(n);
        }
        nodes_[n]->leave(ev.at);
        drain(n, ev.at);
        push(ev.at + hb_.gossip.interval * kLeaveGraceIntervals, Event::Kind::kStop, n);
        break;
      }
      case Event::Kind::kStop:
        down_[ev.index] = 1;
        break;
      case Event::Kind::kCut:
      case Event::Kind::kHeal:
        // The network applies partitions by time; these events only mark them in the trace.
        if (options_.trace)
          options_.trace->partition(ev.at, ev.kind == Event::Kind::kCut, ev.index);
        break;
    }
  }
  result_.rounds_run = std::min(max_rounds, next_round_ - 1);
  finish();
  return std::move(result_);
}

void HeartbeatWorld::finish() {
  const double interval_s = hb_.gossip.interval.sec();
  for (size_t c = 0; c < config_.crashes.size(); ++c) {
    const Crash& cr = config_.crashes[c];
    DetectionStats d;
    d.node = cr.node;
    d.crash_at_s = cr.at * interval_s;
    DetectionTally tally(at_round(cr.at));
    for (NodeId o = 0; o < config_.nodes; ++o) {
      if (o == cr.node || !up(o)) continue;
      tally.observe(suspect_at_[c][o], dead_at_[c][o]);
    }
    tally.fill(d);
    result_.detections.push_back(d);
  }
  for (size_t l = 0; l < config_.leaves.size(); ++l) {
    LeaveStats s;
    s.node = config_.leaves[l].node;
    s.leave_at_s = config_.leaves[l].at * interval_s;
    const Time leave_time = at_round(config_.leaves[l].at);
    Time last = Time::zero();
    for (NodeId o = 0; o < config_.nodes; ++o) {
      if (o == s.node || !up(o)) continue;
      s.observers++;
      if (left_at_[l][o] == Time::never()) continue;
      s.observers_left++;
      last = std::max(last, left_at_[l][o]);
    }
    if (s.observers > 0 && s.observers_left == s.observers) {
      s.all_left_s = (last - leave_time).sec();
    }
    result_.leaves.push_back(s);
  }
  result_.node_hours = live_node_rounds_after_ * interval_s / 3600.0;
  result_.node_hours_settled = live_node_rounds_settled_ * interval_s / 3600.0;
  if (live_node_rounds_ > 0) {
    result_.messages_per_node_interval =
        static_cast<double>(result_.messages_total) / live_node_rounds_;
    result_.bytes_per_node_interval = static_cast<double>(result_.bytes_total) / live_node_rounds_;
  }
}

}  // namespace

uint32_t heartbeat_max_rounds(const SimConfig& config) {
  if (config.max_rounds > 0) return config.max_rounds;
  double last = 0;
  for (const Crash& c : config.crashes)
    last = std::max(last, c.restart.value_or(c.at));
  for (const Partition& p : config.partitions)
    last = std::max(last, p.heal.value_or(p.start));
  for (const Leave& l : config.leaves)
    last = std::max(last, l.at);
  const auto& d = config.detector;
  const double interval_s = config.gossip.interval.sec();
  const double detect_rounds =
      d.kind == core::detect::DetectorConfig::Kind::kThreshold
          ? static_cast<double>(d.threshold.suspect_after + d.threshold.dead_after)
          : (d.phi.dead_after.sec() + 10 * d.phi.first_heartbeat_estimate.sec()) / interval_s;
  return static_cast<uint32_t>(std::ceil(last + 2 * detect_rounds)) + 60;
}

HeartbeatResult run_heartbeat(const SimConfig& config, core::GossipMode mode,
                              const RunOptions& options) {
  HeartbeatWorld world(config, mode, options);
  return world.run();
}

}  // namespace rumor::sim
