// What every client command shares: which agent to talk to (--http, else $RUMOR_HTTP_ADDR, else
// 127.0.0.1:8946), one JSON request whose every failure becomes one line naming the command,
// and text from the agent made safe for a terminal (the agent's answers are untrusted input).
#pragma once

#include <httplib.h>

#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "cli/client_command.h"

namespace rumor::cli {

using json = nlohmann::json;

inline constexpr time_t kConnectTimeoutS = 3;
inline constexpr time_t kReadTimeoutS = 10;
// A graceful leave waits for its message to spread before the agent answers.
inline constexpr time_t kLeaveReadTimeoutS = 30;
// The event stream is quiet while the cluster is; only a dead connection ends it.
inline constexpr time_t kMonitorReadTimeoutS = 24 * 3600;

// The agent's address and the command the messages are about.
struct Target {
  std::string command;  // "rumor members"
  std::string addr;     // as given: "127.0.0.1:8946"
  std::string host;
  int port = 0;
};

// Text from the agent, made safe for one line of a terminal: control characters become spaces
// and a long text is cut.
std::string one_line(std::string_view text, size_t max = 300);
// "command: message" on stderr; returns `status`.
int print_error(const std::string& command, const std::string& message, int status);
// The agent the flags (or the environment) name; the error names the flag.
Result<Target> target_of(const ClientFlags& f, const std::string& command);
std::string transport_error(const Target& t, httplib::Error e, time_t read_timeout_s);
std::unique_ptr<httplib::Client> client_for(const Target& t, time_t read_timeout_s);
std::string http_error(const Target& t, int status, const std::string& body);
std::string malformed(const Target& t, const std::string& what);
Result<json> parse_json(const Target& t, const std::string& body);
// One request whose 2xx answer is a JSON object; anything else is an error line.
Result<json> call(const Target& t, const std::string& method, const std::string& path,
                  const json* body = nullptr, time_t read_timeout_s = kReadTimeoutS);
// A JSON scalar as text: a string as is, anything else as JSON.
std::string scalar_text(const json& v);

// The Serf commands (serf_commands.cc): event, query, force-leave, rtt, keys, keygen.
int run_event(const ClientFlags& f, const Target& t);
int run_query(const ClientFlags& f, const Target& t);
int run_force_leave(const ClientFlags& f, const Target& t);
int run_rtt(const ClientFlags& f, const Target& t);
int run_keys(const ClientFlags& f, const Target& t);
int run_keygen();

}  // namespace rumor::cli
