// AgentConfig: everything `rumor agent` is told, from built-in defaults, then a JSON config file
// (--config FILE), then command-line flags (flags win; --join and --tag add to the file's).
//
// The JSON file is an object with these keys, each optional: node, bind, advertise, join
// (array of addresses), retry_join (bool), retry_join_max (attempts, 0 = forever), tags
// (object of strings), profile ("lan" | "wan" | "local"), http, snapshot, log_level ("debug" |
// "info" | "warn" | "error"), log_json (bool), reconnect_interval (seconds), reconnect_timeout
// (seconds), leave_timeout (seconds), encrypt (base64 key), keyring_file, label,
// disable_compression (bool), rpc, rpc_auth, event_handlers (array of "[FILTER=]SCRIPT").
// An unknown key, a wrong type or a value out of range is a
// tier-2 error naming the file, the field and what is allowed; nothing half-loaded is used.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "core/wire/serf_tags.h"

namespace rumor::agent {

struct AgentConfig {
  std::string node;  // empty: the machine's host name
  std::string bind = "0.0.0.0:7946";
  std::string advertise;  // empty: the bind address, or a private IP when bound to 0.0.0.0
  std::vector<std::string> join;
  bool retry_join = false;
  uint32_t retry_join_max = 0;  // with retry_join: attempts before giving up, 0 = forever
  core::wire::Tags tags;
  std::string profile = "lan";
  std::string http = "127.0.0.1:8946";
  std::string snapshot;  // empty: none
  std::string log_level = "info";
  bool log_json = false;
  double reconnect_interval_s = 30;    // Serf's ReconnectInterval
  double reconnect_timeout_s = 86400;  // Serf's ReconnectTimeout: forget a failed member
  double leave_timeout_s = 5;          // longest wait for a leave to spread before exiting
  // Serf's -encrypt (a base64 key) and -keyring-file (a JSON array of base64 keys, primary
  // first; it wins over encrypt once it exists, and is rewritten when the keys change).
  std::string encrypt;
  std::string keyring_file;
  std::string label;                        // memberlist >= 0.3.0's label; empty: none
  bool disable_compression = false;         // Serf's -disable-compression
  std::string rpc = "127.0.0.1:7373";       // Serf's RPC listener (the `serf` CLI talks to it)
  std::string rpc_auth;                     // Serf's -rpc-auth: the key RPC clients must give
  std::vector<std::string> event_handlers;  // Serf's -event-handler [FILTER=]SCRIPT
  std::string config_file;                  // where the file settings came from (SIGHUP re-reads)
  core::wire::Tags flag_tags;               // tags given as flags: they win over the file's
};

constexpr uint16_t kDefaultGossipPort = 7946;
constexpr uint16_t kDefaultHttpPort = 8946;
constexpr uint16_t kDefaultRpcPort = 7373;

// Reads `path` over `into`: fields present in the file replace, join and tags merge.
Status load_config_file(const std::string& path, AgentConfig& into);
// Only the tags of a config file (SIGHUP reload).
Result<core::wire::Tags> load_config_tags(const std::string& path);
// Checks every field a person could get wrong, with the allowed values in the message.
Status validate(const AgentConfig& c);
// "KEY=VALUE" into the map; the error names the bad argument.
Status parse_tag(const std::string& arg, core::wire::Tags& into);

}  // namespace rumor::agent
