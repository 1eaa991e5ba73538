// The client commands: `rumor members`, `rumor join`, `rumor leave`, `rumor info`,
// `rumor monitor`, `rumor event`, `rumor query`, `rumor force-leave`, `rumor rtt` and
// `rumor keys`, each a thin HTTP/JSON
// client of a running `rumor agent` (the agent's API: GET /v1/members, GET /v1/self,
// POST /v1/join, POST /v1/leave, POST /v1/event, POST /v1/query, POST /v1/force-leave,
// POST /v1/keys, GET /v1/coordinate, GET /v1/events as text/event-stream), and `rumor keygen`. They
// follow `serf members` & co.: a table for people, JSON on request.
//
// Every command talks to the agent named by --http ADDR, else $RUMOR_HTTP_ADDR, else
// 127.0.0.1:8946. Exit status: 0 done; 1 the agent is missing, refused the request, answered
// something that is not the documented JSON, or (join) no seed answered; 2 bad input (a flag's
// value), reported before any request is made. Every failure is one line on stderr naming the
// command, never a crash: the agent's answers are untrusted input.
//
// Ownership: main.cc owns the ClientFlags; add_client_commands() fills the subcommand pointers in
// it, and run_client_command() runs the one that was parsed.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace rumor::cli {

struct ClientFlags {
  std::string http;  // empty: $RUMOR_HTTP_ADDR, then 127.0.0.1:8946
  // members
  std::string status;
  std::vector<std::string> tags;  // K=V
  std::string format;             // members: table|json; info: text|json
  // join
  std::vector<std::string> addresses;
  // monitor
  std::vector<std::string> types;  // event types, each may be a comma-separated list
  // event, query, force-leave
  std::string name;   // the event's, query's or member's name
  std::string other;  // rtt: the second member
  std::string payload;
  bool coalesce = true;
  std::vector<std::string> nodes;  // query: --node
  double timeout_s = 0;            // query: 0 = the agent's default
  bool no_ack = false;
  bool prune = false;
  // keys
  std::string install_key, use_key, remove_key;
  bool list = false;
  // The subcommands, set by add_client_commands().
  CLI::App* members = nullptr;
  CLI::App* join = nullptr;
  CLI::App* leave = nullptr;
  CLI::App* info = nullptr;
  CLI::App* monitor = nullptr;
  CLI::App* event = nullptr;
  CLI::App* query = nullptr;
  CLI::App* force_leave = nullptr;
  CLI::App* rtt = nullptr;
  CLI::App* keys = nullptr;
  CLI::App* keygen = nullptr;  // needs no agent
};

// Registers the client commands on `app`, filling `flags`; returns the
// subcommands (for main.cc's help and dispatch).
std::vector<CLI::App*> add_client_commands(CLI::App& app, ClientFlags& flags);
// Runs whichever of them was parsed; returns the exit status (2 when none was).
int run_client_command(const ClientFlags& flags);

// One member as GET /v1/members reports it (shared with `rumor demo`, which polls it).
struct AgentMember {
  std::string name;
  std::string address;
  std::string status;  // alive | suspect | failed | left (kept as sent)
  std::map<std::string, std::string> tags;
};

// Parses a /v1/members body; an error names what is malformed. Unknown fields are ignored.
Result<std::vector<AgentMember>> parse_members(const std::string& body);

}  // namespace rumor::cli
