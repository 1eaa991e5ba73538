#include "sim/sim_config.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "sim/names.h"
#include "sim/view_accuracy.h"

namespace rumor::sim {
namespace {

constexpr uint32_t kMinNodes = 2;
constexpr uint32_t kMaxNodes = 10'000'000;
// LeastRecentSampler keeps n*n contact times (8 bytes each): 5,000 nodes is already 200 MB.
constexpr uint32_t kMaxLeastRecentNodes = 5'000;
// Heartbeat membership keeps every member at every node: n*n rows.
constexpr uint32_t kMaxHeartbeatNodes = 5'000;
// A traced heartbeat run follows every node's view of every member (view_accuracy.h); this cap
// is what keeps it within that limit, so `rumor sim --trace` needs no check of its own.
static_assert(kMaxHeartbeatNodes <= kMaxViewAccuracyNodes);
// SWIM keeps every member at every node too, in 36 bytes (a 32-byte row and a 4-byte position):
// 15,000 nodes is 8.1 GB.
constexpr uint32_t kMaxSwimNodes = 15'000;
constexpr double kMaxSwimSeconds = 1'000'000;
constexpr double kMaxJoinStaggerMs = 60'000;
constexpr double kMaxReconnectS = 86'400;
// What a swim run may keep scheduled at once (deliveries in flight, timers, lagged events of
// slow nodes), about 32 bytes each plus the messages' bytes.
constexpr double kMaxSwimPendingEvents = 1 << 24;
// Both the round limit and every fault-plan time (in rounds) stay below this.
constexpr double kMaxRounds = 1'000'000;
constexpr double kMaxProbability = 0.99;
constexpr double kMaxDelayMs = 3'600'000;
constexpr double kNever = std::numeric_limits<double>::infinity();

// The shortest text that reads back as `v` ("0.1", "1.5", "1000000"), not std::to_string's
// "1.500000" nor an exponent a reader has to decode.
std::string num(double v) {
  std::array<char, 512> buf{};  // the longest fixed-notation double is about 330 characters
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed);
  if (ec != std::errc()) return std::to_string(v);
  return std::string(buf.data(), end);
}

std::string num(uint64_t v) {
  return std::to_string(v);
}

// NaN fails both comparisons, so it is out of every range.
bool in_range(double v, double lo, double hi) {
  return v >= lo && v <= hi;
}

Status range_error(const std::string& field, const std::string& lo, const std::string& hi,
                   const std::string& got) {
  return Status::error(field + ": must be in " + lo + ".." + hi + ", got " + got);
}

Status check_double(const std::string& field, double v, double lo, double hi) {
  if (in_range(v, lo, hi)) return Status::ok();
  return range_error(field, num(lo), num(hi), num(v));
}

Status check_node(const std::string& field, uint32_t node, uint32_t nodes) {
  if (node < nodes) return Status::ok();
  return range_error(field, "0", num(uint64_t{nodes} - 1), num(uint64_t{node}));
}

Status check_time(const std::string& field, double t) {
  return check_double(field, t, 0, kMaxRounds);
}

Status check_latency(const LatencyModel& l) {
  using Dist = LatencyModel::Dist;
  Status s;
  switch (l.dist) {
    case Dist::kConstant:
      return check_double("latency.ms", l.a_ms, 0, kMaxDelayMs);
    case Dist::kUniform:
      s = check_double("latency.min_ms", l.a_ms, 0, kMaxDelayMs);
      if (!s.is_ok()) return s;
      s = check_double("latency.max_ms", l.b_ms, 0, kMaxDelayMs);
      if (!s.is_ok()) return s;
      if (l.b_ms < l.a_ms) {
        return Status::error("latency.max_ms: must be >= min_ms (" + num(l.a_ms) + "), got " +
                             num(l.b_ms));
      }
      return Status::ok();
    case Dist::kNormal:
      s = check_double("latency.mean_ms", l.a_ms, 0, kMaxDelayMs);
      if (!s.is_ok()) return s;
      return check_double("latency.stddev_ms", l.b_ms, 0, kMaxDelayMs);
    case Dist::kExponential:
      return check_double("latency.mean_ms", l.a_ms, 0, kMaxDelayMs);
  }
  return Status::error("latency.dist: unknown distribution");
}

Status check_partition(const Partition& p, const std::string& field, uint32_t nodes) {
  if (p.groups.empty()) return Status::error(field + ".groups: must list at least one group");
  // (node, group) for every listed node; sorting brings a node's listings together, so overlap
  // is found in O(listed log listed) without a table sized by the whole world.
  std::vector<std::pair<uint32_t, uint32_t>> listed;
  for (size_t g = 0; g < p.groups.size(); ++g) {
    const std::string group_field = field + ".groups[" + std::to_string(g) + "]";
    if (p.groups[g].empty()) return Status::error(group_field + ": must not be empty");
    for (uint32_t node : p.groups[g]) {
      if (node >= nodes) {
        return Status::error(group_field + ": node must be in 0.." + num(uint64_t{nodes} - 1) +
                             ", got " + num(uint64_t{node}));
      }
      listed.emplace_back(node, static_cast<uint32_t>(g));
    }
  }
  std::sort(listed.begin(), listed.end());
  size_t distinct = 0;
  for (size_t i = 0; i < listed.size(); ++i) {
    if (i > 0 && listed[i].first == listed[i - 1].first) {
      // Listing a node twice in the same group (say, by overlapping ranges) is harmless.
      if (listed[i].second != listed[i - 1].second) {
        return Status::error(field + ".groups: node " + num(uint64_t{listed[i].first}) +
                             " is in two groups (groups[" + num(uint64_t{listed[i - 1].second}) +
                             "] and groups[" + num(uint64_t{listed[i].second}) + "])");
      }
      continue;
    }
    ++distinct;
  }
  if (p.groups.size() == 1 && distinct == nodes) {
    return Status::error(field +
                         ".groups: the only group holds every node, so nothing is cut; list "
                         "two groups or leave some nodes out (they form the other group)");
  }
  Status s = check_time(field + ".start", p.start);
  if (!s.is_ok()) return s;
  if (p.heal) {
    s = check_time(field + ".heal", *p.heal);
    if (!s.is_ok()) return s;
    if (!(*p.heal > p.start)) {
      return Status::error(field + ".heal: must be after start (" + num(p.start) + "), got " +
                           num(*p.heal));
    }
  }
  return Status::ok();
}

Status check_crashes(const std::vector<Crash>& crashes, uint32_t nodes) {
  std::map<uint32_t, std::vector<size_t>> earlier_by_node;
  for (size_t i = 0; i < crashes.size(); ++i) {
    const Crash& c = crashes[i];
    const std::string field = "crashes[" + std::to_string(i) + "]";
    Status s = check_node(field + ".node", c.node, nodes);
    if (!s.is_ok()) return s;
    s = check_time(field + ".at", c.at);
    if (!s.is_ok()) return s;
    if (c.restart) {
      s = check_time(field + ".restart", *c.restart);
      if (!s.is_ok()) return s;
      if (!(*c.restart > c.at)) {
        return Status::error(field + ".restart: must be after at (" + num(c.at) + "), got " +
                             num(*c.restart));
      }
    }
    // Down intervals of one node must be disjoint, and a restart and a crash at the same
    // instant would make the order of the two events matter, so touching counts as overlap.
    auto& earlier = earlier_by_node[c.node];
    const double end = c.restart.value_or(kNever);
    for (size_t j : earlier) {
      const Crash& e = crashes[j];
      const double e_end = e.restart.value_or(kNever);
      if (c.at <= e_end && e.at <= end) {
        return Status::error(
            field + ": overlaps crashes[" + std::to_string(j) + "] (node " + num(uint64_t{c.node}) +
            " is down from " + num(e.at) +
            (e.restart ? " until " + num(*e.restart) : std::string(", never restarted")) +
            "); the crashes of one node must not overlap");
      }
    }
    earlier.push_back(i);
  }
  return Status::ok();
}

Status check_slow_nodes(const std::vector<SlowNode>& slow, uint32_t nodes) {
  std::map<uint32_t, size_t> first_by_node;
  for (size_t i = 0; i < slow.size(); ++i) {
    const std::string field = "slow[" + std::to_string(i) + "]";
    Status s = check_node(field + ".node", slow[i].node, nodes);
    if (!s.is_ok()) return s;
    auto [it, inserted] = first_by_node.emplace(slow[i].node, i);
    if (!inserted) {
      return Status::error(field + ".node: node " + num(uint64_t{slow[i].node}) +
                           " is already slow (slow[" + std::to_string(it->second) + "])");
    }
    s = check_double(field + ".delay_ms", slow[i].delay_ms, 0, kMaxDelayMs);
    if (!s.is_ok()) return s;
  }
  return Status::ok();
}

}  // namespace

std::string_view timing_name(Timing t) {
  return t == Timing::kRounds ? "rounds" : "async";
}

std::optional<Timing> parse_timing(std::string_view s) {
  if (s == "rounds") return Timing::kRounds;
  if (s == "async") return Timing::kAsync;
  return std::nullopt;
}

std::string_view protocol_name(Protocol p) {
  switch (p) {
    case Protocol::kGossip:
      return "gossip";
    case Protocol::kHeartbeat:
      return "heartbeat";
    case Protocol::kSwim:
      return "swim";
  }
  return "unknown";
}

std::optional<Protocol> parse_protocol(std::string_view s) {
  for (Protocol p : {Protocol::kGossip, Protocol::kHeartbeat, Protocol::kSwim}) {
    if (protocol_name(p) == s) return p;
  }
  return std::nullopt;
}

std::string_view swim_start_name(SwimStart s) {
  return s == SwimStart::kFormed ? "formed" : "join";
}

std::optional<SwimStart> parse_swim_start(std::string_view s) {
  if (s == "formed") return SwimStart::kFormed;
  if (s == "join") return SwimStart::kJoin;
  return std::nullopt;
}

std::string_view latency_dist_name(LatencyModel::Dist d) {
  switch (d) {
    case LatencyModel::Dist::kConstant:
      return "constant";
    case LatencyModel::Dist::kUniform:
      return "uniform";
    case LatencyModel::Dist::kNormal:
      return "normal";
    case LatencyModel::Dist::kExponential:
      return "exponential";
  }
  return "unknown";
}

std::optional<LatencyModel::Dist> parse_latency_dist(std::string_view s) {
  for (auto d : {LatencyModel::Dist::kConstant, LatencyModel::Dist::kUniform,
                 LatencyModel::Dist::kNormal, LatencyModel::Dist::kExponential}) {
    if (latency_dist_name(d) == s) return d;
  }
  return std::nullopt;
}

std::optional<core::PeerSelection> parse_peer_selection(std::string_view s) {
  for (auto p : {core::PeerSelection::kUniform, core::PeerSelection::kLeastRecentlyContacted}) {
    if (core::peer_selection_name(p) == s) return p;
  }
  return std::nullopt;
}

Status SimConfig::validate() const {
  if (nodes < kMinNodes || nodes > kMaxNodes) {
    return range_error("nodes", num(uint64_t{kMinNodes}), num(uint64_t{kMaxNodes}),
                       num(uint64_t{nodes}));
  }
  if (modes.empty()) return Status::error("modes: must name at least one gossip mode");
  for (size_t i = 1; i < modes.size(); ++i) {
    if (std::find(modes.begin(), modes.begin() + static_cast<std::ptrdiff_t>(i), modes[i]) !=
        modes.begin() + static_cast<std::ptrdiff_t>(i)) {
      return Status::error("modes: " + std::string(core::gossip_mode_name(modes[i])) +
                           " is listed twice");
    }
  }
  Status s = gossip.validate();
  if (!s.is_ok()) return s;
  if (peer_selection == core::PeerSelection::kLeastRecentlyContacted &&
      nodes > kMaxLeastRecentNodes) {
    return Status::error(
        "peer_selection: least-recent keeps nodes*nodes contact times, so it "
        "allows at most " +
        num(uint64_t{kMaxLeastRecentNodes}) + " nodes, got " + num(uint64_t{nodes}) +
        "; use uniform");
  }
  if (max_rounds > kMaxRounds) {
    return range_error("max_rounds", "0", num(kMaxRounds), num(uint64_t{max_rounds}));
  }
  s = check_node("origin", origin, nodes);
  if (!s.is_ok()) return s;
  s = check_double("loss", loss, 0, kMaxProbability);
  if (!s.is_ok()) return s;
  s = check_double("duplicate", duplicate, 0, kMaxProbability);
  if (!s.is_ok()) return s;
  s = check_latency(latency);
  if (!s.is_ok()) return s;
  for (size_t i = 0; i < partitions.size(); ++i) {
    s = check_partition(partitions[i], "partitions[" + std::to_string(i) + "]", nodes);
    if (!s.is_ok()) return s;
  }
  s = check_crashes(crashes, nodes);
  if (!s.is_ok()) return s;
  s = check_slow_nodes(slow_nodes, nodes);
  if (!s.is_ok()) return s;
  s = check_heartbeat();
  if (!s.is_ok()) return s;
  return check_swim();
}

Status SimConfig::check_heartbeat() const {
  if (Status s = detector.validate(); !s.is_ok()) return Status::error("detector." + s.message());
  for (size_t i = 0; i < leaves.size(); ++i) {
    const std::string field = "leaves[" + std::to_string(i) + "]";
    Status s = check_node(field + ".node", leaves[i].node, nodes);
    if (!s.is_ok()) return s;
    s = check_double(field + ".at", leaves[i].at, 0, kMaxRounds);
    if (!s.is_ok()) return s;
  }
  if (protocol != Protocol::kHeartbeat) {
    if (!leaves.empty() && protocol != Protocol::kSwim) {
      return Status::error("leaves: only the heartbeat and swim protocols have leaves");
    }
    return Status::ok();
  }
  if (nodes > kMaxHeartbeatNodes) {
    return Status::error(
        "nodes: the heartbeat protocol keeps every member at every node, so it "
        "allows at most " +
        num(uint64_t{kMaxHeartbeatNodes}) + " nodes, got " + num(uint64_t{nodes}));
  }
  for (core::GossipMode m : modes) {
    if (m == core::GossipMode::kRumor || m == core::GossipMode::kDirectMail) {
      return Status::error(
          "mode: the heartbeat protocol runs on anti-entropy (push, pull or "
          "push-pull), got " +
          std::string(core::gossip_mode_name(m)));
    }
  }
  return Status::ok();
}

double SimConfig::fault_time_unit() const {
  return protocol == Protocol::kSwim ? 1.0 : gossip.interval.sec();
}

core::SwimConfig SimConfig::swim_node_config() const {
  Result<core::SwimConfig> profile = core::SwimConfig::from_profile(swim.profile);
  core::SwimConfig c = profile ? *profile : core::SwimConfig::lan();
  c.set_lifeguard(swim.lifeguard);
  c.disable_tcp_pings = !swim.tcp_pings;
  c.eager_gossip = swim.eager_gossip;
  if (swim.indirect_checks) c.indirect_checks = *swim.indirect_checks;
  // The world drains every node's events after each call, but one push-pull can report a whole
  // cluster of joins at once; the same goes for the alive broadcasts a join wave queues.
  const uint64_t room = std::min<uint64_t>(2ull * nodes + 4096, 1u << 24);
  c.max_events = std::max<uint32_t>(c.max_events, static_cast<uint32_t>(room));
  c.max_broadcasts = std::max<uint32_t>(c.max_broadcasts, static_cast<uint32_t>(room));
  return c;
}

namespace {

// A rough upper estimate of one swim node's message rate (per second): a probe is a ping and an
// ack, and an indirect round about four messages per relay; gossip goes to gossip_nodes members
// every gossip interval.
double swim_message_rate(const core::SwimConfig& c) {
  double rate = (2.0 + 4.0 * c.indirect_checks) / c.probe_interval.sec();
  if (c.gossip_interval > Duration::zero()) {
    rate += static_cast<double>(c.gossip_nodes) / c.gossip_interval.sec();
  }
  return rate;
}

// A delay most messages stay under, in seconds, for the pending-event estimate.
double latency_high_s(const LatencyModel& l) {
  switch (l.dist) {
    case LatencyModel::Dist::kConstant:
      return l.a_ms / 1e3;
    case LatencyModel::Dist::kUniform:
      return l.b_ms / 1e3;
    case LatencyModel::Dist::kNormal:
      return (l.a_ms + 3 * l.b_ms) / 1e3;
    case LatencyModel::Dist::kExponential:
      return 3 * l.a_ms / 1e3;
  }
  return l.a_ms / 1e3;
}

}  // namespace

Status SimConfig::check_swim() const {
  if (protocol != Protocol::kSwim) return Status::ok();
  if (nodes > kMaxSwimNodes) {
    return Status::error(
        "nodes: the swim protocol keeps every member at every node (36 bytes a row), so it "
        "allows at most " +
        num(uint64_t{kMaxSwimNodes}) + " nodes, got " + num(uint64_t{nodes}));
  }
  Result<core::SwimConfig> profile = core::SwimConfig::from_profile(swim.profile);
  if (!profile) return Status::error("swim." + profile.message());
  const core::SwimConfig node = swim_node_config();
  if (Status s = node.validate(); !s.is_ok()) return Status::error("swim." + s.message());
  Status s = check_double("swim.duration_s", swim.duration_s, 1, kMaxSwimSeconds);
  if (!s.is_ok()) return s;
  s = check_double("swim.join_stagger_ms", swim.join_stagger_ms, 0, kMaxJoinStaggerMs);
  if (!s.is_ok()) return s;
  s = check_double("swim.crash_at_s", swim.crash_at_s, 0, kMaxSwimSeconds);
  if (!s.is_ok()) return s;
  s = check_double("swim.slow_delay_ms", swim.slow_delay_ms, 0, kMaxDelayMs);
  if (!s.is_ok()) return s;
  if (swim.reconnect_s != 0) {
    s = check_double("swim.reconnect_s", swim.reconnect_s, 1, kMaxReconnectS);
    if (!s.is_ok()) return Status::error(s.message() + " (or 0: off)");
  }
  // Members chosen from the seed come from those no list names, and one must stay untouched.
  std::vector<uint32_t> listed;
  for (const Crash& c : crashes)
    listed.push_back(c.node);
  for (const SlowNode& n : slow_nodes)
    listed.push_back(n.node);
  for (const Leave& l : leaves)
    listed.push_back(l.node);
  std::sort(listed.begin(), listed.end());
  listed.erase(std::unique(listed.begin(), listed.end()), listed.end());
  const uint64_t free_nodes = nodes - listed.size();
  const uint64_t drawn = uint64_t{swim.crash_count} + swim.slow_count;
  if (drawn > 0 && drawn + 1 > free_nodes) {
    return Status::error("swim.crash_count + swim.slow_count: " + num(uint64_t{swim.crash_count}) +
                         " + " + num(uint64_t{swim.slow_count}) + " members to choose, but only " +
                         num(free_nodes) + " of " + num(uint64_t{nodes}) +
                         " nodes are free of listed faults and one must stay untouched");
  }
  // The event queue: deliveries in flight plus a few timers per node, plus what slow nodes hold.
  const double rate = swim_message_rate(node);
  double slow_lag_s = swim.slow_count * swim.slow_delay_ms * 1.5 / 1e3;
  for (const SlowNode& n : slow_nodes)
    slow_lag_s += n.delay_ms * 1.5 / 1e3;
  const double pending = nodes * (8 + rate * latency_high_s(latency)) + rate * slow_lag_s;
  if (pending > kMaxSwimPendingEvents) {
    return Status::error(
        "latency: " + num(uint64_t{nodes}) + " swim nodes with this latency (" +
        num(latency_high_s(latency) * 1e3) + " ms) and slow-node lag would keep about " +
        num(static_cast<uint64_t>(pending)) +
        " events pending at once, over the simulator's limit of " +
        num(static_cast<uint64_t>(kMaxSwimPendingEvents)) + "; use fewer nodes or shorter delays");
  }
  return Status::ok();
}

}  // namespace rumor::sim
