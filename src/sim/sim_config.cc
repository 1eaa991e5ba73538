#include "sim/sim_config.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "sim/names.h"

namespace rumor::sim {
namespace {

constexpr uint32_t kMinNodes = 2;
constexpr uint32_t kMaxNodes = 10'000'000;
// LeastRecentSampler keeps n*n contact times (8 bytes each): 5,000 nodes is already 200 MB.
constexpr uint32_t kMaxLeastRecentNodes = 5'000;
// Heartbeat membership keeps every member at every node: n*n rows.
constexpr uint32_t kMaxHeartbeatNodes = 5'000;
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
  return p == Protocol::kGossip ? "gossip" : "heartbeat";
}

std::optional<Protocol> parse_protocol(std::string_view s) {
  if (s == "gossip") return Protocol::kGossip;
  if (s == "heartbeat") return Protocol::kHeartbeat;
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
  return check_heartbeat();
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
    if (!leaves.empty()) return Status::error("leaves: only the heartbeat protocol has leaves");
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

}  // namespace rumor::sim
