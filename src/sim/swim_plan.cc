#include "sim/swim_plan.h"

#include <algorithm>
#include <cmath>

#include "base/prng.h"
#include "core/membership/swim_node.h"

namespace rumor::sim {
namespace {

constexpr uint64_t kPlanStream = (1ull << 40) + 2;

Duration millis(double ms) {
  return Duration::nanos(static_cast<int64_t>(std::llround(ms * 1e6)));
}

}  // namespace

Time at_seconds(double s) {
  return Time::zero() + Duration::nanos(static_cast<int64_t>(std::llround(s * 1e9)));
}

core::Address swim_address(uint32_t i) {
  return core::Address::v4(10, static_cast<uint8_t>((i >> 16) & 255),
                           static_cast<uint8_t>((i >> 8) & 255), static_cast<uint8_t>(i & 255),
                           kSwimPort);
}

std::optional<uint32_t> swim_index(const core::Address& a, uint32_t nodes) {
  if (a.ip_len != 4 || a.ip[0] != 10 || a.port != kSwimPort) return std::nullopt;
  const uint32_t i = (uint32_t{a.ip[1]} << 16) | (uint32_t{a.ip[2]} << 8) | a.ip[3];
  if (i >= nodes) return std::nullopt;
  return i;
}

std::vector<uint8_t> swim_persistent(const SimConfig& config) {
  std::vector<uint8_t> p(config.nodes, 0);
  for (const SlowNode& s : config.slow_nodes)
    p[s.node] = 1;
  return p;
}

Duration swim_suspicion_max(const core::SwimConfig& c, uint32_t n) {
  const double factor = std::max(1.0, std::log10(static_cast<double>(n)));
  const double min_ns =
      static_cast<double>(c.suspicion_mult) * factor * static_cast<double>(c.probe_interval.ns());
  return Duration::nanos(static_cast<int64_t>(min_ns)) * c.suspicion_max_timeout_mult;
}

std::vector<uint8_t> swim_touched(const SimConfig& config) {
  const uint32_t n = config.nodes;
  std::vector<uint8_t> t(n, 0);
  for (const Crash& c : config.crashes)
    t[c.node] = 1;
  for (const SlowNode& s : config.slow_nodes)
    t[s.node] = 1;
  for (const Leave& l : config.leaves)
    t[l.node] = 1;
  for (const Partition& p : config.partitions) {
    const auto rest = static_cast<uint32_t>(p.groups.size());
    std::vector<uint32_t> group(n, rest);
    for (size_t g = 0; g < p.groups.size(); ++g) {
      for (uint32_t node : p.groups[g])
        group[node] = static_cast<uint32_t>(g);
    }
    std::vector<uint64_t> size(p.groups.size() + 1, 0);
    for (uint32_t g : group)
      ++size[g];
    const auto largest =
        static_cast<uint32_t>(std::max_element(size.begin(), size.end()) - size.begin());
    for (uint32_t i = 0; i < n; ++i) {
      if (group[i] != largest) t[i] = 1;
    }
  }
  return t;
}

SwimCheckBounds swim_check_bounds(const SimConfig& config) {
  const core::SwimConfig c = config.swim_node_config();
  const uint32_t n = config.nodes;
  const Duration push_pull = c.push_pull_interval > Duration::zero()
                                 ? core::push_pull_scale(c.push_pull_interval, n)
                                 : Duration::seconds(60);
  const Duration suspicion = swim_suspicion_max(c, n);
  const Duration reconnect =
      Duration::nanos(static_cast<int64_t>(std::llround(config.swim.reconnect_s * 1e9)));
  SwimCheckBounds b;
  b.dead_everywhere = push_pull * 2 + suspicion;
  b.agreement =
      reconnect + push_pull * 2 + suspicion * 2 + c.probe_interval * 10 + c.gossip_interval * 50;
  b.remember_dead = c.gossip_to_the_dead_time;
  // The last fault: a crash (or its restart), a partition's heal, a leave's stop, a join.
  Time last = Time::zero();
  const Duration grace = std::max(c.gossip_interval * 5, c.probe_interval);
  for (const Crash& cr : config.crashes)
    last = std::max(last, at_seconds(cr.restart.value_or(cr.at)));
  for (const Leave& l : config.leaves)
    last = std::max(last, at_seconds(l.at) + grace);
  if (config.swim.start == SwimStart::kJoin && n > 1) {
    last = std::max(last, Time::zero() + millis(config.swim.join_stagger_ms) * (n - 1));
  }
  for (const Partition& p : config.partitions) {
    if (!p.heal) return b;  // never heals: (b) does not apply
    last = std::max(last, at_seconds(*p.heal));
  }
  // Slow members never heal either. Lifeguard keeps the views steady around them; without it
  // SWIM keeps flapping (the Lifeguard experiment), so (b) is not judged then.
  if (!config.slow_nodes.empty() && !config.swim.lifeguard) return b;
  b.faults_end = last;
  return b;
}

SimConfig resolve_swim_faults(const SimConfig& config) {
  SimConfig out = config;
  const uint32_t want = config.swim.crash_count + config.swim.slow_count;
  if (want == 0) return out;
  std::vector<uint8_t> taken(config.nodes, 0);
  for (const Crash& c : config.crashes)
    taken[c.node] = 1;
  for (const SlowNode& s : config.slow_nodes)
    taken[s.node] = 1;
  for (const Leave& l : config.leaves)
    taken[l.node] = 1;
  Prng prng(Prng::derive(config.seed, kPlanStream));
  auto draw = [&]() {
    while (true) {
      const auto i = static_cast<uint32_t>(prng.uniform(config.nodes));
      if (!taken[i]) {
        taken[i] = 1;
        return i;
      }
    }
  };
  for (uint32_t k = 0; k < config.swim.crash_count; ++k)
    out.crashes.push_back(Crash{draw(), config.swim.crash_at_s, std::nullopt});
  for (uint32_t k = 0; k < config.swim.slow_count; ++k)
    out.slow_nodes.push_back(SlowNode{draw(), config.swim.slow_delay_ms});
  out.swim.crash_count = 0;
  out.swim.slow_count = 0;
  return out;
}

}  // namespace rumor::sim
