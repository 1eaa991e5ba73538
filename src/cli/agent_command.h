// `rumor agent`: runs the daemon (agent/agent.h) in the foreground until it leaves.
//
// Precedence: built-in defaults, then --config FILE (JSON, agent/config.h), then the flags given
// on the command line (--join and --tag add to the file's). Everything is validated before any
// socket opens: a bad flag, config field, a port in use, an unresolvable join address (without
// --retry-join) each print one line, "rumor agent: <what and why>", and exit 1 (2 for usage).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "agent/config.h"

namespace rumor::cli {

struct AgentFlags {
  agent::AgentConfig config;
  std::string config_file;
  std::vector<std::string> join;
  std::vector<std::string> tags;
  std::vector<std::string> event_handlers;
};

CLI::App* add_agent_command(CLI::App& app, AgentFlags& flags);
int run_agent_command(CLI::App& cmd, AgentFlags& flags);

}  // namespace rumor::cli
