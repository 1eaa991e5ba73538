// The Prometheus text exposition (version 0.0.4) of an agent: members by status, probes, acks,
// suspicions, refutes, messages and bytes in and out by memberlist message type, queue depths,
// the Lifeguard awareness score, decode errors by kind, the driver's stream outcomes. Every
// metric is prefixed rumor_; counters end in _total. Rendered on the loop thread from the
// counters the node, the host and the agent keep, so a scrape costs no protocol work.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/membership/swim_node.h"
#include "net/swim_host.h"

namespace rumor::agent {

// What the agent itself counts (the node and the host count the rest); loop thread only.
struct AgentCounters {
  uint64_t join_attempts = 0;
  uint64_t snapshot_errors = 0;
};

struct MetricsInput {
  const core::SwimNode& node;
  const net::NetStats& net;
  const AgentCounters& agent;
  size_t event_subscribers = 0;
  uint64_t http_requests = 0;
};

std::string render_metrics(const MetricsInput& in);

}  // namespace rumor::agent
