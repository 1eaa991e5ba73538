#include "cli/sim_command.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "cli/progress.h"
#include "cli/view_command.h"
#include "cli/view_server.h"
#include "sim/names.h"
#include "sim/report.h"
#include "sim/scenario.h"
#include "sim/swim_trace.h"
#include "sim/swim_world.h"

namespace rumor::cli {
namespace {

// A bad flag, scenario or configuration: one line, exit status 2.
int bad_input(const std::string& message) {
  std::fprintf(stderr, "rumor sim: %s\n", message.c_str());
  return 2;
}

template <typename T>
std::string allowed_list(std::initializer_list<T> values, std::string_view (*name)(T)) {
  std::string s;
  for (T v : values)
    s += (s.empty() ? "" : ", ") + std::string(name(v));
  return s;
}

std::string mode_list() {
  using core::GossipMode;
  return allowed_list({GossipMode::kPush, GossipMode::kPull, GossipMode::kPushPull,
                       GossipMode::kRumor, GossipMode::kDirectMail},
                      core::gossip_mode_name);
}

Result<std::vector<core::GossipMode>> parse_mode_list(const std::string& flag,
                                                      const std::string& text) {
  std::vector<core::GossipMode> modes;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto m = core::parse_gossip_mode(item);
    if (!m) {
      return Status::error(flag + ": unknown mode '" + item + "' (allowed: " + mode_list() + ")");
    }
    modes.push_back(*m);
  }
  if (modes.empty()) return Status::error(flag + ": needs at least one mode");
  return modes;
}

bool given(CLI::App& sub, const char* flag) {
  return sub.count(flag) > 0;
}

// "NODE@ROUND", as --crash and --leave take it.
Status parse_node_at(const std::string& flag, const std::string& text, uint32_t& node, double& at) {
  const size_t sep = text.find('@');
  const std::string bad = flag + ": expected NODE@ROUND (e.g. 7@30), got '" + text + "'";
  if (sep == std::string::npos) return Status::error(bad);
  try {
    size_t used = 0;
    const unsigned long n = std::stoul(text.substr(0, sep), &used);
    if (used != sep || n > 0xffffffffUL) return Status::error(bad);
    const std::string at_text = text.substr(sep + 1);
    at = std::stod(at_text, &used);
    if (used != at_text.size()) return Status::error(bad);
    node = static_cast<uint32_t>(n);
  } catch (const std::exception&) {
    return Status::error(bad);
  }
  return Status::ok();
}

Status apply_heartbeat_flags(CLI::App& sub, const SimFlags& f, sim::SimConfig& c) {
  auto& d = c.detector;
  if (given(sub, "--detector")) {
    const auto k = core::detect::parse_detector_kind(f.detector);
    if (!k)
      return Status::error("--detector: unknown '" + f.detector + "' (allowed: threshold, phi)");
    d.kind = *k;
  }
  if (given(sub, "--phi-threshold")) d.phi.threshold = f.phi_threshold;
  if (given(sub, "--suspect-after")) d.threshold.suspect_after = f.suspect_after;
  if (given(sub, "--dead-after")) d.threshold.dead_after = f.dead_after;
  if (given(sub, "--phi-dead-after-ms")) {
    if (!(f.phi_dead_after_ms >= 1 && f.phi_dead_after_ms <= 86'400'000)) {
      return Status::error("--phi-dead-after-ms: must be in 1..86400000, got " +
                           CLI::detail::to_string(f.phi_dead_after_ms));
    }
    d.phi.dead_after = Duration::nanos(static_cast<int64_t>(f.phi_dead_after_ms * 1e6));
  }
  if (given(sub, "--leave")) {
    c.leaves.clear();
    for (const std::string& text : f.leave) {
      sim::Leave l;
      if (Status s = parse_node_at("--leave", text, l.node, l.at); !s.is_ok()) return s;
      c.leaves.push_back(l);
    }
  }
  return Status::ok();
}

// "120", "120s", "2m", "1.5h", "500ms": a time in seconds (a bare number is seconds).
Result<double> parse_duration(const std::string& flag, const std::string& text) {
  const std::string bad =
      flag + ": expected a time like 120s, 2m, 500ms or 120 (seconds), got '" + text + "'";
  double value = 0;
  size_t used = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return Status::error(bad);
  }
  const std::string unit = text.substr(used);
  double scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1;
  } else if (unit == "ms") {
    scale = 1e-3;
  } else if (unit == "m") {
    scale = 60;
  } else if (unit == "h") {
    scale = 3600;
  } else {
    return Status::error(bad);
  }
  if (!std::isfinite(value) || value < 0 || text[0] == '+' || std::isspace(text[0])) {
    return Status::error(bad);
  }
  return value * scale;
}

bool all_digits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

// --crash: NODE@TIME entries and, for swim, one plain count K.
Status apply_crash_flags(const SimFlags& f, sim::SimConfig& c) {
  c.crashes.clear();
  c.swim.crash_count = 0;
  bool counted = false;
  for (const std::string& text : f.crash) {
    if (all_digits(text)) {
      if (c.protocol != sim::Protocol::kSwim) {
        return Status::error("--crash " + text +
                             ": a count of members drawn from the seed needs --protocol swim; "
                             "name a node with NODE@ROUND (e.g. 7@30)");
      }
      if (counted)
        return Status::error("--crash: give the count K once, got another '" + text + "'");
      counted = true;
      try {
        const unsigned long k = std::stoul(text);
        if (k > 0xffffffffUL) throw std::out_of_range(text);
        c.swim.crash_count = static_cast<uint32_t>(k);
      } catch (const std::exception&) {
        return Status::error("--crash: count too large, got '" + text + "'");
      }
      continue;
    }
    sim::Crash cr;
    Status s = parse_node_at("--crash", text, cr.node, cr.at);
    if (!s.is_ok()) {
      if (c.protocol == sim::Protocol::kSwim) {
        return Status::error(
            "--crash: expected a count K or NODE@SECONDS (e.g. 3, or 7@30), got '" + text + "'");
      }
      return s;
    }
    c.crashes.push_back(cr);
  }
  return Status::ok();
}

// Flags that belong to one protocol only: refused with the others, so nothing is ignored.
constexpr const char* kNotForSwim[] = {"--mode",       "--compare",           "--reconcile",
                                       "--fanout",     "--max-rounds",        "--origin",
                                       "--rumor-stop", "--rumor-k",           "--antientropy-every",
                                       "--detector",   "--phi-threshold",     "--suspect-after",
                                       "--dead-after", "--phi-dead-after-ms", "--interval-ms",
                                       "--jitter",     "--peer-selection",    "--max-message-bytes",
                                       "--plot"};
constexpr const char* kSwimOnly[] = {"--duration",      "--profile",         "--lifeguard",
                                     "--tcp-pings",     "--eager-gossip",    "--indirect-checks",
                                     "--start",         "--join-stagger-ms", "--slow",
                                     "--slow-delay-ms", "--crash-at",        "--reconnect"};

Status apply_swim_flags(CLI::App& sub, const SimFlags& f, sim::SimConfig& c) {
  if (c.protocol != sim::Protocol::kSwim) {
    for (const char* flag : kSwimOnly) {
      if (given(sub, flag)) return Status::error(std::string(flag) + ": only for --protocol swim");
    }
    return Status::ok();
  }
  for (const char* flag : kNotForSwim) {
    if (given(sub, flag)) {
      return Status::error(std::string(flag) + ": does not apply to --protocol swim");
    }
  }
  if (given(sub, "--timing") && c.timing != sim::Timing::kAsync) {
    return Status::error("--timing: the swim protocol runs in async timing only, got " + f.timing);
  }
  sim::SwimSettings& w = c.swim;
  if (given(sub, "--duration")) {
    auto d = parse_duration("--duration", f.duration);
    if (!d) return d.status();
    w.duration_s = *d;
  }
  if (given(sub, "--profile")) {
    if (f.profile != "lan" && f.profile != "wan" && f.profile != "local") {
      return Status::error("--profile: unknown '" + f.profile + "' (allowed: lan, wan, local)");
    }
    w.profile = f.profile;
  }
  for (auto [flag, value, out] : {std::tuple{"--lifeguard", &f.lifeguard, &w.lifeguard},
                                  std::tuple{"--tcp-pings", &f.tcp_pings, &w.tcp_pings},
                                  std::tuple{"--eager-gossip", &f.eager_gossip, &w.eager_gossip}}) {
    if (!given(sub, flag)) continue;
    if (*value != "on" && *value != "off") {
      return Status::error(std::string(flag) + ": expected on or off, got '" + *value + "'");
    }
    *out = *value == "on";
  }
  if (given(sub, "--indirect-checks")) w.indirect_checks = f.indirect_checks;
  if (given(sub, "--start")) {
    const auto start = sim::parse_swim_start(f.start);
    if (!start) return Status::error("--start: unknown '" + f.start + "' (allowed: formed, join)");
    w.start = *start;
  }
  if (given(sub, "--join-stagger-ms")) w.join_stagger_ms = f.join_stagger_ms;
  if (given(sub, "--slow")) {
    c.slow_nodes.clear();
    w.slow_count = f.slow;
  }
  if (given(sub, "--slow-delay-ms")) w.slow_delay_ms = f.slow_delay_ms;
  if (given(sub, "--crash-at")) {
    auto d = parse_duration("--crash-at", f.crash_at);
    if (!d) return d.status();
    w.crash_at_s = *d;
  }
  if (given(sub, "--reconnect")) {
    auto d = parse_duration("--reconnect", f.reconnect);
    if (!d) return d.status();
    w.reconnect_s = *d;
  }
  return Status::ok();
}

// Flags given on the command line override the scenario and the defaults.
Status apply_flags(CLI::App& sub, const SimFlags& f, sim::SimConfig& c) {
  if (given(sub, "--protocol")) {
    const auto p = sim::parse_protocol(f.protocol);
    if (!p) {
      return Status::error("--protocol: unknown '" + f.protocol +
                           "' (allowed: gossip, heartbeat, swim)");
    }
    c.protocol = *p;
  }
  if (given(sub, "--nodes")) c.nodes = f.nodes;
  if (given(sub, "--mode") && given(sub, "--compare")) {
    return Status::error("--mode and --compare: give one or the other");
  }
  if (given(sub, "--mode")) {
    auto modes = parse_mode_list("--mode", f.mode);
    if (!modes) return modes.status();
    if (modes->size() != 1)
      return Status::error("--mode: takes one mode; use --compare for several");
    c.modes = *modes;
  }
  if (given(sub, "--compare")) {
    auto modes = parse_mode_list("--compare", f.compare);
    if (!modes) return modes.status();
    c.modes = *modes;
  }
  if (given(sub, "--reconcile")) {
    const auto r = core::parse_reconcile(f.reconcile);
    if (!r)
      return Status::error("--reconcile: unknown '" + f.reconcile + "' (allowed: digest, full)");
    c.gossip.reconcile = *r;
  }
  if (given(sub, "--fanout")) c.gossip.fanout = f.fanout;
  if (given(sub, "--seed")) c.seed = f.seed;
  if (given(sub, "--timing")) {
    const auto t = sim::parse_timing(f.timing);
    if (!t) return Status::error("--timing: unknown '" + f.timing + "' (allowed: rounds, async)");
    c.timing = *t;
  }
  if (given(sub, "--loss")) c.loss = f.loss;
  if (given(sub, "--duplicate")) c.duplicate = f.duplicate;
  if (given(sub, "--latency")) {
    auto l = sim::parse_latency_flag(f.latency);
    if (!l) return Status::error("--latency: " + l.message());
    c.latency = *l;
  }
  if (given(sub, "--interval-ms")) {
    // Checked before converting: a double outside int64's range has no defined conversion.
    if (!(f.interval_ms >= 1 && f.interval_ms <= 3'600'000)) {
      return Status::error("--interval-ms: must be in 1..3600000, got " +
                           CLI::detail::to_string(f.interval_ms));
    }
    c.gossip.interval = Duration::nanos(static_cast<int64_t>(f.interval_ms * 1e6));
  }
  if (given(sub, "--jitter")) c.gossip.jitter = f.jitter;
  if (given(sub, "--peer-selection")) {
    const auto p = sim::parse_peer_selection(f.peer_selection);
    if (!p) {
      return Status::error("--peer-selection: unknown '" + f.peer_selection +
                           "' (allowed: uniform, least-recent)");
    }
    c.peer_selection = *p;
  }
  if (given(sub, "--max-rounds")) c.max_rounds = f.max_rounds;
  if (given(sub, "--origin")) c.origin = f.origin;
  if (given(sub, "--max-message-bytes")) c.gossip.max_message_bytes = f.max_message_bytes;
  if (given(sub, "--rumor-stop")) {
    Status s = sim::parse_rumor_stop(f.rumor_stop, c.gossip.rumor_stop);
    if (!s.is_ok()) return Status::error("--rumor-stop: " + s.message());
  }
  if (given(sub, "--rumor-k")) c.gossip.rumor_k = f.rumor_k;
  if (given(sub, "--antientropy-every")) c.gossip.antientropy_every = f.antientropy_every;
  if (given(sub, "--crash")) {
    if (Status s = apply_crash_flags(f, c); !s.is_ok()) return s;
  }
  if (Status s = apply_swim_flags(sub, f, c); !s.is_ok()) return s;
  return apply_heartbeat_flags(sub, f, c);
}

// "rumor sim ... --seed S": the arguments given, with any --seed/--seeds replaced by one seed.
std::string replay_line(const std::vector<std::string>& args, uint64_t seed) {
  std::string line = "rumor";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--seed" || a == "--seeds") {
      ++i;
      continue;
    }
    if (a.rfind("--seed=", 0) == 0 || a.rfind("--seeds=", 0) == 0) continue;
    line += " " + a;
  }
  return line + " --seed " + std::to_string(seed);
}

// Prints the report of a swim configuration's runs; exit 3 on checker violations.
int report_swim_runs(const sim::SimConfig& config, const SimFlags& f, sim::Format format,
                     const std::vector<sim::SwimResult>& runs) {
  std::cout << (format == sim::Format::kJson ? sim::format_swim_json(runs)
                                             : sim::format_swim_table(config, runs));
  std::cout.flush();
  int status = 0;
  for (const sim::SwimResult& r : runs) {
    if (r.violations_total == 0) continue;
    status = 3;
    const sim::SwimViolation& v = r.violations.front();
    std::fprintf(
        stderr,
        "rumor sim: seed %llu: %llu checker violations, first %s at %.3f s: %s; replay: %s\n",
        static_cast<unsigned long long>(r.seed),
        static_cast<unsigned long long>(r.violations_total), v.checker.c_str(), v.at_s,
        v.detail.c_str(), replay_line(f.args, r.seed).c_str());
  }
  return status;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("cannot read '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::error("cannot read '" + path + "'");
  return ss.str();
}

// The configuration the flags describe: the defaults, then the scenario file, then each flag
// given. Not validated.
Result<sim::SimConfig> sim_config_from(CLI::App& sub, const SimFlags& f) {
  sim::SimConfig config;
  if (!f.scenario.empty()) {
    auto text = read_file(f.scenario);
    if (!text) return Status::error("--scenario: " + text.message());
    Status s = sim::apply_scenario_json(*text, config);
    if (!s.is_ok()) return Status::error(f.scenario + ": " + s.message());
  }
  if (Status s = apply_flags(sub, f, config); !s.is_ok()) return s;
  return config;
}

// The arguments a run line records ("args", sim/trace.h): those after `rumor sim` that shape the
// simulation, so the viewer can re-run them; the output flags (--format, --trace, --plot, --ui,
// --listen) are left out, as POST /api/sim refuses them.
std::vector<std::string> recorded_args(const std::vector<std::string>& args) {
  std::vector<std::string> kept;
  size_t i = !args.empty() && args[0] == "sim" ? 1 : 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    const std::string name = a.substr(0, a.find('='));
    if (name == "--ui") continue;
    if (name == "--format" || name == "--trace" || name == "--plot" || name == "--listen") {
      if (name == a) ++i;  // "--trace FILE": skip FILE too
      continue;
    }
    kept.push_back(a);
  }
  return kept;
}

}  // namespace

CLI::App* add_sim_command(CLI::App& app, SimFlags& f) {
  CLI::App* s = app.add_subcommand("sim", "Simulate gossip on a virtual cluster (deterministic)");
  s->add_option("--scenario", f.scenario, "JSON scenario file (see docs/scenarios/README.md)");
  s->add_option("--protocol", f.protocol,
                "gossip (spread one update) | heartbeat (membership) | swim (SWIM + Lifeguard)");
  s->add_option("--nodes", f.nodes, "cluster size (default 1000)");
  s->add_option("--mode", f.mode,
                "push | pull | push-pull | rumor | direct-mail (default push-pull)");
  s->add_option("--compare", f.compare, "several modes, comma-separated, run on the same seed");
  s->add_option("--reconcile", f.reconcile, "digest | full (default digest)");
  s->add_option("--fanout", f.fanout, "peers contacted per round (default 1)");
  s->add_option("--seed", f.seed, "random seed (default 1)");
  s->add_option("--seeds", f.seeds, "run this many seeds, seed..seed+N-1 (default 1)")
      ->check(CLI::Range(1u, 100000u));
  s->add_option("--timing", f.timing, "rounds | async (default rounds)");
  s->add_option("--loss", f.loss, "message loss probability (default 0)");
  s->add_option("--duplicate", f.duplicate, "message duplication probability (default 0)");
  s->add_option("--latency", f.latency,
                "async latency: const:MS | uniform:MIN:MAX | normal:MEAN:SD | exp:MEAN");
  s->add_option("--interval-ms", f.interval_ms, "gossip interval in ms (default 1000)");
  s->add_option("--jitter", f.jitter, "async: interval jitter fraction 0..0.5 (default 0)");
  s->add_option("--peer-selection", f.peer_selection, "uniform | least-recent (default uniform)");
  s->add_option("--max-rounds", f.max_rounds, "stop after this many rounds (default: automatic)");
  s->add_option("--origin", f.origin, "node that writes the update (default 0)");
  s->add_option("--max-message-bytes", f.max_message_bytes, "largest message (default 65536)");
  s->add_option("--rumor-stop", f.rumor_stop,
                "feedback-coin | feedback-counter | blind-coin | blind-counter");
  s->add_option("--rumor-k", f.rumor_k, "rumor mongering k (default 2)");
  s->add_option("--antientropy-every", f.antientropy_every,
                "rumor/direct-mail: anti-entropy exchange every N rounds (default 0: off)");
  s->add_option("--detector", f.detector, "heartbeat: threshold | phi (default threshold)");
  s->add_option("--phi-threshold", f.phi_threshold,
                "heartbeat: phi conviction threshold (default 8)");
  s->add_option("--suspect-after", f.suspect_after,
                "heartbeat, threshold detector: intervals without progress before suspect (8)");
  s->add_option("--dead-after", f.dead_after,
                "heartbeat, threshold detector: further intervals before dead (4)");
  s->add_option("--phi-dead-after-ms", f.phi_dead_after_ms,
                "heartbeat, phi detector: time suspected before dead (default 10000)");
  s->add_option("--crash", f.crash,
                "crash NODE at ROUND: NODE@ROUND (repeatable; seconds for swim); swim: a count K "
                "of members drawn from the seed, crashed at --crash-at");
  s->add_option("--leave", f.leave, "heartbeat: NODE leaves gracefully at ROUND: NODE@ROUND");
  s->add_option("--duration", f.duration, "swim: run length, e.g. 120s, 2m, 120 (default 120s)");
  s->add_option("--profile", f.profile, "swim: memberlist profile lan | wan | local (default lan)");
  s->add_option("--lifeguard", f.lifeguard, "swim: Lifeguard on | off (default on)");
  s->add_option("--tcp-pings", f.tcp_pings,
                "swim: memberlist's TCP fallback ping on | off (default on)");
  s->add_option("--eager-gossip", f.eager_gossip,
                "swim: news at an idle node goes out at once (on, default) or at the next "
                "gossip tick as in memberlist (off)");
  s->add_option("--indirect-checks", f.indirect_checks,
                "swim: members asked to ping a silent one (default: the profile's)");
  s->add_option("--start", f.start,
                "swim: formed (everyone knows everyone) | join (default formed)");
  s->add_option("--join-stagger-ms", f.join_stagger_ms,
                "swim, --start join: node i joins at i x this (default 50)");
  s->add_option("--crash-at", f.crash_at, "swim: when --crash K members crash (default 30s)");
  s->add_option("--slow", f.slow, "swim: K slow members drawn from the seed (not crashed ones)");
  s->add_option("--slow-delay-ms", f.slow_delay_ms,
                "swim: a slow member's mean lag per message and timer (default 1000)");
  s->add_option("--reconnect", f.reconnect,
                "swim: Serf's reconnect interval for failed members, 0 off (default 30s)");
  s->add_option("--format", f.format, "table | json | csv (default table)");
  s->add_option("--trace", f.trace, "write every state change to FILE (JSON lines)");
  s->add_option("--plot", f.plot, "write the informed-fraction curves to FILE.svg");
  s->add_flag("--wire", f.wire, "encode and decode every message (checks the codec in the loop)");
  s->add_flag("--ui", f.ui,
              "then serve the trace to the viewer in a browser until Ctrl-C (as `rumor view`)");
  s->add_option("--listen", f.listen,
                std::string("--ui: the viewer's HOST:PORT (default ") + kDefaultViewListen + ")");
  return s;
}

int run_sim_command(CLI::App& sub, const SimFlags& f) {
  auto built = sim_config_from(sub, f);
  if (!built) return bad_input(built.message());
  const sim::SimConfig config = std::move(*built);
  if (Status s = config.validate(); !s.is_ok()) return bad_input(s.message());
  sim::Format format;
  if (f.format == "table") {
    format = sim::Format::kTable;
  } else if (f.format == "json") {
    format = sim::Format::kJson;
  } else if (f.format == "csv") {
    format = sim::Format::kCsv;
  } else {
    return bad_input("--format: unknown '" + f.format + "' (allowed: table, json, csv)");
  }
  if (!f.plot.empty() && (f.plot.size() < 4 || f.plot.substr(f.plot.size() - 4) != ".svg")) {
    return bad_input("--plot: the file name must end in .svg, got '" + f.plot + "'");
  }
  if (config.protocol == sim::Protocol::kSwim && format == sim::Format::kCsv) {
    return bad_input("--format csv: the swim protocol prints table or json");
  }
  if (config.protocol == sim::Protocol::kHeartbeat) {
    if (format == sim::Format::kCsv)
      return bad_input("--format csv: the heartbeat protocol prints table or json");
    if (!f.plot.empty())
      return bad_input("--plot: the heartbeat protocol has no informed curve to plot");
  }
  if (given(sub, "--listen") && !f.ui) return bad_input("--listen: only with --ui");
  if (config.protocol == sim::Protocol::kSwim && (!f.trace.empty() || f.ui) &&
      config.nodes > sim::kMaxSwimTraceNodes) {
    return bad_input(std::string(f.trace.empty() ? "--ui" : "--trace") +
                     ": a swim trace holds at most " + std::to_string(sim::kMaxSwimTraceNodes) +
                     " nodes (it tracks every node's view of every member), got " +
                     std::to_string(config.nodes));
  }
  // --ui binds before the simulation runs, so a busy port is reported before a long run.
  std::unique_ptr<ViewServer> viewer;
  TempTraceFile temp_trace;
  std::string trace_path = f.trace;
  if (f.ui) {
    std::string source = f.trace;
    if (source.empty()) {
      source = "rumor sim";
      for (const std::string& a : recorded_args(f.args))
        source += " " + a;
    }
    viewer = std::make_unique<ViewServer>(source);
    if (Status s = viewer->bind(f.listen.empty() ? kDefaultViewListen : f.listen); !s.is_ok()) {
      return bad_input(s.message());
    }
    if (trace_path.empty()) {
      if (Status s = temp_trace.create(); !s.is_ok()) return bad_input("--ui: " + s.message());
      trace_path = temp_trace.path();
    }
  }
  std::ofstream trace_file;
  std::unique_ptr<sim::TraceSink> trace;
  if (!trace_path.empty()) {
    trace_file.open(trace_path, std::ios::binary | std::ios::trunc);
    if (!trace_file) return bad_input("--trace: cannot write '" + trace_path + "'");
    trace = std::make_unique<sim::TraceSink>(trace_file);
    trace->set_args(recorded_args(f.args));
  }

  ProgressBar progress("rumor sim");
  sim::RunOptions options;
  options.trace = trace.get();
  options.progress = &progress;
  options.wire = f.wire;
  const SimRuns runs =
      run_simulations(config, f.seeds, options,
                      [&progress](const std::string& label) { progress.set_label(label); });
  progress.finish();
  if (!runs.error.empty()) {
    std::fprintf(stderr, "rumor sim: %s\n", runs.error.c_str());
    return 2;
  }

  int status = 0;
  if (config.protocol == sim::Protocol::kSwim) {
    status = report_swim_runs(config, f, format, runs.swim);
  } else if (config.protocol == sim::Protocol::kHeartbeat) {
    std::cout << (format == sim::Format::kJson
                      ? sim::format_heartbeat_json(runs.heartbeat)
                      : sim::format_heartbeat_table(config, runs.heartbeat));
  } else {
    switch (format) {
      case sim::Format::kTable:
        std::cout << sim::format_table(config, runs.gossip);
        break;
      case sim::Format::kJson:
        std::cout << sim::format_json(runs.gossip);
        break;
      case sim::Format::kCsv:
        std::cout << sim::format_csv(runs.gossip);
        break;
    }
  }
  std::cout.flush();
  if (!f.plot.empty()) {
    std::ofstream plot(f.plot, std::ios::binary | std::ios::trunc);
    plot << sim::render_svg(sim::informed_plot(config, runs.gossip));
    if (!plot) {
      std::fprintf(stderr, "rumor sim: --plot: cannot write '%s'\n", f.plot.c_str());
      return 1;
    }
    if (format == sim::Format::kTable) std::cout << "\nplot written to " << f.plot << '\n';
  }
  if (trace) {
    trace_file.close();
    if (!trace_file) {
      std::fprintf(stderr, "rumor sim: --trace: write to '%s' failed\n", trace_path.c_str());
      return 1;
    }
  }
  if (!viewer) return status;
  if (Status s = viewer->add_trace(trace_path); !s.is_ok()) {
    std::fprintf(stderr, "rumor sim: --ui: %s\n", s.message().c_str());
    return 1;
  }
  serve_until_signal(*viewer, trace_path);
  return status;
}

Result<ParsedSim> parse_sim_args(const std::vector<std::string>& args) {
  CLI::App app{"rumor"};
  ParsedSim parsed;
  CLI::App* sub = add_sim_command(app, parsed.flags);
  parsed.flags.args = {"sim"};
  parsed.flags.args.insert(parsed.flags.args.end(), args.begin(), args.end());
  // CLI11 takes a vector of arguments last to first.
  std::vector<std::string> reversed(parsed.flags.args.rbegin(), parsed.flags.args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return Status::error("--help: not available here");
  } catch (const CLI::ParseError& e) {
    return Status::error(e.what());
  }
  auto config = sim_config_from(*sub, parsed.flags);
  if (!config) return config.status();
  parsed.config = std::move(*config);
  return parsed;
}

SimRuns run_simulations(const sim::SimConfig& config, uint32_t seeds,
                        const sim::RunOptions& options,
                        const std::function<void(const std::string&)>& starting) {
  SimRuns runs;
  if (config.protocol == sim::Protocol::kSwim) {
    for (uint32_t k = 0; k < seeds; ++k) {
      sim::SimConfig run_config = config;
      run_config.seed = config.seed + k;
      if (starting) starting("swim seed " + std::to_string(run_config.seed));
      runs.swim.push_back(sim::run_swim(run_config, options));
      if (!runs.swim.back().error.empty()) {
        runs.error = "seed " + std::to_string(run_config.seed) + ": " + runs.swim.back().error;
        return runs;
      }
    }
    return runs;
  }
  for (core::GossipMode mode : config.modes) {
    for (uint32_t k = 0; k < seeds; ++k) {
      sim::SimConfig run_config = config;
      run_config.seed = config.seed + k;
      if (starting) {
        starting(std::string(core::gossip_mode_name(mode)) + " seed " +
                 std::to_string(run_config.seed));
      }
      if (config.protocol == sim::Protocol::kHeartbeat) {
        runs.heartbeat.push_back(sim::run_heartbeat(run_config, mode, options));
      } else {
        runs.gossip.push_back(sim::run_gossip(run_config, mode, options));
      }
    }
  }
  return runs;
}

}  // namespace rumor::cli
