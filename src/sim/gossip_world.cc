#include "sim/gossip_world.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <queue>

#include "base/assert.h"
#include "core/wire/gossip_codec.h"
#include "sim/network.h"
#include "sim/slot_pool.h"

namespace rumor::sim {
namespace {

using core::GossipMode;
using core::MessageView;
using core::NodeId;

constexpr const char* kUpdateKey = "update";
constexpr const char* kUpdateValue = "v1";
// Stream ids for Prng::derive beyond the node indices.
constexpr uint64_t kNetworkStream = 1ull << 40;
constexpr uint64_t kScheduleStream = (1ull << 40) + 1;

// A scheduled crash, restart or partition edge, in rounds.
struct Fault {
  double at = 0;
  enum class Kind : uint8_t { kCrash, kRestart, kCutStart, kCutHeal } kind = Kind::kCrash;
  uint32_t index = 0;  // node, or partition index
};

std::vector<Fault> schedule_faults(const SimConfig& c) {
  std::vector<Fault> faults;
  for (const Crash& cr : c.crashes) {
    faults.push_back({cr.at, Fault::Kind::kCrash, cr.node});
    if (cr.restart) faults.push_back({*cr.restart, Fault::Kind::kRestart, cr.node});
  }
  for (size_t i = 0; i < c.partitions.size(); ++i) {
    const auto idx = static_cast<uint32_t>(i);
    faults.push_back({c.partitions[i].start, Fault::Kind::kCutStart, idx});
    if (c.partitions[i].heal) faults.push_back({*c.partitions[i].heal, Fault::Kind::kCutHeal, idx});
  }
  std::stable_sort(faults.begin(), faults.end(),
                   [](const Fault& a, const Fault& b) { return a.at < b.at; });
  return faults;
}

class GossipWorld {
 public:
  GossipWorld(const SimConfig& config, GossipMode mode, const RunOptions& options);
  RunResult run();

 private:
  core::GossipContext context(Time now) {
    return core::GossipContext{now, gossip_, *sampler_, ws_};
  }
  Time round_time(double rounds) const {
    return Time::zero() + Duration::nanos(static_cast<int64_t>(
                              std::llround(rounds * static_cast<double>(gossip_.interval.ns()))));
  }
  double in_rounds(Time t) const {
    return static_cast<double>(t.ns()) / static_cast<double>(gossip_.interval.ns());
  }

  void write_update();
  void run_rounds();
  void run_async();
  void apply_fault(const Fault& f, Time now);
  // Accounts for and decides the fate of send i of `box`; true if it is to be delivered.
  bool dispatch(const core::Outbox& box, size_t i, Time now);
  void deliver(NodeId from, NodeId to, const MessageView& v, Time now);
  void deliver_copies(NodeId from, NodeId to, const MessageView& v, Time now);
  // Rounds mode: routes what the last calls wrote to ws_.out (and what that causes).
  void route_outputs(Time t);
  // Touches the receivers of sends [first, last) of `box` ahead of delivering them.
  void warm(const core::Outbox& box, size_t first, size_t last);
  // Folds what the last engine call changed into the informed count (and the trace).
  void absorb_changes(NodeId node, Time now);
  void end_round(uint32_t round, Time now);
  bool finished(Time now) const;
  bool full() const { return informed_live_ == live_; }
  void note_time_to_full(Time now) {
    if (!result_.time_to_full_ms && full()) result_.time_to_full_ms = (now - Time::zero()).ms();
  }

  SimConfig config_;
  core::GossipConfig gossip_;
  RunOptions options_;
  std::unique_ptr<core::PeerSampler> sampler_;
  Network net_;
  std::vector<core::Gossiper> nodes_;
  std::vector<uint8_t> informed_;
  std::vector<uint8_t> down_;
  std::vector<Fault> faults_;
  size_t next_fault_ = 0;
  double last_fault_at_ = 0;
  core::Workspace ws_;
  core::Outbox immediate_;   // rounds mode: entry-free messages being delivered now
  core::Outbox deferred_;    // rounds mode: messages with entries, for the next phase
  core::Outbox delivering_;  // rounds mode: the phase being delivered
  bool track_hot_ = false;   // rumor and direct mail keep hot lists worth counting
  size_t warm_sink_ = 0;     // keeps warm()'s reads from being optimised away
  core::Version update_version_;
  uint64_t live_ = 0;
  uint64_t informed_live_ = 0;
  int64_t hot_total_ = 0;   // hot rumors (or unsent mail) summed over nodes
  uint64_t in_flight_ = 0;  // async: messages not yet delivered
  RoundStats round_{};      // the round being counted
  RunResult result_;
  // Reused buffers for wire mode.
  std::vector<uint8_t> wire_bytes_;
  core::Message wire_message_;
};

GossipWorld::GossipWorld(const SimConfig& config, GossipMode mode, const RunOptions& options)
    : config_(config),
      gossip_(config.gossip),
      options_(options),
      net_(config, Prng::derive(config.seed, kNetworkStream)),
      informed_(config.nodes, 0),
      down_(config.nodes, 0),
      faults_(schedule_faults(config)) {
  gossip_.mode = mode;
  track_hot_ = mode == GossipMode::kRumor || mode == GossipMode::kDirectMail;
  if (config.timing == Timing::kRounds) gossip_.jitter = 0;
  if (config.peer_selection == core::PeerSelection::kLeastRecentlyContacted) {
    sampler_ = std::make_unique<core::LeastRecentSampler>(config.nodes);
  } else {
    sampler_ = std::make_unique<core::UniformSampler>(config.nodes);
  }
  for (const Fault& f : faults_)
    last_fault_at_ = std::max(last_fault_at_, f.at);
  ws_.record_changes = true;
  live_ = config.nodes;
  result_.mode = mode;
  result_.nodes = config.nodes;
  result_.fanout = gossip_.fanout;
  result_.seed = config.seed;
  result_.timing = config.timing;
}

RunResult GossipWorld::run() {
  if (options_.trace) {
    options_.trace->gossip_run(config_.nodes, core::gossip_mode_name(gossip_.mode), config_.seed,
                               config_.timing == Timing::kRounds ? "rounds" : "async",
                               gossip_.fanout, config_.origin, kUpdateKey);
  }
  if (config_.timing == Timing::kRounds) {
    run_rounds();
  } else {
    run_async();
  }
  result_.informed_final = informed_live_;
  result_.live_final = live_;
  result_.engine = ws_.stats;
  return std::move(result_);
}

void GossipWorld::write_update() {
  auto ctx = context(Time::zero());
  const core::Entry e = nodes_[config_.origin].write(ctx, kUpdateKey, kUpdateValue);
  update_version_ = e.version();
  if (!down_[config_.origin]) {
    informed_[config_.origin] = 1;
    informed_live_++;
  }
  // A crashed origin's hot list left the count when it went down; it is not spreading.
  if (!down_[config_.origin])
    hot_total_ += static_cast<int64_t>(nodes_[config_.origin].hot_count());
  if (options_.trace) options_.trace->write(Time::zero(), config_.origin, e);
}

void GossipWorld::apply_fault(const Fault& f, Time now) {
  switch (f.kind) {
    case Fault::Kind::kCrash: {
      if (down_[f.index]) return;
      down_[f.index] = 1;
      live_--;
      if (informed_[f.index]) informed_live_--;
      hot_total_ -= static_cast<int64_t>(nodes_[f.index].hot_count());
      if (options_.trace) options_.trace->crash(now, f.index);
      return;
    }
    case Fault::Kind::kRestart: {
      if (!down_[f.index]) return;
      const uint32_t gen = nodes_[f.index].generation() + 1;
      nodes_[f.index] =
          core::Gossiper(f.index, gen, Prng::derive(config_.seed, f.index + (uint64_t{gen} << 32)),
                         now + gossip_.interval);
      down_[f.index] = 0;
      informed_[f.index] = 0;
      live_++;
      if (options_.trace) options_.trace->restart(now, f.index, gen);
      return;
    }
    case Fault::Kind::kCutStart:
    case Fault::Kind::kCutHeal:
      if (options_.trace) options_.trace->partition(now, f.kind == Fault::Kind::kCutStart, f.index);
      return;
  }
}

bool GossipWorld::dispatch(const core::Outbox& box, size_t i, Time now) {
  const NodeId from = box.from(i), to = box.to(i);
  const MessageView v = box.view(i);
  const size_t bytes = core::wire::encoded_size(v);
  round_.messages++;
  round_.bytes += bytes;
  result_.messages_total++;
  result_.bytes_total += bytes;
  result_.messages_by_type[static_cast<size_t>(v.type)]++;
  if (options_.trace) options_.trace->send(now, from, to, v.type, bytes);
  const Fate fate = net_.fate(from, to, in_rounds(now));
  if (fate != Fate::kDeliver) {
    const bool cut = fate == Fate::kCut;
    (cut ? result_.dropped_partition : result_.dropped_loss)++;
    if (options_.trace) options_.trace->drop(now, from, to, v.type, cut ? "partition" : "loss");
    return false;
  }
  return true;
}

void GossipWorld::deliver(NodeId from, NodeId to, const MessageView& v, Time now) {
  // Most runs crash nobody; then the (randomly accessed, cache-missing) down_ check is skipped.
  if (!config_.crashes.empty() && down_[to]) {
    result_.dropped_crashed++;
    if (options_.trace) options_.trace->drop(now, from, to, v.type, "crashed");
    return;
  }
  MessageView view = v;
  if (options_.wire) {
    wire_bytes_.clear();
    core::wire::encode(v, wire_bytes_);
    const auto err = core::wire::decode(wire_bytes_, gossip_.max_message_bytes + 64, wire_message_);
    RUMOR_ASSERT(err == core::wire::DecodeError::kNone, "our own encoding must decode");
    view = wire_message_.view();
  }
  auto ctx = context(now);
  if (track_hot_) {
    const auto hot_before = static_cast<int64_t>(nodes_[to].hot_count());
    nodes_[to].handle_message(ctx, from, view);
    hot_total_ += static_cast<int64_t>(nodes_[to].hot_count()) - hot_before;
  } else {
    nodes_[to].handle_message(ctx, from, view);
  }
  absorb_changes(to, now);
}

void GossipWorld::absorb_changes(NodeId node, Time now) {
  for (const core::Change& c : ws_.changes) {
    if (options_.trace) options_.trace->learn(now, node, c.from, c.entry, c.via);
    if (c.entry.origin == config_.origin && c.entry.version() >= update_version_ &&
        !informed_[node] && c.entry.key() == kUpdateKey) {
      informed_[node] = 1;
      if (!down_[node]) informed_live_++;
    }
  }
  ws_.changes.clear();
}

bool GossipWorld::finished(Time now) const {
  if (in_rounds(now) < last_fault_at_) return false;
  // Anti-entropy (and a rumor or mail run with a periodic safety net) never falls silent: it is
  // done once everyone knows. Rumor mongering and direct mail run until nothing is hot and
  // nothing is in flight, so their traffic is counted in full, and end there even if some
  // nodes never learned (the residue).
  const bool periodic = gossip_.mode == GossipMode::kPush || gossip_.mode == GossipMode::kPull ||
                        gossip_.mode == GossipMode::kPushPull || gossip_.antientropy_every > 0;
  if (periodic) return full();
  return hot_total_ == 0 && in_flight_ == 0;
}

void GossipWorld::end_round(uint32_t round, Time now) {
  round_.round = round;
  round_.informed = informed_live_;
  result_.per_round.push_back(round_);
  result_.rounds_run = round;
  if (options_.trace) options_.trace->round(now, round, round_.informed, round_.messages);
  if (options_.progress) {
    options_.progress->on_round(round, effective_max_rounds(config_), informed_live_,
                                config_.nodes);
  }
  if (!result_.rounds_to_full && full()) result_.rounds_to_full = round;
  round_ = RoundStats{};
}

void GossipWorld::warm(const core::Outbox& box, size_t first, size_t last) {
  // Delivery is bound by random access to the receivers. Reading every receiver of a batch in
  // a tight loop first lets the CPU overlap those cache misses (prefetch hints alone did not on
  // this hardware): the nodes in one pass, then the entries their stores point to.
  size_t sum = 0;
  for (size_t i = first; i < last; ++i) {
    // What answering reads: the store's bounds and the node's id, its first 28 bytes.
    const core::Gossiper& node = nodes_[box.to(i)];
    sum += node.store().size() + node.self();
    if (!config_.crashes.empty()) sum += down_[box.to(i)];
  }
  for (size_t i = first; i < last; ++i) {
    const auto entries = nodes_[box.to(i)].store().entries();
    if (!entries.empty()) sum += entries.front().counter;
  }
  warm_sink_ += sum;
}

void GossipWorld::route_outputs(Time t) {
  // A message without entries cannot change any store, so delivering it at once cannot pass on
  // anything learned in this round; messages with entries wait for the next phase.
  while (!ws_.out.empty()) {
    std::swap(ws_.out, immediate_);
    ws_.out.clear();
    warm(immediate_, 0, immediate_.size());
    for (size_t i = 0; i < immediate_.size(); ++i) {
      const MessageView v = immediate_.view(i);
      if (!v.entries.empty()) {
        deferred_.copy_from(immediate_, i);
      } else if (dispatch(immediate_, i, t)) {
        deliver_copies(immediate_.from(i), immediate_.to(i), v, t);
      }
    }
    immediate_.clear();
  }
}

void GossipWorld::deliver_copies(NodeId from, NodeId to, const MessageView& v, Time t) {
  deliver(from, to, v, t);
  if (net_.duplicated()) {
    result_.duplicated++;
    deliver(from, to, v, t);
  }
}

void GossipWorld::run_rounds() {
  nodes_.reserve(config_.nodes);
  for (NodeId i = 0; i < config_.nodes; ++i) {
    nodes_.emplace_back(i, 1, Prng::derive(config_.seed, i), round_time(1));
  }
  while (next_fault_ < faults_.size() && faults_[next_fault_].at <= 0) {
    apply_fault(faults_[next_fault_++], Time::zero());
  }
  write_update();
  const uint32_t max_rounds = effective_max_rounds(config_);
  const bool track_hot = track_hot_;
  constexpr NodeId kBatch = 256;
  for (uint32_t r = 1; r <= max_rounds; ++r) {
    const Time now = round_time(r);
    while (next_fault_ < faults_.size() && faults_[next_fault_].at <= r) {
      apply_fault(faults_[next_fault_++], now);
    }
    // Phase 0: every live node ticks, in batches whose receivers are warmed together.
    const Time t0 = now;
    for (NodeId first = 0; first < config_.nodes; first += kBatch) {
      const NodeId last = std::min<NodeId>(config_.nodes, first + kBatch);
      size_t sum = 0;  // warm the batch's stores, as warm() does for receivers
      for (NodeId u = first; u < last; ++u) {
        const auto entries = nodes_[u].store().entries();
        if (!entries.empty()) sum += entries.front().counter;
      }
      warm_sink_ += sum;
      for (NodeId u = first; u < last; ++u) {
        if (down_[u]) continue;
        const auto hot_before = track_hot ? static_cast<int64_t>(nodes_[u].hot_count()) : 0;
        auto ctx = context(now);
        nodes_[u].handle_timeout(ctx);
        if (track_hot) hot_total_ += static_cast<int64_t>(nodes_[u].hot_count()) - hot_before;
      }
      route_outputs(t0);
    }
    // Later phases: what carries entries, produced by the phase before.
    for (int phase = 1; !deferred_.empty(); ++phase) {
      std::swap(deferred_, delivering_);
      deferred_.clear();
      const Time t = now + Duration::millis(phase);
      constexpr size_t kWarmBatch = 256;
      for (size_t i = 0; i < delivering_.size(); ++i) {
        if (i % kWarmBatch == 0) {
          warm(delivering_, i, std::min(delivering_.size(), i + kWarmBatch));
        }
        if (!dispatch(delivering_, i, t)) continue;
        deliver_copies(delivering_.from(i), delivering_.to(i), delivering_.view(i), t);
        route_outputs(t);
      }
      delivering_.clear();
    }
    // Stamped just before the next round starts, after every event of this one.
    end_round(r, round_time(r + 1) - Duration::micros(1));
    if (finished(now)) break;
  }
}

void GossipWorld::run_async() {
  struct Event {
    Time at;
    uint64_t seq;
    enum class Kind : uint8_t { kTick, kArrive, kProcess, kFault } kind;
    uint32_t index;  // node (tick), flight slot (arrive, process) or fault index
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct Flight {
    NodeId from = core::kNoNode;
    NodeId to = core::kNoNode;
    core::Message message;
  };
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  uint64_t seq = 0;
  auto push = [&](Time at, Event::Kind kind, uint32_t index) {
    events.push(Event{at, seq++, kind, index});
  };
  SlotPool<Flight> flights;
  std::vector<Time> busy_until(config_.slow_nodes.empty() ? 0 : config_.nodes, Time::zero());
  std::vector<Duration> slow_delay(config_.slow_nodes.empty() ? 0 : config_.nodes);
  for (const SlowNode& s : config_.slow_nodes) {
    slow_delay[s.node] = Duration::nanos(static_cast<int64_t>(std::llround(s.delay_ms * 1e6)));
  }

  // Each node starts at a random phase of its first interval.
  Prng schedule(Prng::derive(config_.seed, kScheduleStream));
  nodes_.reserve(config_.nodes);
  for (NodeId i = 0; i < config_.nodes; ++i) {
    const Time first = round_time(schedule.unit());
    nodes_.emplace_back(i, 1, Prng::derive(config_.seed, i), first);
    push(first, Event::Kind::kTick, i);
  }
  for (size_t f = 0; f < faults_.size(); ++f) {
    push(round_time(faults_[f].at), Event::Kind::kFault, static_cast<uint32_t>(f));
  }
  write_update();

  auto send_all = [&](Time now) {
    for (size_t i = 0; i < ws_.out.size(); ++i) {
      if (!dispatch(ws_.out, i, now)) continue;
      const int copies = net_.duplicated() ? 2 : 1;
      if (copies == 2) result_.duplicated++;
      for (int c = 0; c < copies; ++c) {
        const uint32_t slot = flights.acquire();
        flights[slot].from = ws_.out.from(i);
        flights[slot].to = ws_.out.to(i);
        flights[slot].message.assign(ws_.out.view(i));
        in_flight_++;
        push(now + net_.latency(), Event::Kind::kArrive, slot);
      }
    }
    ws_.out.clear();
  };

  const uint32_t max_rounds = effective_max_rounds(config_);
  const Time end = round_time(max_rounds);
  uint32_t round = 1;
  while (!events.empty()) {
    const Event ev = events.top();
    if (ev.at > end) break;
    // Close every round (interval) that ended before this event.
    while (round_time(round) <= ev.at && round <= max_rounds) {
      end_round(round, round_time(round));
      if (finished(round_time(round))) return;
      ++round;
    }
    events.pop();
    switch (ev.kind) {
      case Event::Kind::kFault:
        apply_fault(faults_[ev.index], ev.at);
        note_time_to_full(ev.at);  // a crash can leave only informed nodes
        if (faults_[ev.index].kind == Fault::Kind::kRestart) {
          push(nodes_[faults_[ev.index].index].poll_timeout(), Event::Kind::kTick,
               faults_[ev.index].index);
        }
        break;
      case Event::Kind::kTick: {
        const NodeId u = ev.index;
        // A crashed node's timer dies with it; a restarted node has a new one (and the old one
        // may still fire: only the engine's own deadline counts).
        if (down_[u] || nodes_[u].poll_timeout() != ev.at) break;
        const auto hot_before = static_cast<int64_t>(nodes_[u].hot_count());
        auto ctx = context(ev.at);
        nodes_[u].handle_timeout(ctx);
        hot_total_ += static_cast<int64_t>(nodes_[u].hot_count()) - hot_before;
        send_all(ev.at);
        push(nodes_[u].poll_timeout(), Event::Kind::kTick, u);
        break;
      }
      case Event::Kind::kArrive:
      case Event::Kind::kProcess: {
        Flight& fl = flights[ev.index];
        if (ev.kind == Event::Kind::kArrive && !slow_delay.empty() &&
            slow_delay[fl.to] > Duration::zero()) {
          // A slow node handles one message at a time, each taking its extra delay.
          const Time start = std::max(ev.at, busy_until[fl.to]);
          busy_until[fl.to] = start + slow_delay[fl.to];
          push(busy_until[fl.to], Event::Kind::kProcess, ev.index);
          break;
        }
        in_flight_--;
        deliver(fl.from, fl.to, fl.message.view(), ev.at);
        flights.release(ev.index);
        send_all(ev.at);
        note_time_to_full(ev.at);
        break;
      }
    }
  }
  // The queue ran past the end: close the rounds still open.
  for (; round <= max_rounds; ++round) {
    end_round(round, round_time(round));
    if (finished(round_time(round))) return;
  }
}

}  // namespace

uint32_t effective_max_rounds(const SimConfig& config) {
  if (config.max_rounds > 0) return config.max_rounds;
  double last_fault = 0;
  for (const Crash& c : config.crashes)
    last_fault = std::max(last_fault, c.restart.value_or(c.at));
  for (const Partition& p : config.partitions) {
    last_fault = std::max(last_fault, p.heal.value_or(p.start));
  }
  return 200 + static_cast<uint32_t>(std::ceil(last_fault)) + 20 * config.gossip.antientropy_every;
}

RunResult run_gossip(const SimConfig& config, core::GossipMode mode, const RunOptions& options) {
  GossipWorld world(config, mode, options);
  return world.run();
}

}  // namespace rumor::sim
