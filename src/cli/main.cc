// The `rumor` command: one binary, one subcommand per job (sim now; agent and friends later).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "cli/sim_command.h"

int main(int argc, char** argv) {
  CLI::App app{"rumor: a gossip-protocol toolkit (membership, dissemination, simulation)"};
  app.require_subcommand(1);
  rumor::cli::SimFlags sim_flags;
  CLI::App* sim = rumor::cli::add_sim_command(app, sim_flags);
  for (int i = 1; i < argc; ++i)
    sim_flags.args.emplace_back(argv[i]);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    // CLI11 raises CallForHelp from the subcommand too; show that subcommand's help.
    if (e.get_name() == "CallForHelp") {
      std::fputs(sim->help().c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "rumor: %s\n", e.what());
    return 2;
  }
  if (sim->parsed()) return rumor::cli::run_sim_command(*sim, sim_flags);
  return 2;
}
