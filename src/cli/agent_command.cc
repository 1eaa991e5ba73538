#include "cli/agent_command.h"

#include <csignal>
#include <cstdio>

#include "agent/agent.h"
#include "agent/log.h"

namespace rumor::cli {

CLI::App* add_agent_command(CLI::App& app, AgentFlags& f) {
  CLI::App* cmd = app.add_subcommand(
      "agent", "Run a cluster member: SWIM over UDP/TCP (memberlist's wire format), HTTP API");
  agent::AgentConfig& c = f.config;
  cmd->add_option("--config", f.config_file, "JSON config file (flags override it)");
  cmd->add_option("--node", c.node, "This member's name (default: the host name)");
  cmd->add_option("--bind", c.bind, "Gossip address ADDR:PORT, UDP and TCP (default 0.0.0.0:7946)");
  cmd->add_option("--advertise", c.advertise, "Address other members use to reach this one");
  cmd->add_option("--join", f.join, "Seed to join at start, ADDR or HOST:PORT (repeatable)");
  cmd->add_flag("--retry-join", c.retry_join, "Keep retrying the join, with backoff");
  cmd->add_option("--retry-join-max", c.retry_join_max,
                  "With --retry-join: attempts before giving up (0: forever)");
  cmd->add_option("--tag", f.tags, "A tag KEY=VALUE (repeatable)");
  cmd->add_option("--profile", c.profile, "Timing profile: lan, wan or local (default lan)");
  cmd->add_option("--http", c.http, "HTTP API address (default 127.0.0.1:8946)");
  cmd->add_option("--snapshot", c.snapshot, "Snapshot file: rejoin by itself after a restart");
  cmd->add_option("--log-level", c.log_level, "debug, info, warn or error (default info)");
  cmd->add_flag("--log-json", c.log_json, "Log one JSON object per line");
  cmd->add_option("--reconnect-interval", c.reconnect_interval_s,
                  "Seconds between attempts to reach failed members (default 30)");
  cmd->add_option("--reconnect-timeout", c.reconnect_timeout_s,
                  "Seconds before a failed member is given up (default 86400)");
  cmd->add_option("--leave-timeout", c.leave_timeout_s,
                  "Longest wait for a leave to spread before exiting, seconds (default 5)");
  cmd->add_option("--encrypt", c.encrypt, "Encryption key, base64 (see `rumor keygen`)");
  cmd->add_option("--keyring-file", c.keyring_file,
                  "Keyring file (JSON array of base64 keys, primary first), kept up to date");
  cmd->add_option("--label", c.label, "Label every packet and stream (memberlist >= 0.3)");
  cmd->add_flag("--disable-compression", c.disable_compression, "Do not LZW-compress gossip");
  cmd->add_option("--rpc", c.rpc,
                  "Serf RPC address for the `serf` CLI (default 127.0.0.1:7373; \"\" = off)");
  cmd->add_option("--rpc-auth", c.rpc_auth, "Key RPC clients must give (serf -rpc-auth)");
  cmd->add_option("--event-handler", f.event_handlers,
                  "Script run per event, [FILTER=]SCRIPT as Serf's (repeatable)");
  return cmd;
}

namespace {

// Defaults, then the file, then only the flags that were given.
Status build_config(CLI::App& cmd, AgentFlags& f, agent::AgentConfig& out) {
  out = agent::AgentConfig{};
  if (!f.config_file.empty()) {
    if (Status s = agent::load_config_file(f.config_file, out); !s) return s;
  }
  const agent::AgentConfig& flags = f.config;
  auto given = [&cmd](const char* name) { return cmd.get_option(name)->count() > 0; };
  if (given("--node")) out.node = flags.node;
  if (given("--bind")) out.bind = flags.bind;
  if (given("--advertise")) out.advertise = flags.advertise;
  if (given("--retry-join")) out.retry_join = flags.retry_join;
  if (given("--retry-join-max")) out.retry_join_max = flags.retry_join_max;
  if (given("--profile")) out.profile = flags.profile;
  if (given("--http")) out.http = flags.http;
  if (given("--snapshot")) out.snapshot = flags.snapshot;
  if (given("--log-level")) out.log_level = flags.log_level;
  if (given("--log-json")) out.log_json = flags.log_json;
  if (given("--reconnect-interval")) out.reconnect_interval_s = flags.reconnect_interval_s;
  if (given("--reconnect-timeout")) out.reconnect_timeout_s = flags.reconnect_timeout_s;
  if (given("--leave-timeout")) out.leave_timeout_s = flags.leave_timeout_s;
  if (given("--encrypt")) out.encrypt = flags.encrypt;
  if (given("--keyring-file")) out.keyring_file = flags.keyring_file;
  if (given("--label")) out.label = flags.label;
  if (given("--disable-compression")) out.disable_compression = flags.disable_compression;
  if (given("--rpc")) out.rpc = flags.rpc;
  if (given("--rpc-auth")) out.rpc_auth = flags.rpc_auth;
  out.event_handlers.insert(out.event_handlers.end(), f.event_handlers.begin(),
                            f.event_handlers.end());
  out.join.insert(out.join.end(), f.join.begin(), f.join.end());
  for (const auto& t : f.tags) {
    if (Status s = agent::parse_tag(t, out.flag_tags); !s) return s;
  }
  for (const auto& [k, v] : out.flag_tags)
    out.tags[k] = v;
  return agent::validate(out);
}

}  // namespace

int run_agent_command(CLI::App& cmd, AgentFlags& f) {
  agent::AgentConfig config;
  if (Status s = build_config(cmd, f, config); !s) {
    std::fprintf(stderr, "rumor agent: %s\n", s.message().c_str());
    return 2;
  }
  // A peer that closes a connection while we write must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  agent::Log log(config.log_level, config.log_json);
  auto agent = agent::Agent::start(config, log);
  if (!agent) {
    std::fprintf(stderr, "rumor agent: %s\n", agent.message().c_str());
    return 1;
  }
  if (Status s = (*agent)->run(); !s) {
    std::fprintf(stderr, "rumor agent: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace rumor::cli
