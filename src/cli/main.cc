// The `rumor` command: one binary, one subcommand per job: `agent` (a cluster member), the
// clients that talk to an agent's HTTP API (`members`, `join`, `leave`, `info`, `monitor`),
// `demo` (a five-agent cluster on loopback, killed and healed), `sim` (the simulator) and `view`
// (a simulator trace in the browser).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "cli/agent_command.h"
#include "cli/client_command.h"
#include "cli/demo_command.h"
#include "cli/sim_command.h"
#include "cli/view_command.h"

namespace {

// The subcommand the user named, for its --help.
const CLI::App* parsed_subcommand(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->parsed()) return sub;
  }
  return &app;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rumor: a gossip-protocol toolkit (membership, dissemination, simulation)"};
  app.require_subcommand(1);
  rumor::cli::AgentFlags agent_flags;
  CLI::App* agent = rumor::cli::add_agent_command(app, agent_flags);
  rumor::cli::ClientFlags client_flags;
  rumor::cli::add_client_commands(app, client_flags);
  rumor::cli::DemoFlags demo_flags;
  CLI::App* demo = rumor::cli::add_demo_command(app, demo_flags);
  rumor::cli::SimFlags sim_flags;
  CLI::App* sim = rumor::cli::add_sim_command(app, sim_flags);
  rumor::cli::ViewFlags view_flags;
  CLI::App* view = rumor::cli::add_view_command(app, view_flags);
  for (int i = 1; i < argc; ++i)
    sim_flags.args.emplace_back(argv[i]);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(parsed_subcommand(app)->help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    // CLI11 raises CallForHelp from a subcommand as a ParseError; show that subcommand's help.
    if (e.get_name() == "CallForHelp") {
      std::fputs(parsed_subcommand(app)->help().c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "rumor: %s\n", e.what());
    return 2;
  }
  if (sim->parsed()) return rumor::cli::run_sim_command(*sim, sim_flags);
  if (view->parsed()) return rumor::cli::run_view_command(view_flags);
  if (agent->parsed()) return rumor::cli::run_agent_command(*agent, agent_flags);
  if (demo->parsed()) return rumor::cli::run_demo_command(demo_flags);
  return rumor::cli::run_client_command(client_flags);
}
