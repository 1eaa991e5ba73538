// `rumor sim`: flags and JSON scenarios in, simulation runs out (table, JSON or CSV, a trace and
// an SVG plot on request).
//
// Order of precedence: built-in defaults, then the scenario file (--scenario), then each flag
// given on the command line. The whole configuration is validated before anything runs, so a bad
// flag or scenario prints one line naming it and exits 2 with no partial output.
//
// --protocol swim (sim/swim_world.h) takes its own flags: --duration (120s, 120, 2m, 500ms, 1h),
// --profile lan|wan|local, --lifeguard on|off, --indirect-checks K, --start formed|join,
// --join-stagger-ms MS, --crash K (K members drawn from the seed, crashed at --crash-at, 30s by
// default; NODE@SECONDS still names one), --slow K with --slow-delay-ms MS, --reconnect (Serf's
// reconnect interval, 0 off). Flags of the other protocols are refused with it, and swim's with
// them; --wire changes nothing for swim, whose nodes always exchange encoded bytes. A swim run
// whose checkers report violations prints them (stderr: the seed and the command line that replays
// it) and exits 3.
//
// --ui [--listen ADDR] serves the run's trace to the viewer afterwards (view_command.h), exactly
// as `rumor view` does; the trace goes to --trace FILE, or to a temporary file removed at exit.
// The viewer's POST /api/sim (view_server.h) parses its arguments with parse_sim_args() and runs
// them with run_simulations(), so a flag means the same thing, and is refused with the same
// words, in both places.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "sim/gossip_world.h"
#include "sim/heartbeat_world.h"
#include "sim/sim_config.h"
#include "sim/swim_world.h"

namespace rumor::cli {

struct SimFlags {
  std::string scenario;
  std::string protocol;
  uint32_t nodes = 0;
  std::string mode;
  std::string compare;
  std::string reconcile;
  uint32_t fanout = 0;
  uint64_t seed = 0;
  uint32_t seeds = 1;
  std::string timing;
  double loss = 0;
  double duplicate = 0;
  std::string latency;
  double interval_ms = 0;
  double jitter = 0;
  std::string peer_selection;
  uint32_t max_rounds = 0;
  uint32_t origin = 0;
  uint32_t max_message_bytes = 0;
  std::string rumor_stop;
  uint32_t rumor_k = 0;
  uint32_t antientropy_every = 0;
  std::string detector;
  double phi_threshold = 0;
  uint32_t suspect_after = 0;
  uint32_t dead_after = 0;
  double phi_dead_after_ms = 0;
  std::vector<std::string> crash;
  std::vector<std::string> leave;
  // Swim.
  std::string duration;
  std::string profile;
  std::string lifeguard;
  std::string tcp_pings;
  std::string eager_gossip;
  uint32_t indirect_checks = 0;
  std::string start;
  double join_stagger_ms = 0;
  uint32_t slow = 0;
  double slow_delay_ms = 0;
  std::string crash_at;
  std::string reconnect;
  // The command line as given (after "rumor"), for the replay line of a failed check.
  std::vector<std::string> args;
  std::string format = "table";
  std::string trace;
  std::string plot;
  bool wire = false;
  bool ui = false;
  std::string listen;
};

// Registers the `sim` subcommand on `app`, filling `flags`.
CLI::App* add_sim_command(CLI::App& app, SimFlags& flags);
// Runs it; returns the process exit status (0 ok, 1 I/O failure, 2 bad input, 3 a swim checker
// found a violation).
int run_sim_command(CLI::App& sub, const SimFlags& flags);

// What `rumor sim ARGS` describes (ARGS: the arguments after "sim"): its flags, and the
// configuration they make (defaults, then --scenario, then the flags). The error is the text the
// command line prints after "rumor sim: " (or after "rumor: " for a flag CLI11 itself refuses).
// Not validated yet: a caller may add to the configuration (the viewer's fault plan) first.
struct ParsedSim {
  SimFlags flags;
  sim::SimConfig config;
};
Result<ParsedSim> parse_sim_args(const std::vector<std::string>& args);

// Every run a validated configuration asks for, in the command line's order: each mode of
// config.modes for seeds seed .. seed + seeds - 1 (gossip, heartbeat), or each seed (swim).
// `options` is handed to every run; `starting` (may be empty) is told each run's label first.
// The error names the seed of a swim run that could not start; the runs before it are kept.
struct SimRuns {
  std::vector<sim::RunResult> gossip;
  std::vector<sim::HeartbeatResult> heartbeat;
  std::vector<sim::SwimResult> swim;
  std::string error;
};
SimRuns run_simulations(const sim::SimConfig& config, uint32_t seeds,
                        const sim::RunOptions& options,
                        const std::function<void(const std::string&)>& starting);

}  // namespace rumor::cli
