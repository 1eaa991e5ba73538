// The SWIM half of report.h: format_swim_json() and format_swim_table().
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>

#include "sim/report.h"
#include "sim/trace.h"

namespace rumor::sim {
namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string opt_json(const std::optional<double>& v) {
  return v ? fixed(*v, 3) : "null";
}

// v / unit, or null: a time in protocol periods or gossip intervals.
std::optional<double> in_units(const std::optional<double>& v, double unit) {
  if (!v || unit <= 0) return std::nullopt;
  return *v / unit;
}

std::optional<double> spread(const std::optional<double>& first, const std::optional<double>& all) {
  if (!first || !all) return std::nullopt;
  return *all - *first;
}

std::string opt_text(const std::optional<double>& v) {
  return v ? fixed(*v, 2) + " s" : "never";
}

std::string periods_text(const std::optional<double>& v, double unit) {
  const auto p = in_units(v, unit);
  return p ? " (" + fixed(*p, 2) + " periods)" : "";
}

// The spread fields of one membership change, for the JSON.
void spread_json(std::ostringstream& o, const std::optional<double>& first,
                 const std::optional<double>& all, const SwimResult& r) {
  const auto s = spread(first, all);
  o << ",\"spread_s\":" << opt_json(s)
    << ",\"spread_gossip_intervals\":" << opt_json(in_units(s, r.gossip_interval_s))
    << ",\"spread_periods\":" << opt_json(in_units(s, r.probe_interval_s));
}

}  // namespace

std::string format_swim_json(const std::vector<SwimResult>& runs) {
  std::ostringstream o;
  for (const SwimResult& r : runs) {
    const double period = r.probe_interval_s;
    o << "{\"protocol\":\"swim\",\"nodes\":" << r.nodes << ",\"seed\":" << r.seed
      << ",\"profile\":\"" << json_escape(r.profile)
      << "\",\"lifeguard\":" << (r.lifeguard ? "true" : "false")
      << ",\"tcp_pings\":" << (r.tcp_pings ? "true" : "false")
      << ",\"eager_gossip\":" << (r.eager_gossip ? "true" : "false")
      << ",\"indirect_checks\":" << r.indirect_checks << ",\"start\":\"" << swim_start_name(r.start)
      << "\",\"duration_s\":" << fixed(r.duration_s, 3)
      << ",\"probe_interval_s\":" << fixed(r.probe_interval_s, 3)
      << ",\"gossip_interval_s\":" << fixed(r.gossip_interval_s, 3) << ",\"slow_nodes\":[";
    for (size_t i = 0; i < r.slow_nodes.size(); ++i)
      o << (i ? "," : "") << r.slow_nodes[i];
    o << "],\"detect_first_s\":" << opt_json(r.detect_first_s)
      << ",\"detect_all_s\":" << opt_json(r.detect_all_s)
      << ",\"detect_first_periods\":" << opt_json(in_units(r.detect_first_s, period))
      << ",\"detect_all_periods\":" << opt_json(in_units(r.detect_all_s, period))
      << ",\"crashes\":[";
    for (size_t i = 0; i < r.crashes.size(); ++i) {
      const SwimCrashStats& d = r.crashes[i];
      o << (i ? "," : "") << "{\"node\":" << d.node << ",\"crash_at_s\":" << fixed(d.crash_at_s, 3)
        << ",\"restart_at_s\":" << opt_json(d.restart_at_s) << ",\"observers\":" << d.observers
        << ",\"observers_dead\":" << d.observers_dead
        << ",\"first_suspect_s\":" << opt_json(d.first_suspect_s)
        << ",\"first_dead_s\":" << opt_json(d.first_dead_s)
        << ",\"all_dead_s\":" << opt_json(d.all_dead_s)
        << ",\"mean_dead_s\":" << fixed(d.mean_dead_s, 3)
        << ",\"first_suspect_periods\":" << opt_json(in_units(d.first_suspect_s, period))
        << ",\"first_dead_periods\":" << opt_json(in_units(d.first_dead_s, period))
        << ",\"all_dead_periods\":" << opt_json(in_units(d.all_dead_s, period));
      spread_json(o, d.first_dead_s, d.all_dead_s, r);
      o << '}';
    }
    o << "],\"joins\":[";
    for (size_t i = 0; i < r.joins.size(); ++i) {
      const SwimSpreadStats& j = r.joins[i];
      o << (i ? "," : "") << "{\"node\":" << j.node << ",\"at_s\":" << fixed(j.at_s, 3)
        << ",\"observers\":" << j.observers << ",\"observers_knowing\":" << j.observers_knowing
        << ",\"first_s\":" << opt_json(j.first_s) << ",\"all_s\":" << opt_json(j.all_s);
      spread_json(o, j.first_s, j.all_s, r);
      o << '}';
    }
    o << "],\"false_positives\":" << r.false_positives
      << ",\"false_positives_untouched\":" << r.false_positives_untouched
      << ",\"suspicions_of_live\":" << r.suspicions_of_live
      << ",\"suspicions_of_live_untouched\":" << r.suspicions_of_live_untouched
      << ",\"messages_per_member_per_s\":" << fixed(r.messages_per_member_per_s, 3)
      << ",\"bytes_per_member_per_s\":" << fixed(r.bytes_per_member_per_s, 1)
      << ",\"packets\":" << r.packets << ",\"packet_bytes\":" << r.packet_bytes
      << ",\"streams\":" << r.streams << ",\"stream_bytes\":" << r.stream_bytes
      << ",\"member_seconds\":" << fixed(r.member_seconds, 3) << ",\"probes\":" << r.probes
      << ",\"probe_acks\":" << r.probe_acks << ",\"indirect_probes\":" << r.indirect_probes
      << ",\"nacks\":" << r.nacks << ",\"suspicions_raised\":" << r.suspicions_raised
      << ",\"refutes\":" << r.refutes << ",\"push_pulls\":" << r.push_pulls
      << ",\"reconnects\":" << r.reconnects << ",\"dropped\":{\"loss\":" << r.dropped_loss
      << ",\"partition\":" << r.dropped_partition << ",\"crashed\":" << r.dropped_crashed
      << ",\"unknown\":" << r.dropped_unknown << "},\"duplicated\":" << r.duplicated
      << ",\"streams_failed\":" << r.streams_failed
      << ",\"streams_completed\":" << r.streams_completed
      << ",\"node_events_dropped\":" << r.node_events_dropped
      << ",\"node_transmits_dropped\":" << r.node_transmits_dropped
      << ",\"events_processed\":" << r.events_processed
      << ",\"pending_events_max\":" << r.pending_events_max
      << ",\"checks\":{\"dead_everywhere_bound_s\":" << fixed(r.dead_everywhere_bound_s, 3)
      << ",\"agreement_bound_s\":" << fixed(r.agreement_bound_s, 3)
      << ",\"faults_end_s\":" << opt_json(r.faults_end_s)
      << ",\"agreement_checked\":" << (r.agreement_checked ? "true" : "false")
      << ",\"agreement_s\":" << opt_json(r.agreement_s) << ",\"stale_rejoins\":" << r.stale_rejoins
      << ",\"violations_total\":" << r.violations_total << ",\"violations\":[";
    for (size_t i = 0; i < r.violations.size(); ++i) {
      const SwimViolation& v = r.violations[i];
      o << (i ? "," : "") << "{\"checker\":\"" << json_escape(v.checker)
        << "\",\"at_s\":" << fixed(v.at_s, 3) << ",\"member\":" << v.member << ",\"detail\":\""
        << json_escape(v.detail) << "\"}";
    }
    o << "]}";
    if (!r.error.empty()) o << ",\"error\":\"" << json_escape(r.error) << '"';
    o << "}\n";
  }
  return o.str();
}

std::string format_swim_table(const SimConfig& config, const std::vector<SwimResult>& runs) {
  std::ostringstream o;
  const core::SwimConfig node = config.swim_node_config();
  o << "rumor sim --protocol swim: " << config.nodes << " nodes, profile " << config.swim.profile
    << " (probe " << fixed(node.probe_interval.sec(), 3) << " s, gossip "
    << fixed(node.gossip_interval.sec(), 3) << " s), lifeguard "
    << (config.swim.lifeguard ? "on" : "off") << ", " << node.indirect_checks
    << " indirect checks, " << swim_start_name(config.swim.start) << " start, "
    << fixed(config.swim.duration_s, 0) << " s, loss " << fixed(config.loss, 2) << "\n";
  for (const SwimResult& r : runs) {
    const double period = r.probe_interval_s;
    o << "\nseed " << r.seed << ":\n";
    if (!r.slow_nodes.empty()) {
      o << "  slow members:";
      for (uint32_t s : r.slow_nodes)
        o << ' ' << s;
      o << '\n';
    }
    for (const SwimCrashStats& d : r.crashes) {
      o << "  crash of node " << d.node << " at " << fixed(d.crash_at_s, 1) << " s"
        << (d.restart_at_s ? " (restarted at " + fixed(*d.restart_at_s, 1) + " s)" : "")
        << ": first suspected after " << opt_text(d.first_suspect_s) << ", first failed after "
        << opt_text(d.first_dead_s) << periods_text(d.first_dead_s, period) << ", failed at all "
        << d.observers << " live members after " << opt_text(d.all_dead_s)
        << periods_text(d.all_dead_s, period) << " (" << d.observers_dead << "/" << d.observers
        << ")";
      if (const auto s = spread(d.first_dead_s, d.all_dead_s)) {
        o << "; spread " << fixed(*s, 2) << " s = " << fixed(*s / r.gossip_interval_s, 1)
          << " gossip intervals";
      }
      o << '\n';
    }
    if (!r.crashes.empty()) {
      o << "  detection, mean over " << r.crashes.size() << " crashes: first "
        << opt_text(r.detect_first_s) << periods_text(r.detect_first_s, period) << ", all "
        << opt_text(r.detect_all_s) << periods_text(r.detect_all_s, period) << '\n';
    }
    if (!r.joins.empty()) {
      double sum = 0;
      size_t done = 0;
      for (const SwimSpreadStats& j : r.joins) {
        if (const auto s = spread(j.first_s, j.all_s)) {
          sum += *s;
          ++done;
        }
      }
      o << "  joins (a sample of " << r.joins.size() << "): " << done
        << " known by every earlier member";
      if (done > 0) {
        const double mean = sum / static_cast<double>(done);
        o << ", spread from first to all " << fixed(mean, 2)
          << " s = " << fixed(mean / r.gossip_interval_s, 1) << " gossip intervals on average";
      }
      o << '\n';
    }
    o << "  false positives: " << r.false_positives << " (" << r.false_positives_untouched
      << " about members no fault touches); suspicions of live members: " << r.suspicions_of_live
      << " (" << r.suspicions_of_live_untouched << ")\n";
    o << "  traffic: " << fixed(r.messages_per_member_per_s, 2) << " messages and "
      << fixed(r.bytes_per_member_per_s, 0) << " bytes per member per second; probes " << r.probes
      << " (acked " << r.probe_acks << ", indirect " << r.indirect_probes << ", nacks " << r.nacks
      << "), refutes " << r.refutes << ", push-pulls " << r.push_pulls << '\n';
    o << "  checks: ";
    if (r.agreement_s) {
      o << "every view matched the live set " << fixed(*r.agreement_s, 2)
        << " s after the last fault (bound " << fixed(r.agreement_bound_s, 0) << " s)";
    } else if (r.agreement_checked) {
      o << "views never matched the live set within " << fixed(r.agreement_bound_s, 0)
        << " s of the last fault";
    } else {
      o << "agreement not checked (a partition never heals, or the run ended within "
        << fixed(r.agreement_bound_s, 0) << " s of the last fault)";
    }
    o << "; " << r.violations_total << " violations\n";
    for (const SwimViolation& v : r.violations) {
      o << "  VIOLATION " << v.checker << " at " << fixed(v.at_s, 3) << " s: " << v.detail << '\n';
    }
    if (!r.error.empty()) o << "  stopped early: " << r.error << '\n';
  }
  return o.str();
}

}  // namespace rumor::sim
