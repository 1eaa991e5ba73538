#include "agent/stats.h"

#include <string>

#include "agent/views.h"

namespace rumor::agent {

namespace {

using nlohmann::json;

json members(const core::serf::SerfNode& node) {
  uint64_t alive = 0, suspect = 0, failed = 0, left = 0;
  for (const auto& m : node.members()) {
    const std::string status = member_view(node, m).status;
    if (status == "alive" || status == "leaving") ++alive;
    if (status == "suspect") ++suspect;
    if (status == "failed") ++failed;
    if (status == "left") ++left;
  }
  return {{"alive", alive}, {"suspect", suspect}, {"failed", failed}, {"left", left}};
}

json protocol(const core::SwimStats& s) {
  return {{"probes", s.probes},
          {"probe_acks", s.probe_acks},
          {"indirect_probes", s.indirect_probes},
          {"nacks", s.nacks_received},
          {"suspicions", s.suspicions_raised},
          {"refutes", s.refutes},
          {"gossip_rounds", s.gossip_rounds},
          {"push_pulls", s.push_pulls}};
}

json queues(const StatsInput& in) {
  size_t serf = 0;
  for (size_t q = 0; q < core::SwimNode::kUserQueues; ++q)
    serf += in.node.queue_depth(q);
  return {{"broadcasts", in.node.swim().broadcast_depth()},
          {"serf_broadcasts", serf},
          {"events", in.events_queued},
          {"event_subscribers", in.event_subscribers}};
}

json net(const core::SwimStats& s, const net::NetStats& n) {
  return {{"packets_out", s.packets_sent},
          {"packets_in", n.packets_received},
          {"bytes_out", s.packet_bytes_sent + n.stream_bytes_sent},
          {"bytes_in", n.packet_bytes_received + n.stream_bytes_received},
          {"streams_out", s.streams_opened},
          {"streams_in", n.streams_accepted}};
}

}  // namespace

json render_stats(const StatsInput& in) {
  const core::SwimNode& swim = in.node.swim();
  const core::SwimStats& s = swim.stats();
  return {{"node", in.node_name},
          {"time_ms", in.time_ms},
          {"awareness", swim.awareness_score()},
          {"awareness_max", swim.config().awareness_max_multiplier},
          {"members", members(in.node)},
          {"protocol", protocol(s)},
          {"queues", queues(in)},
          {"net", net(s, in.net)}};
}

}  // namespace rumor::agent
