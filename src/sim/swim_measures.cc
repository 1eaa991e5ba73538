#include "sim/swim_measures.h"

#include <algorithm>

#include "sim/detection_tally.h"
#include "sim/swim_plan.h"

namespace rumor::sim {
namespace {

using core::SwimEventKind;

// The joins of a --start join run that are followed: an even sample of the joiners.
constexpr size_t kTrackedJoins = 32;

double seconds(Time t) {
  return (t - Time::zero()).sec();
}

}  // namespace

SwimMeasures::SwimMeasures(const SimConfig& config, SwimResult& result)
    : config_(config), result_(result), n_(config.nodes), untouched_(swim_touched(config)) {
  for (uint8_t& u : untouched_)
    u = u ? 0 : 1;
  suspect_at_.assign(config.crashes.size(), {});
  dead_at_.assign(config.crashes.size(), {});
  crash_closed_.assign(config.crashes.size(), 0);
  tracked_.assign(n_, -1);
  if (config.swim.start == SwimStart::kJoin && n_ > 1) {
    const size_t k = std::min<size_t>(kTrackedJoins, n_ - 1);
    for (size_t j = 0; j < k; ++j) {
      const auto node = static_cast<uint32_t>(1 + j * (n_ - 1) / k);
      if (tracked_[node] >= 0) continue;
      tracked_[node] = static_cast<int32_t>(tracked_nodes_.size());
      tracked_nodes_.push_back(node);
    }
    tracked_start_.assign(tracked_nodes_.size(), Time::never());
    known_at_.assign(tracked_nodes_.size(), std::vector<Time>(n_, Time::never()));
  }
}

void SwimMeasures::on_start(uint32_t i, Time t) {
  if (tracked_[i] < 0) return;
  Time& first = tracked_start_[static_cast<size_t>(tracked_[i])];
  if (first == Time::never()) first = t;
}

void SwimMeasures::on_event(uint32_t observer, const core::SwimEvent& e, bool member_running,
                            int32_t crash) {
  const uint32_t m = e.member;
  switch (e.kind) {
    case SwimEventKind::kSuspect:
    case SwimEventKind::kFailed: {
      const bool failed_event = e.kind == SwimEventKind::kFailed;
      if (member_running) {
        (failed_event ? result_.false_positives : result_.suspicions_of_live)++;
        if (untouched_[m]) {
          (failed_event ? result_.false_positives_untouched
                        : result_.suspicions_of_live_untouched)++;
        }
      } else if (crash >= 0) {
        const auto c = static_cast<size_t>(crash);
        auto& times = failed_event ? dead_at_[c] : suspect_at_[c];
        if (times.empty()) times.assign(n_, Time::never());
        times[observer] = std::min(times[observer], e.at);
      }
      break;
    }
    case SwimEventKind::kJoined:
      if (tracked_[m] >= 0) {
        Time& t = known_at_[static_cast<size_t>(tracked_[m])][observer];
        t = std::min(t, e.at);
      }
      break;
    default:
      break;
  }
}

void SwimMeasures::add_node_stats(const core::SwimStats& s) {
  result_.probes += s.probes;
  result_.probe_acks += s.probe_acks;
  result_.indirect_probes += s.indirect_probes;
  result_.nacks += s.nacks_received;
  result_.suspicions_raised += s.suspicions_raised;
  result_.refutes += s.refutes;
  result_.push_pulls += s.push_pulls;
  result_.node_events_dropped += s.events_dropped;
  result_.node_transmits_dropped += s.transmits_dropped;
}

void SwimMeasures::close_crash(uint32_t c, const LiveSince& live_since) {
  if (crash_closed_[c]) return;
  crash_closed_[c] = 1;
  const Crash& cr = config_.crashes[c];
  SwimCrashStats d;
  d.node = cr.node;
  d.crash_at_s = cr.at;
  d.restart_at_s = cr.restart;
  const Time crash_time = at_seconds(cr.at);
  DetectionTally tally(crash_time);
  for (uint32_t o = 0; o < n_; ++o) {
    // Observers: up through the whole window (a member restarted since never saw it alive).
    if (o == cr.node || live_since(o) > crash_time) continue;
    tally.observe(suspect_at_[c].empty() ? Time::never() : suspect_at_[c][o],
                  dead_at_[c].empty() ? Time::never() : dead_at_[c][o]);
  }
  tally.fill(d);
  result_.crashes.push_back(d);
  suspect_at_[c] = {};
  dead_at_[c] = {};
}

void SwimMeasures::finish(Time end, const LiveSince& live_since) {
  for (uint32_t c = 0; c < config_.crashes.size(); ++c) {
    if (at_seconds(config_.crashes[c].at) <= end && !crash_closed_[c]) close_crash(c, live_since);
  }
  std::sort(result_.crashes.begin(), result_.crashes.end(),
            [](const SwimCrashStats& a, const SwimCrashStats& b) {
              return a.crash_at_s != b.crash_at_s ? a.crash_at_s < b.crash_at_s : a.node < b.node;
            });
  if (!result_.crashes.empty()) {
    double first = 0, all = 0;
    bool first_ok = true, all_ok = true;
    for (const SwimCrashStats& d : result_.crashes) {
      first_ok = first_ok && d.first_dead_s.has_value();
      all_ok = all_ok && d.all_dead_s.has_value();
      if (d.first_dead_s) first += *d.first_dead_s;
      if (d.all_dead_s) all += *d.all_dead_s;
    }
    const auto k = static_cast<double>(result_.crashes.size());
    if (first_ok) result_.detect_first_s = first / k;
    if (all_ok) result_.detect_all_s = all / k;
  }
  for (size_t k = 0; k < tracked_nodes_.size(); ++k) {
    const uint32_t j = tracked_nodes_[k];
    const Time start = tracked_start_[k];
    if (start == Time::never() || start > end) continue;
    SwimSpreadStats s;
    s.node = j;
    s.at_s = seconds(start);
    Time first = Time::never(), last = Time::zero();
    for (uint32_t o = 0; o < n_; ++o) {
      if (o == j || live_since(o) >= start) continue;
      s.observers++;
      const Time t = known_at_[k][o];
      if (t == Time::never()) continue;
      s.observers_knowing++;
      first = std::min(first, t);
      last = std::max(last, t);
    }
    if (first != Time::never()) s.first_s = (first - start).sec();
    if (s.observers > 0 && s.observers_knowing == s.observers) s.all_s = (last - start).sec();
    result_.joins.push_back(s);
  }
  if (result_.member_seconds > 0) {
    result_.messages_per_member_per_s =
        static_cast<double>(result_.packets + result_.streams) / result_.member_seconds;
    result_.bytes_per_member_per_s =
        static_cast<double>(result_.packet_bytes + result_.stream_bytes) / result_.member_seconds;
  }
}

}  // namespace rumor::sim
