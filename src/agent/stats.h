// The agent's counters as JSON, for GET /v1/stats: the contract the dashboard reads once a
// second (docs/web.md, "The agent's endpoints the dashboard reads"). The page turns counters
// into rates itself, so every counter here only grows; the gauges (awareness, members, queues)
// are the value now. Field by field:
//
//   awareness, awareness_max  Lifeguard's local health score (0: healthy) and memberlist's
//                             AwarenessMaxMultiplier; the score is always below the max.
//   members                   by status as GET /v1/members shows them (views.h): alive
//                             (leaving ones count as alive until they are gone), suspect,
//                             failed, left; this agent included.
//   protocol                  the SWIM node's counters (core::SwimStats): probes started,
//                             probes acked, probes that went indirect, nacks received,
//                             suspicions this agent raised, refutes of itself, gossip rounds
//                             run, push-pulls completed.
//   queues                    memberlist's broadcast queue; Serf's three (intents, queries,
//                             user events) summed; events queued for the readers of
//                             GET /v1/events, summed; those readers.
//   net                       UDP packets out and in; bytes out and in (UDP and TCP together);
//                             TCP streams opened and accepted.
//
// Rendered on the loop thread from values the node, the host and the hub keep, like
// metrics.h; nothing here does protocol work.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/serf/serf_node.h"
#include "net/swim_host.h"

namespace rumor::agent {

struct StatsInput {
  std::string_view node_name;
  int64_t time_ms = 0;  // the wall clock, ms since the Unix epoch
  const core::serf::SerfNode& node;
  const net::NetStats& net;
  size_t event_subscribers = 0;
  size_t events_queued = 0;
};

nlohmann::json render_stats(const StatsInput& in);

}  // namespace rumor::agent
