#include "sim/swim_world.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <queue>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>

#include "base/assert.h"
#include "core/membership/directory.h"
#include "core/membership/swim_node.h"
#include "sim/network.h"
#include "sim/slot_pool.h"
#include "sim/swim_measures.h"
#include "sim/swim_plan.h"
#include "sim/swim_trace.h"

namespace rumor::sim {
namespace {

using core::Address;
using core::Channel;
using core::SwimEvent;
using core::SwimEventKind;
using core::SwimNode;

constexpr uint64_t kNetworkStream = 1ull << 40;
constexpr uint64_t kScheduleStream = (1ull << 40) + 1;
constexpr uint64_t kLagStream = (1ull << 40) + 3;
// Consecutive handle_timeout calls that may leave a deadline due before the node is deemed stuck.
constexpr uint32_t kMaxTimerSpins = 10'000;
// Message buffers above this size are freed when their message is delivered.
constexpr size_t kKeepBufferBytes = 64 * 1024;
// The hard cap on pending events (SimConfig::validate() keeps estimates below half of it).
constexpr size_t kMaxPendingEvents = size_t{1} << 25;

double seconds(Time t) {
  return (t - Time::zero()).sec();
}

Duration millis(double ms) {
  return Duration::nanos(static_cast<int64_t>(std::llround(ms * 1e6)));
}

class SwimWorld {
 public:
  SwimWorld(const SimConfig& config, const RunOptions& options);
  SwimResult run();

 private:
  enum class Kind : uint8_t {
    kTimer,        // index: node; gen: its generation
    kPacket,       // index: flight
    kStreamOpen,   // index: flight (from: opener, gen: opener's generation)
    kStreamReply,  // index: flight (to: opener, gen: its generation)
    kStreamError,  // index: flight (to: opener, gen: its generation)
    kStart,        // index: node (--start join)
    kCrash,        // index: crash
    kRestart,      // index: crash
    kLeave,        // index: leave
    kStop,         // index: node (end of a leave)
    kCut,          // index: partition (trace only; the network applies it by time)
    kHeal,
    kReconnect,  // index: node; gen: its generation
    kRetryJoin,  // index: node; gen: its generation
  };
  struct Event {
    Time at;
    uint64_t seq;
    uint32_t index;
    uint32_t gen;
    Kind kind;
    bool lagged;  // a slow node's event, already delayed
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct Flight {
    uint32_t from = 0;
    uint32_t to = 0;
    uint32_t gen = 0;
    uint64_t stream = 0;
    std::vector<uint8_t> bytes;
  };
  struct Conn {
    uint32_t opener;
    uint32_t gen;
    uint64_t stream;
  };
  struct Cut {
    std::vector<uint32_t> group_of;  // the last group id is "everyone else"
    double start = 0;
    double heal = 0;  // +inf when never healed
    bool one_way = false;
  };

  void push(Time at, Kind kind, uint32_t index, uint32_t gen = 0, bool lagged = false) {
    events_.push(Event{at, seq_++, index, gen, kind, lagged});
  }
  bool live(uint32_t i) const { return up_[i] && !leaving_[i]; }
  uint32_t flight(uint32_t from, uint32_t to, uint32_t gen, uint64_t stream) {
    const uint32_t slot = flights_.acquire();
    Flight& f = flights_[slot];
    f.from = from;
    f.to = to;
    f.gen = gen;
    f.stream = stream;
    return slot;
  }
  // A slot's buffer keeps its capacity for the next message, unless a push-pull grew it large:
  // buffers are swapped between slots and the transmit scratch, so without this every slot
  // would in time hold a whole member list's worth of bytes.
  void release(uint32_t slot) {
    std::vector<uint8_t>& bytes = flights_[slot].bytes;
    if (bytes.capacity() > kKeepBufferBytes) std::vector<uint8_t>().swap(bytes);
    flights_.release(slot);
  }
  // The node an event is for.
  uint32_t target(const Event& ev) {
    return ev.kind == Kind::kTimer ? ev.index : flights_[ev.index].to;
  }
  // Whether an active partition separates `from` from `to` at `t` seconds (as Network::fate
  // decides for packets; streams ask here, so that they draw no loss).
  bool cut(uint32_t from, uint32_t to, double t) const {
    for (const Cut& c : cuts_) {
      if (t < c.start || t >= c.heal) continue;
      const uint32_t gf = c.group_of[from], gt = c.group_of[to];
      if (gf != gt && (!c.one_way || gf == 0)) return true;
    }
    return false;
  }
  // A time node i may be handed: never before what it has already seen.
  Time node_time(uint32_t i, Time t) const { return std::max(t, node_now_[i]); }

  void set_live_count(Time t, int delta);
  void start_node(uint32_t i, Time now, uint32_t incarnation);
  void after_call(uint32_t i, Time now);
  void schedule_timer(uint32_t i, Time now);
  void send(uint32_t i, Time now);
  void on_node_event(uint32_t observer, const SwimEvent& e);
  void deliver(const Event& ev);
  void handle(const Event& ev, uint32_t node);
  void join_random(uint32_t i, Time now);
  void crash(uint32_t c, Time now);
  void restart(uint32_t c, Time now);
  void reconnect(uint32_t i, Time now);
  void stop_node(uint32_t i, Time now);
  // When live member i's generation started; Time::never() for one not live (SwimMeasures).
  Time live_up_since(uint32_t i) const { return live(i) ? up_since_[i] : Time::never(); }
  void finish(Time end);

  SimConfig config_;
  RunOptions options_;
  core::SwimConfig node_config_;
  uint32_t n_;
  core::Directory directory_;
  Network net_;
  std::vector<Cut> cuts_;
  Prng schedule_;
  Prng lag_;
  std::vector<std::unique_ptr<SwimNode>> nodes_;
  std::vector<uint32_t> gen_;
  std::vector<uint8_t> up_, leaving_;
  std::vector<Time> up_since_;  // when its current generation started
  std::vector<Time> node_now_;
  std::vector<Time> timer_deadline_, timer_push_at_;
  std::vector<uint8_t> timer_held_;
  std::vector<uint32_t> timer_spins_;  // handle_timeout calls in a row that left a deadline due
  std::vector<Duration> slow_;         // mean lag per node (zero: not slow)
  std::vector<Time> busy_until_;
  std::vector<int32_t> active_crash_;
  std::vector<std::vector<uint32_t>> failed_;  // per node: members it holds failed (Serf's list)
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  uint64_t seq_ = 0;
  SlotPool<Flight> flights_;
  std::unordered_map<uint64_t, Conn> conns_;
  uint64_t next_conn_ = 1;
  core::SwimTransmit tx_;
  Duration grace_;
  Duration retry_;
  uint32_t live_count_ = 0;
  Time live_since_;
  SwimCheckers checkers_;
  SwimResult result_;
  SwimMeasures measures_;             // fills result_
  std::unique_ptr<SwimTrace> trace_;  // only when a trace is written
};

SwimWorld::SwimWorld(const SimConfig& config, const RunOptions& options)
    : config_(config),
      options_(options),
      node_config_(config.swim_node_config()),
      n_(config.nodes),
      directory_(std::max<uint32_t>(config.nodes, 1)),
      net_(config, Prng::derive(config.seed, kNetworkStream)),
      schedule_(Prng::derive(config.seed, kScheduleStream)),
      lag_(Prng::derive(config.seed, kLagStream)),
      nodes_(config.nodes),
      gen_(config.nodes, 1),
      up_(config.nodes, 0),
      leaving_(config.nodes, 0),
      up_since_(config.nodes, Time::never()),
      node_now_(config.nodes, Time::zero()),
      timer_deadline_(config.nodes, Time::never()),
      timer_push_at_(config.nodes, Time::never()),
      timer_held_(config.nodes, 0),
      timer_spins_(config.nodes, 0),
      active_crash_(config.nodes, -1),
      failed_(config.nodes),
      checkers_(config.nodes, swim_touched(config), swim_persistent(config),
                swim_check_bounds(config)),
      measures_(config_, result_) {
  RUMOR_ASSERT(node_config_.validate().is_ok(), "the sim config validated, so must the node's");
  for (uint32_t i = 0; i < n_; ++i) {
    const std::string name = "node-" + std::to_string(i);
    const auto id = directory_.intern_name(name);
    RUMOR_ASSERT(id && *id == i, "node i's name is interned as NameId i");
    const auto identity = directory_.intern_identity(i, swim_address(i));
    RUMOR_ASSERT(identity && *identity == i, "node i's identity is interned as IdentityId i");
  }
  for (const Partition& p : config.partitions) {
    Cut c;
    c.group_of.assign(n_, static_cast<uint32_t>(p.groups.size()));
    for (size_t g = 0; g < p.groups.size(); ++g) {
      for (uint32_t node : p.groups[g])
        c.group_of[node] = static_cast<uint32_t>(g);
    }
    c.start = p.start;
    c.heal = p.heal.value_or(std::numeric_limits<double>::infinity());
    c.one_way = p.one_way;
    cuts_.push_back(std::move(c));
  }
  if (!config.slow_nodes.empty()) {
    slow_.assign(n_, Duration::zero());
    busy_until_.assign(n_, Time::zero());
    for (const SlowNode& s : config.slow_nodes) {
      slow_[s.node] = millis(s.delay_ms);
      result_.slow_nodes.push_back(s.node);
    }
    std::sort(result_.slow_nodes.begin(), result_.slow_nodes.end());
  }
  grace_ = std::max(node_config_.gossip_interval * 5, node_config_.probe_interval);
  retry_ = Duration::nanos(static_cast<int64_t>(
      std::llround((config.swim.reconnect_s > 0 ? config.swim.reconnect_s : 30.0) * 1e9)));
  const auto& c = node_config_;
  result_.nodes = n_;
  result_.seed = config.seed;
  result_.profile = config.swim.profile;
  result_.lifeguard = config.swim.lifeguard;
  result_.tcp_pings = config.swim.tcp_pings;
  result_.eager_gossip = config.swim.eager_gossip;
  result_.indirect_checks = c.indirect_checks;
  result_.start = config.swim.start;
  result_.duration_s = config.swim.duration_s;
  result_.probe_interval_s = c.probe_interval.sec();
  result_.gossip_interval_s = c.gossip_interval.sec();
  const SwimCheckBounds b = swim_check_bounds(config);
  result_.dead_everywhere_bound_s = b.dead_everywhere.sec();
  result_.agreement_bound_s = b.agreement.sec();
  if (b.faults_end) result_.faults_end_s = seconds(*b.faults_end);
  if (options.trace) trace_ = std::make_unique<SwimTrace>(*options.trace, config_, node_config_);
}

void SwimWorld::set_live_count(Time t, int delta) {
  result_.member_seconds += live_count_ * (t - live_since_).sec();
  live_since_ = t;
  live_count_ = static_cast<uint32_t>(static_cast<int64_t>(live_count_) + delta);
}

void SwimWorld::start_node(uint32_t i, Time now, uint32_t incarnation) {
  const std::string name = "node-" + std::to_string(i);
  core::SwimIdentity self;
  self.name = name;
  self.addr = swim_address(i);
  self.incarnation = incarnation;
  const uint64_t seed = Prng::derive(config_.seed, i + (uint64_t{gen_[i]} << 32));
  nodes_[i] = std::make_unique<SwimNode>(node_config_, directory_, self, seed, now);
  up_[i] = 1;
  leaving_[i] = 0;
  measures_.on_start(i, now);
  up_since_[i] = now;
  node_now_[i] = now;
  timer_deadline_[i] = Time::never();
  timer_push_at_[i] = Time::never();
  timer_held_[i] = 0;
  timer_spins_[i] = 0;
  if (!busy_until_.empty()) busy_until_[i] = now;
  failed_[i].clear();
  set_live_count(now, +1);
  if (config_.swim.reconnect_s > 0) {
    const auto phase = static_cast<double>(retry_.ns()) * schedule_.unit();
    push(now + Duration::nanos(static_cast<int64_t>(phase)), Kind::kReconnect, i, gen_[i]);
  }
}

void SwimWorld::after_call(uint32_t i, Time now) {
  node_now_[i] = std::max(node_now_[i], now);
  SwimNode& node = *nodes_[i];
  SwimEvent e;
  while (node.poll_event(e))
    on_node_event(i, e);
  while (node.poll_transmit(tx_))
    send(i, now);
  schedule_timer(i, now);
}

void SwimWorld::schedule_timer(uint32_t i, Time now) {
  if (timer_held_[i] || !up_[i]) return;
  const Time d = nodes_[i]->poll_timeout();
  if (d == timer_deadline_[i]) return;
  timer_deadline_[i] = d;
  if (d == Time::never()) {
    timer_push_at_[i] = Time::never();
    return;
  }
  const Time at = std::max(d, now);
  timer_push_at_[i] = at;
  push(at, Kind::kTimer, i, gen_[i]);
}

void SwimWorld::send(uint32_t i, Time now) {
  const std::optional<uint32_t> to = swim_index(tx_.to, n_);
  const size_t size = tx_.bytes.size();
  const double t = seconds(now);
  switch (tx_.channel) {
    case Channel::kPacket: {
      result_.packets++;
      result_.packet_bytes += size;
      if (!to) {
        result_.dropped_unknown++;
        return;
      }
      const Fate fate = net_.fate(i, *to, t);
      if (fate != Fate::kDeliver) {
        (fate == Fate::kCut ? result_.dropped_partition : result_.dropped_loss)++;
        if (trace_)
          trace_->send(now, i, *to, tx_, std::nullopt, fate == Fate::kCut ? "partition" : "loss");
        return;
      }
      const bool twice = net_.duplicated();
      if (twice) {
        result_.duplicated++;
        const uint32_t copy = flight(i, *to, 0, 0);
        flights_[copy].bytes.assign(tx_.bytes.begin(), tx_.bytes.end());
        push(now + net_.latency(), Kind::kPacket, copy);
      }
      const uint32_t slot = flight(i, *to, 0, 0);
      const Time arrive = now + net_.latency();
      if (trace_) trace_->send(now, i, *to, tx_, arrive);
      flights_[slot].bytes.swap(tx_.bytes);
      push(arrive, Kind::kPacket, slot);
      return;
    }
    case Channel::kStreamOpen: {
      result_.streams++;
      result_.stream_bytes += size;
      if (!to) {
        result_.dropped_unknown++;
        result_.streams_failed++;
        push(now + node_config_.tcp_timeout, Kind::kStreamError, flight(i, i, gen_[i], tx_.stream));
        return;
      }
      if (cut(i, *to, t)) {
        result_.dropped_partition++;
        result_.streams_failed++;
        if (trace_) trace_->send(now, i, *to, tx_, std::nullopt, "partition");
        push(now + node_config_.tcp_timeout, Kind::kStreamError, flight(i, i, gen_[i], tx_.stream));
        return;
      }
      if (!up_[*to]) {  // refused: the reset comes back after one latency
        result_.dropped_crashed++;
        result_.streams_failed++;
        if (trace_) trace_->send(now, i, *to, tx_, std::nullopt, "crashed");
        push(now + net_.latency(), Kind::kStreamError, flight(i, i, gen_[i], tx_.stream));
        return;
      }
      const uint32_t slot = flight(i, *to, gen_[i], tx_.stream);
      const Time arrive = now + net_.latency();
      if (trace_) trace_->send(now, i, *to, tx_, arrive);
      flights_[slot].bytes.swap(tx_.bytes);
      push(arrive, Kind::kStreamOpen, slot);
      return;
    }
    case Channel::kStreamReply: {
      result_.streams++;
      result_.stream_bytes += size;
      const auto it = conns_.find(tx_.stream);
      if (it == conns_.end()) {
        result_.dropped_unknown++;
        return;
      }
      const Conn conn = it->second;
      conns_.erase(it);
      if (cut(i, conn.opener, t)) {
        result_.dropped_partition++;
        if (trace_) trace_->send(now, i, conn.opener, tx_, std::nullopt, "partition");
        return;
      }
      const uint32_t slot = flight(i, conn.opener, conn.gen, conn.stream);
      const Time arrive = now + net_.latency();
      if (trace_) trace_->send(now, i, conn.opener, tx_, arrive);
      flights_[slot].bytes.swap(tx_.bytes);
      push(arrive, Kind::kStreamReply, slot);
      return;
    }
  }
}

void SwimWorld::on_node_event(uint32_t observer, const SwimEvent& e) {
  const uint32_t m = e.member;
  if (m >= n_ || m == observer) return;
  if (trace_) trace_->member_event(observer, e);
  // Serf's failed-member list, for its reconnector.
  auto& failed = failed_[observer];
  if (e.kind == SwimEventKind::kFailed) {
    if (std::find(failed.begin(), failed.end(), m) == failed.end()) failed.push_back(m);
  } else if (e.kind == SwimEventKind::kJoined || e.kind == SwimEventKind::kLeft) {
    failed.erase(std::remove(failed.begin(), failed.end(), m), failed.end());
  }
  if (!live(observer)) return;
  checkers_.on_event(observer, e);
  measures_.on_event(observer, e, live(m), active_crash_[m]);
}

void SwimWorld::deliver(const Event& ev) {
  const uint32_t node = target(ev);
  const bool flight_event = ev.kind != Kind::kTimer;
  // Timers, stream replies and stream errors belong to one generation of the node (its stream
  // ids die with it); packets and stream opens reach whoever listens at the address.
  uint32_t gen = gen_[node];
  if (ev.kind == Kind::kTimer) gen = ev.gen;
  if (ev.kind == Kind::kStreamReply || ev.kind == Kind::kStreamError) gen = flights_[ev.index].gen;
  bool drop = !up_[node] || gen != gen_[node];
  if (!drop && ev.kind == Kind::kTimer && !ev.lagged && ev.at != timer_push_at_[node]) {
    drop = true;  // a deadline since replaced
  }
  if (drop) {
    if (trace_ && flight_event && ev.kind != Kind::kStreamError) {
      const Flight& f = flights_[ev.index];
      trace_->dropped(ev.at, f.from, f.to,
                      ev.kind == Kind::kPacket       ? Channel::kPacket
                      : ev.kind == Kind::kStreamOpen ? Channel::kStreamOpen
                                                     : Channel::kStreamReply,
                      f.bytes);
    }
    if (ev.kind == Kind::kStreamOpen) {
      // The peer went down while the stream was on its way: the opener sees the reset.
      Flight& f = flights_[ev.index];
      result_.dropped_crashed++;
      result_.streams_failed++;
      f.to = f.from;
      f.bytes.clear();
      push(ev.at + net_.latency(), Kind::kStreamError, ev.index);
      return;
    }
    if (ev.kind == Kind::kPacket && !up_[node]) result_.dropped_crashed++;
    if (flight_event) release(ev.index);
    return;
  }
  if (!slow_.empty() && slow_[node] > Duration::zero() && !ev.lagged) {
    // A slow node handles each event late, in order (swim_world.h).
    const auto mean = static_cast<double>(slow_[node].ns());
    const auto lag = Duration::nanos(static_cast<int64_t>(mean * (0.5 + lag_.unit())));
    const Time at = std::max(ev.at + lag, busy_until_[node]);
    busy_until_[node] = at;
    if (ev.kind == Kind::kTimer) {
      timer_held_[node] = 1;
      timer_deadline_[node] = Time::never();
      timer_push_at_[node] = Time::never();
    }
    push(at, ev.kind, ev.index, ev.gen, /*lagged=*/true);
    return;
  }
  handle(ev, node);
  if (flight_event) release(ev.index);
}

void SwimWorld::handle(const Event& ev, uint32_t node) {
  SwimNode& n = *nodes_[node];
  const Time now = node_time(node, ev.at);
  switch (ev.kind) {
    case Kind::kTimer: {
      timer_held_[node] = 0;
      timer_deadline_[node] = Time::never();
      timer_push_at_[node] = Time::never();
      // A deadline may come back due at once (a ticker catching up after a long probe or a
      // slow node's lag runs its missed tick now; a confirmation can pull a suspicion's deadline
      // into the past), and is then handled by another event at this instant. A node that keeps
      // its deadline in the past call after call would spin here forever instead.
      n.handle_timeout(now);
      if (n.poll_timeout() > now) {
        timer_spins_[node] = 0;
      } else {
        RUMOR_ASSERT(++timer_spins_[node] < kMaxTimerSpins,
                     "handle_timeout(now) leaves no deadline due after a few calls");
      }
      break;
    }
    case Kind::kPacket: {
      const Flight& f = flights_[ev.index];
      n.handle_packet(now, swim_address(f.from), f.bytes);
      break;
    }
    case Kind::kStreamOpen: {
      const Flight& f = flights_[ev.index];
      const uint64_t conn = next_conn_++;
      conns_.emplace(conn, Conn{f.from, f.gen, f.stream});
      const uint32_t opener = f.from;
      const uint32_t opener_gen = f.gen;
      const uint64_t stream = f.stream;
      n.handle_stream(now, swim_address(opener), conn, f.bytes);
      after_call(node, now);
      if (conns_.erase(conn) > 0) {
        // Closed without a reply: the opener reads end-of-stream.
        result_.streams_failed++;
        push(now + net_.latency(), Kind::kStreamError, flight(node, opener, opener_gen, stream));
      }
      return;
    }
    case Kind::kStreamReply: {
      const Flight& f = flights_[ev.index];
      n.handle_stream_reply(now, f.stream, f.bytes);
      result_.streams_completed++;
      break;
    }
    case Kind::kStreamError:
      n.handle_stream_error(now, flights_[ev.index].stream);
      break;
    default:
      RUMOR_ASSERT(false, "only deliveries and timers reach handle()");
  }
  after_call(node, now);
}

void SwimWorld::join_random(uint32_t i, Time now) {
  if (live_count_ <= 1) return;
  // A random live node other than i: draw a start, walk forward to the next live one.
  uint32_t j = static_cast<uint32_t>(schedule_.uniform(n_));
  for (uint32_t k = 0; k < n_; ++k, j = (j + 1) % n_) {
    if (j != i && live(j)) break;
  }
  if (j == i || !live(j)) return;
  const Time t = node_time(i, now);
  const Address seed = swim_address(j);
  nodes_[i]->join(t, std::span<const Address>(&seed, 1));
  result_.reconnects++;
  after_call(i, t);
}

void SwimWorld::stop_node(uint32_t i, Time now) {
  if (!up_[i]) return;
  if (live(i)) {
    checkers_.down(now, i, *nodes_[i]);
    set_live_count(now, -1);
  }
  up_[i] = 0;
  measures_.add_node_stats(nodes_[i]->stats());
}

void SwimWorld::crash(uint32_t c, Time now) {
  const uint32_t i = config_.crashes[c].node;
  active_crash_[i] = static_cast<int32_t>(c);
  if (trace_) trace_->crash(now, i);
  stop_node(i, now);
}

void SwimWorld::restart(uint32_t c, Time now) {
  const uint32_t i = config_.crashes[c].node;
  measures_.close_crash(c, [this](uint32_t o) { return live_up_since(o); });
  active_crash_[i] = -1;
  gen_[i]++;
  if (trace_) trace_->restart(now, i, gen_[i]);
  start_node(i, now, 1);
  checkers_.up(now, i);
  after_call(i, now);
  join_random(i, now);
  push(now + retry_, Kind::kRetryJoin, i, gen_[i]);
}

void SwimWorld::reconnect(uint32_t i, Time now) {
  const auto& failed = failed_[i];
  if (!failed.empty() && live(i)) {
    const SwimNode& node = *nodes_[i];
    const size_t alive =
        node.count(core::SwimState::kAlive) + node.count(core::SwimState::kSuspect);
    const double p =
        static_cast<double>(failed.size()) / static_cast<double>(std::max<size_t>(alive, 1));
    if (schedule_.chance(p)) {
      const uint32_t m = failed[schedule_.uniform(failed.size())];
      const Time t = node_time(i, now);
      const Address addr = swim_address(m);
      nodes_[i]->join(t, std::span<const Address>(&addr, 1));
      result_.reconnects++;
      after_call(i, t);
    }
  }
  push(now + retry_, Kind::kReconnect, i, gen_[i]);
}

SwimResult SwimWorld::run() {
  const Time end = at_seconds(config_.swim.duration_s);
  if (trace_) trace_->run_line();
  if (config_.swim.start == SwimStart::kFormed) {
    for (uint32_t i = 0; i < n_; ++i)
      start_node(i, Time::zero(), 1);
    for (uint32_t i = 0; i < n_; ++i) {
      nodes_[i]->reserve_members(n_);
      for (uint32_t j = 0; j < n_; ++j) {
        if (j != i) nodes_[i]->restore_member(Time::zero(), j, 1);
      }
      // A formed cluster has been up for a while: its timers run at steady-state phases.
      nodes_[i]->stagger_timers(Time::zero());
    }
    checkers_.formed(Time::zero());
    for (uint32_t i = 0; i < n_; ++i)
      after_call(i, Time::zero());
  } else {
    const Duration stagger = millis(config_.swim.join_stagger_ms);
    for (uint32_t i = 0; i < n_; ++i)
      push(Time::zero() + stagger * i, Kind::kStart, i);
  }
  for (size_t c = 0; c < config_.crashes.size(); ++c) {
    push(at_seconds(config_.crashes[c].at), Kind::kCrash, static_cast<uint32_t>(c));
    if (config_.crashes[c].restart) {
      push(at_seconds(*config_.crashes[c].restart), Kind::kRestart, static_cast<uint32_t>(c));
    }
  }
  for (size_t l = 0; l < config_.leaves.size(); ++l) {
    push(at_seconds(config_.leaves[l].at), Kind::kLeave, static_cast<uint32_t>(l));
  }
  for (size_t p = 0; p < config_.partitions.size(); ++p) {
    push(at_seconds(config_.partitions[p].start), Kind::kCut, static_cast<uint32_t>(p));
    if (config_.partitions[p].heal) {
      push(at_seconds(*config_.partitions[p].heal), Kind::kHeal, static_cast<uint32_t>(p));
    }
  }
  Time next_progress = Time::zero() + Duration::seconds(1);
  uint32_t progress_s = 1;
  while (!events_.empty() && events_.top().at <= end) {
    const Event ev = events_.top();
    events_.pop();
    result_.events_processed++;
    while (options_.progress && ev.at >= next_progress) {
      options_.progress->on_round(progress_s++, static_cast<uint32_t>(config_.swim.duration_s),
                                  live_count_, n_);
      next_progress = next_progress + Duration::seconds(1);
    }
    checkers_.advance(ev.at);
    if (trace_) trace_->advance(ev.at, result_.packets + result_.streams);
    switch (ev.kind) {
      case Kind::kTimer:
      case Kind::kPacket:
      case Kind::kStreamOpen:
      case Kind::kStreamReply:
      case Kind::kStreamError:
        deliver(ev);
        break;
      case Kind::kStart: {
        const uint32_t i = ev.index;
        if (active_crash_[i] >= 0) break;  // crashed before it started
        start_node(i, ev.at, 1);
        checkers_.up(ev.at, i);
        if (trace_) trace_->start(ev.at, i);
        after_call(i, ev.at);
        if (i != 0) {
          const Address seed = swim_address(0);
          nodes_[i]->join(ev.at, std::span<const Address>(&seed, 1));
          after_call(i, ev.at);
          push(ev.at + retry_, Kind::kRetryJoin, i, gen_[i]);
        }
        break;
      }
      case Kind::kCrash:
        crash(ev.index, ev.at);
        break;
      case Kind::kRestart:
        restart(ev.index, ev.at);
        break;
      case Kind::kLeave: {
        const uint32_t i = config_.leaves[ev.index].node;
        if (!live(i)) break;
        checkers_.down(ev.at, i, *nodes_[i]);
        set_live_count(ev.at, -1);
        leaving_[i] = 1;
        if (trace_) trace_->leave(ev.at, i);
        const Time t = node_time(i, ev.at);
        nodes_[i]->leave(t);
        after_call(i, t);
        push(ev.at + grace_, Kind::kStop, i, gen_[i]);
        break;
      }
      case Kind::kStop:
        if (up_[ev.index] && gen_[ev.index] == ev.gen) stop_node(ev.index, ev.at);
        break;
      case Kind::kCut:
      case Kind::kHeal:
        if (options_.trace) options_.trace->partition(ev.at, ev.kind == Kind::kCut, ev.index);
        break;
      case Kind::kReconnect:
        if (up_[ev.index] && gen_[ev.index] == ev.gen) reconnect(ev.index, ev.at);
        break;
      case Kind::kRetryJoin: {
        const uint32_t i = ev.index;
        if (!live(i) || gen_[i] != ev.gen || nodes_[i]->joined_count() > 0) break;
        join_random(i, ev.at);
        push(ev.at + retry_, Kind::kRetryJoin, i, gen_[i]);
        break;
      }
    }
    result_.pending_events_max = std::max<uint64_t>(result_.pending_events_max, events_.size());
    if (events_.size() > kMaxPendingEvents) {
      result_.error = "more than " + std::to_string(kMaxPendingEvents) + " events pending at " +
                      std::to_string(seconds(ev.at)) + " s; use fewer nodes or shorter delays";
      break;
    }
  }
  if (trace_) trace_->finish(end, result_.packets + result_.streams);
  finish(end);
  return std::move(result_);
}

void SwimWorld::finish(Time end) {
  set_live_count(end, 0);
  checkers_.finish(
      end, [this](uint32_t i) -> const SwimNode* { return live(i) ? nodes_[i].get() : nullptr; });
  measures_.finish(end, [this](uint32_t o) { return live_up_since(o); });
  for (uint32_t i = 0; i < n_; ++i) {
    if (up_[i]) measures_.add_node_stats(nodes_[i]->stats());
  }
  result_.agreement_checked = checkers_.agreement_checked();
  if (checkers_.agreed_at() && result_.faults_end_s) {
    result_.agreement_s = seconds(*checkers_.agreed_at()) - *result_.faults_end_s;
  }
  result_.stale_rejoins = checkers_.stale_rejoins();
  result_.violations = checkers_.violations();
  result_.violations_total = checkers_.violations_total();
}

}  // namespace

SwimResult run_swim(const SimConfig& config, const RunOptions& options) {
  if (options.trace && config.nodes > kMaxSwimTraceNodes) {
    SwimResult r;
    r.nodes = config.nodes;
    r.seed = config.seed;
    r.error = "a traced swim run has at most " + std::to_string(kMaxSwimTraceNodes) +
              " nodes (the trace keeps every node's view of every member), got " +
              std::to_string(config.nodes);
    return r;
  }
  const SimConfig resolved = resolve_swim_faults(config);
  SwimWorld world(resolved, options);
  return world.run();
}

SwimResult run_swim(const SimConfig& config) {
  return run_swim(config, RunOptions{});
}

}  // namespace rumor::sim
