#include "core/membership/swim_config.h"

#include <string>

#include "base/config_check.h"

namespace rumor::core {
namespace {

// 0 switches the timer off; otherwise it must lie in 1 ms .. hi.
Status check_optional_interval(std::string_view field, Duration d, Duration hi,
                               std::string_view range) {
  if (d == Duration::zero()) return Status::ok();
  return check_duration(field, d, Duration::millis(1), hi, range);
}

Status validate_timing(const SwimConfig& c) {
  Status s = check_duration("probe_interval", c.probe_interval, Duration::millis(1),
                            Duration::seconds(3600), "1ms..1h");
  if (!s.is_ok()) return s;
  if (c.probe_timeout < Duration::millis(1) || c.probe_timeout >= c.probe_interval) {
    return Status::error("probe_timeout: must be at least 1ms and less than probe_interval (" +
                         ns_text(c.probe_interval) + "), got " + ns_text(c.probe_timeout));
  }
  s = check_optional_interval("gossip_interval", c.gossip_interval, Duration::seconds(3600),
                              "0 (off) or 1ms..1h");
  if (!s.is_ok()) return s;
  s = check_duration("gossip_to_the_dead_time", c.gossip_to_the_dead_time, Duration::zero(),
                     Duration::seconds(24 * 3600), "0..24h");
  if (!s.is_ok()) return s;
  s = check_optional_interval("push_pull_interval", c.push_pull_interval,
                              Duration::seconds(24 * 3600), "0 (off) or 1ms..24h");
  if (!s.is_ok()) return s;
  s = check_duration("tcp_timeout", c.tcp_timeout, Duration::millis(1), Duration::seconds(3600),
                     "1ms..1h");
  if (!s.is_ok()) return s;
  return check_duration("dead_node_reclaim_time", c.dead_node_reclaim_time, Duration::zero(),
                        Duration::seconds(365LL * 24 * 3600), "0 (never)..365d");
}

Status validate_counts(const SwimConfig& c) {
  struct Field {
    std::string_view name;
    uint32_t value, lo, hi;
  };
  const Field fields[] = {
      {"indirect_checks", c.indirect_checks, 0, 64},
      {"retransmit_mult", c.retransmit_mult, 1, 64},
      {"gossip_nodes", c.gossip_nodes, 0, 64},
      {"suspicion_mult", c.suspicion_mult, 1, 100},
      {"suspicion_max_timeout_mult", c.suspicion_max_timeout_mult, 1, 100},
      {"awareness_max_multiplier", c.awareness_max_multiplier, 1, 64},
      {"udp_buffer_size", c.udp_buffer_size, 128, 65507},
      {"meta_max_bytes", c.meta_max_bytes, 0, 512},
      {"max_members", c.max_members, 1, 10'000'000},
      {"max_events", c.max_events, 1, 1u << 24},
      {"max_broadcasts", c.max_broadcasts, 1, 1u << 24},
      {"max_pending_probes", c.max_pending_probes, 1, 1u << 20},
      {"max_relays", c.max_relays, 1, 1u << 20},
      {"max_push_pull_nodes", c.max_push_pull_nodes, 1, 10'000'000},
  };
  for (const Field& f : fields) {
    Status s = check_count(f.name, f.value, f.lo, f.hi);
    if (!s.is_ok()) return s;
  }
  return Status::ok();
}

}  // namespace

SwimConfig SwimConfig::lan() {
  return SwimConfig{};
}

SwimConfig SwimConfig::wan() {
  SwimConfig c;
  c.tcp_timeout = Duration::seconds(30);
  c.suspicion_mult = 6;
  c.push_pull_interval = Duration::seconds(60);
  c.probe_timeout = Duration::seconds(3);
  c.probe_interval = Duration::seconds(5);
  c.gossip_nodes = 4;
  c.gossip_interval = Duration::millis(500);
  c.gossip_to_the_dead_time = Duration::seconds(60);
  c.profile = "wan";
  return c;
}

SwimConfig SwimConfig::local() {
  SwimConfig c;
  c.tcp_timeout = Duration::seconds(1);
  c.indirect_checks = 1;
  c.retransmit_mult = 2;
  c.suspicion_mult = 3;
  c.push_pull_interval = Duration::seconds(15);
  c.probe_timeout = Duration::millis(200);
  c.probe_interval = Duration::seconds(1);
  c.gossip_interval = Duration::millis(100);
  c.gossip_to_the_dead_time = Duration::seconds(15);
  c.profile = "local";
  return c;
}

Result<SwimConfig> SwimConfig::from_profile(std::string_view name) {
  if (name == "lan") return lan();
  if (name == "wan") return wan();
  if (name == "local") return local();
  return Status::error("profile: must be one of lan, wan, local, got \"" + std::string(name) +
                       "\"");
}

void SwimConfig::set_lifeguard(bool on) {
  awareness = on;
  dynamic_suspicion = on;
  nacks = on;
  buddy = on;
}

Status SwimConfig::validate() const {
  Status s = validate_timing(*this);
  if (!s.is_ok()) return s;
  if (label.size() > 255) {
    return Status::error("label: must be at most 255 bytes, got " + std::to_string(label.size()));
  }
  return validate_counts(*this);
}

}  // namespace rumor::core
