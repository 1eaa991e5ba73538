#include "sim/report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace rumor::sim {
namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string lpad(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

}  // namespace

std::vector<ModeSummary> summarize(const std::vector<RunResult>& runs) {
  std::vector<ModeSummary> out;
  for (const RunResult& r : runs) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const ModeSummary& s) { return s.mode == r.mode; });
    if (it == out.end()) {
      out.push_back(ModeSummary{});
      it = out.end() - 1;
      it->mode = r.mode;
    }
    it->runs++;
    if (r.rounds_to_full) {
      it->runs_full++;
      it->rounds_mean += *r.rounds_to_full;
      it->rounds_max = std::max(it->rounds_max, *r.rounds_to_full);
    }
    it->messages_mean += static_cast<double>(r.messages_total);
    it->bytes_mean += static_cast<double>(r.bytes_total);
    it->informed_final_mean += static_cast<double>(r.informed_final);
  }
  for (size_t i = 0; i < out.size(); ++i) {
    ModeSummary& s = out[i];
    if (s.runs_full > 0) s.rounds_mean /= static_cast<double>(s.runs_full);
    const auto n = static_cast<double>(s.runs);
    s.messages_mean /= n;
    s.bytes_mean /= n;
    s.informed_final_mean /= n;
    const auto it = std::find_if(runs.begin(), runs.end(),
                                 [&](const RunResult& r) { return r.mode == s.mode; });
    s.messages_per_node = s.messages_mean / static_cast<double>(it->nodes);
  }
  return out;
}

std::string format_json(const std::vector<RunResult>& runs) {
  std::ostringstream o;
  for (const RunResult& r : runs) {
    o << "{\"nodes\":" << r.nodes << ",\"mode\":\"" << core::gossip_mode_name(r.mode)
      << "\",\"fanout\":" << r.fanout << ",\"seed\":" << r.seed << ",\"timing\":\""
      << (r.timing == Timing::kRounds ? "rounds" : "async") << "\",\"rounds_to_full\":";
    if (r.rounds_to_full) {
      o << *r.rounds_to_full;
    } else {
      o << "null";
    }
    if (r.timing == Timing::kAsync) {
      o << ",\"time_to_full_ms\":";
      if (r.time_to_full_ms) {
        o << fixed(*r.time_to_full_ms, 3);
      } else {
        o << "null";
      }
    }
    o << ",\"informed_final\":" << r.informed_final << ",\"live_final\":" << r.live_final
      << ",\"rounds_run\":" << r.rounds_run << ",\"messages_total\":" << r.messages_total
      << ",\"bytes_total\":" << r.bytes_total << ",\"messages_by_type\":{";
    bool first = true;
    for (uint8_t t = 1; t <= core::kMaxMessageType; ++t) {
      if (!first) o << ',';
      first = false;
      o << '"' << core::message_type_name(static_cast<core::MessageType>(t))
        << "\":" << r.messages_by_type[t];
    }
    o << "},\"dropped\":{\"loss\":" << r.dropped_loss << ",\"partition\":" << r.dropped_partition
      << ",\"crashed\":" << r.dropped_crashed << "},\"duplicated\":" << r.duplicated
      << ",\"per_round\":[";
    for (size_t i = 0; i < r.per_round.size(); ++i) {
      const RoundStats& p = r.per_round[i];
      o << (i ? "," : "") << "{\"round\":" << p.round << ",\"informed\":" << p.informed
        << ",\"messages\":" << p.messages << ",\"bytes\":" << p.bytes << '}';
    }
    o << "]}\n";
  }
  return o.str();
}

std::string format_csv(const std::vector<RunResult>& runs) {
  std::ostringstream o;
  o << "mode,seed,nodes,fanout,round,informed,messages,bytes\n";
  for (const RunResult& r : runs) {
    for (const RoundStats& p : r.per_round) {
      o << core::gossip_mode_name(r.mode) << ',' << r.seed << ',' << r.nodes << ',' << r.fanout
        << ',' << p.round << ',' << p.informed << ',' << p.messages << ',' << p.bytes << '\n';
    }
  }
  return o.str();
}

std::string format_table(const SimConfig& config, const std::vector<RunResult>& runs) {
  std::ostringstream o;
  const std::vector<ModeSummary> sums = summarize(runs);
  const size_t seeds = sums.empty() ? 0 : sums.front().runs;
  o << "rumor sim: " << config.nodes << " nodes, fanout " << config.gossip.fanout << ", "
    << (config.timing == Timing::kRounds ? "rounds" : "async") << " timing, seed " << config.seed;
  if (seeds > 1) o << ".." << config.seed + seeds - 1 << " (" << seeds << " runs per mode)";
  o << ", loss " << fixed(config.loss, 2) << "\n\n";
  o << pad("mode", 13) << lpad("rounds", 8) << lpad(seeds > 1 ? "max" : "", 6)
    << lpad("informed", 18) << lpad("messages", 14) << lpad("msgs/node", 11) << lpad("bytes", 14)
    << '\n';
  for (const ModeSummary& s : sums) {
    const std::string rounds =
        s.runs_full == 0 ? "never"
                         : (seeds > 1 ? fixed(s.rounds_mean, 2) : std::to_string(s.rounds_max));
    std::string informed =
        fixed(s.informed_final_mean, seeds > 1 ? 1 : 0) + "/" + std::to_string(config.nodes);
    o << pad(std::string(core::gossip_mode_name(s.mode)), 13) << lpad(rounds, 8)
      << lpad(seeds > 1 && s.runs_full ? std::to_string(s.rounds_max) : "", 6) << lpad(informed, 18)
      << lpad(fixed(s.messages_mean, 0), 14) << lpad(fixed(s.messages_per_node, 2), 11)
      << lpad(fixed(s.bytes_mean, 0), 14) << '\n';
    if (s.runs_full < s.runs) {
      o << "  (" << s.runs - s.runs_full << " of " << s.runs
        << " runs did not reach every live node)\n";
    }
  }
  // Informed fraction per round, one column per mode (first seed of each).
  std::vector<const RunResult*> firsts;
  for (const ModeSummary& s : sums) {
    firsts.push_back(&*std::find_if(runs.begin(), runs.end(),
                                    [&](const RunResult& r) { return r.mode == s.mode; }));
  }
  size_t rounds = 0;
  for (const RunResult* r : firsts)
    rounds = std::max(rounds, r->per_round.size());
  o << "\ninformed fraction by round" << (seeds > 1 ? " (first seed)" : "") << ":\n"
    << pad("round", 7);
  for (const RunResult* r : firsts)
    o << lpad(std::string(core::gossip_mode_name(r->mode)), 13);
  o << '\n' << pad("0", 7);
  for (size_t i = 0; i < firsts.size(); ++i) {
    o << lpad(fixed(1.0 / static_cast<double>(config.nodes), 4), 13);
  }
  o << '\n';
  for (size_t round = 0; round < rounds; ++round) {
    o << pad(std::to_string(round + 1), 7);
    for (const RunResult* r : firsts) {
      const auto& pr = r->per_round;
      const RoundStats& p = round < pr.size() ? pr[round] : pr.back();
      o << lpad(fixed(static_cast<double>(p.informed) / static_cast<double>(r->nodes), 4), 13);
    }
    o << '\n';
  }
  return o.str();
}

PlotSpec informed_plot(const SimConfig& config, const std::vector<RunResult>& runs) {
  PlotSpec spec;
  spec.title = "Informed fraction by round, " + std::to_string(config.nodes) + " nodes, fanout " +
               std::to_string(config.gossip.fanout) + ", seed " + std::to_string(config.seed);
  spec.x_label = "round";
  spec.y_label = "fraction of nodes informed";
  spec.y_min = 0;
  spec.y_max = 1;
  spec.x_min = 0;
  for (const ModeSummary& s : summarize(runs)) {
    const RunResult& r = *std::find_if(runs.begin(), runs.end(),
                                       [&](const RunResult& x) { return x.mode == s.mode; });
    Series series;
    series.label = std::string(core::gossip_mode_name(r.mode));
    series.points.emplace_back(0.0, 1.0 / static_cast<double>(r.nodes));
    for (const RoundStats& p : r.per_round) {
      series.points.emplace_back(p.round,
                                 static_cast<double>(p.informed) / static_cast<double>(r.nodes));
    }
    spec.series.push_back(std::move(series));
  }
  return spec;
}

namespace {

std::string opt_json(const std::optional<double>& v) {
  return v ? fixed(*v, 3) : "null";
}
std::string opt_text(const std::optional<double>& v) {
  return v ? fixed(*v, 2) + " s" : "never";
}

double per_node_hour(uint64_t count, double node_hours) {
  return node_hours > 0 ? static_cast<double>(count) / node_hours : 0.0;
}

}  // namespace

std::string format_heartbeat_json(const std::vector<HeartbeatResult>& runs) {
  std::ostringstream o;
  for (const HeartbeatResult& r : runs) {
    o << "{\"protocol\":\"heartbeat\",\"nodes\":" << r.nodes << ",\"mode\":\""
      << core::gossip_mode_name(r.mode) << "\",\"fanout\":" << r.fanout << ",\"seed\":" << r.seed
      << ",\"timing\":\"" << (r.timing == Timing::kRounds ? "rounds" : "async")
      << "\",\"interval_s\":" << fixed(r.interval_s, 3) << ",\"joined_s\":" << opt_json(r.joined_s)
      << ",\"converged_s\":" << opt_json(r.converged_s) << ",\"rounds_run\":" << r.rounds_run
      << ",\"messages_total\":" << r.messages_total << ",\"bytes_total\":" << r.bytes_total
      << ",\"messages_per_node_interval\":" << fixed(r.messages_per_node_interval, 3)
      << ",\"bytes_per_node_interval\":" << fixed(r.bytes_per_node_interval, 1)
      << ",\"false_suspicions\":" << r.false_suspicions << ",\"false_deaths\":" << r.false_deaths
      << ",\"node_hours\":" << fixed(r.node_hours, 4) << ",\"false_suspicions_per_node_hour\":"
      << fixed(per_node_hour(r.false_suspicions, r.node_hours), 6)
      << ",\"false_suspicions_settled\":" << r.false_suspicions_settled
      << ",\"node_hours_settled\":" << fixed(r.node_hours_settled, 4)
      << ",\"false_suspicions_settled_per_node_hour\":"
      << fixed(per_node_hour(r.false_suspicions_settled, r.node_hours_settled), 6)
      << ",\"dropped\":{\"loss\":" << r.dropped_loss << ",\"partition\":" << r.dropped_partition
      << ",\"crashed\":" << r.dropped_crashed << "},\"detections\":[";
    for (size_t i = 0; i < r.detections.size(); ++i) {
      const DetectionStats& d = r.detections[i];
      o << (i ? "," : "") << "{\"node\":" << d.node << ",\"crash_at_s\":" << fixed(d.crash_at_s, 3)
        << ",\"observers\":" << d.observers << ",\"observers_dead\":" << d.observers_dead
        << ",\"first_suspect_s\":" << opt_json(d.first_suspect_s)
        << ",\"first_dead_s\":" << opt_json(d.first_dead_s)
        << ",\"all_dead_s\":" << opt_json(d.all_dead_s)
        << ",\"mean_dead_s\":" << fixed(d.mean_dead_s, 3) << '}';
    }
    o << "],\"leaves\":[";
    for (size_t i = 0; i < r.leaves.size(); ++i) {
      const LeaveStats& l = r.leaves[i];
      o << (i ? "," : "") << "{\"node\":" << l.node << ",\"leave_at_s\":" << fixed(l.leave_at_s, 3)
        << ",\"observers\":" << l.observers << ",\"observers_left\":" << l.observers_left
        << ",\"all_left_s\":" << opt_json(l.all_left_s) << '}';
    }
    o << "]}\n";
  }
  return o.str();
}

std::string format_heartbeat_table(const SimConfig& config,
                                   const std::vector<HeartbeatResult>& runs) {
  std::ostringstream o;
  const auto& d = config.detector;
  const bool phi = d.kind == core::detect::DetectorConfig::Kind::kPhi;
  o << "rumor sim --protocol heartbeat: " << config.nodes << " nodes, fanout "
    << config.gossip.fanout << ", interval " << fixed(config.gossip.interval.sec(), 3) << " s, "
    << (config.timing == Timing::kRounds ? "rounds" : "async") << " timing, loss "
    << fixed(config.loss, 2) << ", detector "
    << (phi ? "phi (threshold " + fixed(d.phi.threshold, 1) + ")"
            : "threshold (suspect after " + std::to_string(d.threshold.suspect_after) +
                  ", dead after " + std::to_string(d.threshold.dead_after) + " more)")
    << "\n";
  for (const HeartbeatResult& r : runs) {
    o << "\n"
      << core::gossip_mode_name(r.mode) << ", seed " << r.seed << ": everyone known "
      << (r.joined_s ? "at " + fixed(*r.joined_s, 2) + " s" : std::string("never"))
      << ", everyone alive everywhere "
      << (r.converged_s ? "at " + fixed(*r.converged_s, 2) + " s" : std::string("never")) << ", "
      << fixed(r.messages_per_node_interval, 2) << " messages and "
      << fixed(r.bytes_per_node_interval, 0) << " bytes per node per interval\n";
    for (const DetectionStats& x : r.detections) {
      o << "  crash of node " << x.node << " at " << fixed(x.crash_at_s, 1)
        << " s: first suspected after " << opt_text(x.first_suspect_s) << ", first dead after "
        << opt_text(x.first_dead_s) << ", dead at all " << x.observers << " live nodes after "
        << opt_text(x.all_dead_s) << " (" << x.observers_dead << "/" << x.observers
        << " marked it dead; mean " << fixed(x.mean_dead_s, 2) << " s)\n";
    }
    for (const LeaveStats& l : r.leaves) {
      o << "  leave of node " << l.node << " at " << fixed(l.leave_at_s, 1) << " s: seen by all "
        << l.observers << " live nodes after " << opt_text(l.all_left_s) << " (" << l.observers_left
        << "/" << l.observers << ")\n";
    }
    o << "  false suspicions: " << r.false_suspicions << ", false deaths: " << r.false_deaths
      << " over " << fixed(r.node_hours, 2) << " node-hours from everyone known ("
      << fixed(per_node_hour(r.false_suspicions, r.node_hours), 4)
      << " suspicions per node-hour); once settled (60 intervals later): "
      << r.false_suspicions_settled << " over " << fixed(r.node_hours_settled, 2) << " ("
      << fixed(per_node_hour(r.false_suspicions_settled, r.node_hours_settled), 4)
      << " per node-hour)\n";
  }
  return o.str();
}

}  // namespace rumor::sim
