// `rumor sim`: flags and JSON scenarios in, simulation runs out (table, JSON or CSV, a trace and
// an SVG plot on request).
//
// Order of precedence: built-in defaults, then the scenario file (--scenario), then each flag
// given on the command line. The whole configuration is validated before anything runs, so a bad
// flag or scenario prints one line naming it and exits 2 with no partial output.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

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
  std::string format = "table";
  std::string trace;
  std::string plot;
  bool wire = false;
};

// Registers the `sim` subcommand on `app`, filling `flags`.
CLI::App* add_sim_command(CLI::App& app, SimFlags& flags);
// Runs it; returns the process exit status (0 ok, 1 I/O failure, 2 bad input).
int run_sim_command(CLI::App& sub, const SimFlags& flags);

}  // namespace rumor::cli
