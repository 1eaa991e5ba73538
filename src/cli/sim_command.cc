#include "cli/sim_command.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <vector>

#include "cli/progress.h"
#include "sim/names.h"
#include "sim/report.h"
#include "sim/scenario.h"

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
  if (given(sub, "--crash")) {
    c.crashes.clear();
    for (const std::string& text : f.crash) {
      sim::Crash cr;
      if (Status s = parse_node_at("--crash", text, cr.node, cr.at); !s.is_ok()) return s;
      c.crashes.push_back(cr);
    }
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

// Flags given on the command line override the scenario and the defaults.
Status apply_flags(CLI::App& sub, const SimFlags& f, sim::SimConfig& c) {
  if (given(sub, "--protocol")) {
    const auto p = sim::parse_protocol(f.protocol);
    if (!p)
      return Status::error("--protocol: unknown '" + f.protocol + "' (allowed: gossip, heartbeat)");
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
  return apply_heartbeat_flags(sub, f, c);
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("cannot read '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::error("cannot read '" + path + "'");
  return ss.str();
}

}  // namespace

CLI::App* add_sim_command(CLI::App& app, SimFlags& f) {
  CLI::App* s = app.add_subcommand("sim", "Simulate gossip on a virtual cluster (deterministic)");
  s->add_option("--scenario", f.scenario, "JSON scenario file (see docs/scenarios/README.md)");
  s->add_option("--protocol", f.protocol, "gossip (spread one update) | heartbeat (membership)");
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
  s->add_option("--crash", f.crash, "crash NODE at ROUND: NODE@ROUND (repeatable)");
  s->add_option("--leave", f.leave, "heartbeat: NODE leaves gracefully at ROUND: NODE@ROUND");
  s->add_option("--format", f.format, "table | json | csv (default table)");
  s->add_option("--trace", f.trace, "write every state change to FILE (JSON lines)");
  s->add_option("--plot", f.plot, "write the informed-fraction curves to FILE.svg");
  s->add_flag("--wire", f.wire, "encode and decode every message (checks the codec in the loop)");
  return s;
}

int run_sim_command(CLI::App& sub, const SimFlags& f) {
  sim::SimConfig config;
  if (!f.scenario.empty()) {
    auto text = read_file(f.scenario);
    if (!text) return bad_input("--scenario: " + text.message());
    Status s = sim::apply_scenario_json(*text, config);
    if (!s.is_ok()) return bad_input(f.scenario + ": " + s.message());
  }
  if (Status s = apply_flags(sub, f, config); !s.is_ok()) return bad_input(s.message());
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
  std::ofstream trace_file;
  std::unique_ptr<sim::TraceSink> trace;
  if (!f.trace.empty()) {
    trace_file.open(f.trace, std::ios::binary | std::ios::trunc);
    if (!trace_file) return bad_input("--trace: cannot write '" + f.trace + "'");
    trace = std::make_unique<sim::TraceSink>(trace_file);
  }

  if (config.protocol == sim::Protocol::kHeartbeat) {
    if (format == sim::Format::kCsv)
      return bad_input("--format csv: the heartbeat protocol prints table or json");
    if (!f.plot.empty())
      return bad_input("--plot: the heartbeat protocol has no informed curve to plot");
  }
  std::vector<sim::RunResult> runs;
  std::vector<sim::HeartbeatResult> heartbeat_runs;
  ProgressBar progress("rumor sim");
  for (core::GossipMode mode : config.modes) {
    for (uint32_t k = 0; k < f.seeds; ++k) {
      sim::SimConfig run_config = config;
      run_config.seed = config.seed + k;
      progress.set_label(std::string(core::gossip_mode_name(mode)) + " seed " +
                         std::to_string(run_config.seed));
      sim::RunOptions options;
      options.trace = trace.get();
      options.progress = &progress;
      options.wire = f.wire;
      if (config.protocol == sim::Protocol::kHeartbeat) {
        heartbeat_runs.push_back(sim::run_heartbeat(run_config, mode, options));
      } else {
        runs.push_back(sim::run_gossip(run_config, mode, options));
      }
    }
  }
  progress.finish();

  if (config.protocol == sim::Protocol::kHeartbeat) {
    std::cout << (format == sim::Format::kJson
                      ? sim::format_heartbeat_json(heartbeat_runs)
                      : sim::format_heartbeat_table(config, heartbeat_runs));
  } else {
    switch (format) {
      case sim::Format::kTable:
        std::cout << sim::format_table(config, runs);
        break;
      case sim::Format::kJson:
        std::cout << sim::format_json(runs);
        break;
      case sim::Format::kCsv:
        std::cout << sim::format_csv(runs);
        break;
    }
  }
  std::cout.flush();
  if (!f.plot.empty()) {
    std::ofstream plot(f.plot, std::ios::binary | std::ios::trunc);
    plot << sim::render_svg(sim::informed_plot(config, runs));
    if (!plot) {
      std::fprintf(stderr, "rumor sim: --plot: cannot write '%s'\n", f.plot.c_str());
      return 1;
    }
    if (format == sim::Format::kTable) std::cout << "\nplot written to " << f.plot << '\n';
  }
  if (trace) {
    trace_file.flush();
    if (!trace_file) {
      std::fprintf(stderr, "rumor sim: --trace: write to '%s' failed\n", f.trace.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace rumor::cli
