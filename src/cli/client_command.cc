// The client commands (client_command.h): flags, one HTTP request to the agent, and the
// agent's JSON turned into a table, key: value lines, JSON, or one line per event.
#include "cli/client_command.h"

#include <httplib.h>
#include <netdb.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <sstream>
#include <string_view>
#include <utility>

namespace rumor::cli {
namespace {

using json = nlohmann::json;

constexpr const char* kDefaultHttp = "127.0.0.1:8946";
constexpr const char* kHttpEnv = "RUMOR_HTTP_ADDR";
constexpr int kDefaultHttpPort = 8946;
constexpr time_t kConnectTimeoutS = 3;
constexpr time_t kReadTimeoutS = 10;
// A graceful leave waits for its message to spread before the agent answers.
constexpr time_t kLeaveReadTimeoutS = 30;
// The event stream is quiet while the cluster is; only a dead connection ends it.
constexpr time_t kMonitorReadTimeoutS = 24 * 3600;
constexpr size_t kMaxErrorBody = 4096;
constexpr size_t kMaxSseLine = 1 << 20;

constexpr std::array<const char*, 4> kStatuses = {"alive", "suspect", "failed", "left"};
constexpr std::array<const char*, 7> kEventTypes = {
    "member-join",   "member-update", "member-suspect", "member-alive",
    "member-failed", "member-leave",  "member-reap"};

std::string joined(std::span<const char* const> values) {
  std::string s;
  for (const char* v : values)
    s += (s.empty() ? "" : ", ") + std::string(v);
  return s;
}

bool is_one_of(const std::string& value, std::span<const char* const> values) {
  return std::any_of(values.begin(), values.end(), [&](const char* v) { return value == v; });
}

// Text from the agent, made safe for one line of a terminal: control characters become spaces
// and a long text is cut.
std::string one_line(std::string_view text, size_t max = 300) {
  std::string s;
  for (char c : text.substr(0, max))
    s += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  if (text.size() > max) s += "...";
  return s;
}

// The agent's address and the command the messages are about.
struct Target {
  std::string command;  // "rumor members"
  std::string addr;     // as given: "127.0.0.1:8946"
  std::string host;
  int port = 0;
};

int print_error(const std::string& command, const std::string& message, int status) {
  std::fprintf(stderr, "%s: %s\n", command.c_str(), message.c_str());
  return status;
}

Status parse_port(const std::string& text, int& port) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
    return Status::error("bad port");
  port = std::stoi(text);
  return port >= 1 && port <= 65535 ? Status::ok() : Status::error("bad port");
}

// "host:port", "[v6]:port", "host" (port 8946) or a bare IPv6 address, optionally after
// "http://".
Status parse_http_addr(const std::string& text, Target& t) {
  const std::string bad = "expected HOST:PORT (e.g. 127.0.0.1:8946), got '" + one_line(text) + "'";
  std::string s = text.rfind("http://", 0) == 0 ? text.substr(7) : text;
  if (!s.empty() && s.back() == '/') s.pop_back();
  if (s.empty() || s.find_first_of("/ ") != std::string::npos) return Status::error(bad);
  t.port = kDefaultHttpPort;
  size_t port_at = std::string::npos;
  if (s[0] == '[') {
    const size_t close = s.find(']');
    if (close == std::string::npos || close == 1) return Status::error(bad);
    if (close + 1 < s.size() && s[close + 1] != ':') return Status::error(bad);
    t.host = s.substr(1, close - 1);
    if (close + 1 < s.size()) port_at = close + 2;
  } else if (std::count(s.begin(), s.end(), ':') == 1) {
    t.host = s.substr(0, s.find(':'));
    port_at = s.find(':') + 1;
  } else {
    t.host = s;
  }
  if (t.host.empty()) return Status::error(bad);
  if (port_at != std::string::npos && !parse_port(s.substr(port_at), t.port).is_ok())
    return Status::error(bad);
  return Status::ok();
}

// --http, else $RUMOR_HTTP_ADDR, else the default.
Result<Target> target_of(const ClientFlags& f, const std::string& command) {
  Target t;
  t.command = command;
  std::string flag = "--http";
  t.addr = f.http;
  if (t.addr.empty()) {
    const char* env = std::getenv(kHttpEnv);
    t.addr = (env != nullptr && *env != '\0') ? env : kDefaultHttp;
    flag = (env != nullptr && *env != '\0') ? kHttpEnv : "--http";
  }
  if (Status s = parse_http_addr(t.addr, t); !s.is_ok())
    return Status::error(flag + ": " + s.message());
  return t;
}

bool resolvable(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (found != nullptr) freeaddrinfo(found);
  return rc == 0;
}

// Why a request got no answer, as one line.
std::string transport_error(const Target& t, httplib::Error e, time_t read_timeout_s) {
  const std::string hint = "; start one with 'rumor agent' or pass --http";
  switch (e) {
    case httplib::Error::Connection:
      if (!resolvable(t.host)) return "cannot resolve the agent's host '" + one_line(t.host) + "'";
      return "no agent at " + t.addr + " (connection refused)" + hint;
    case httplib::Error::ConnectionTimeout:
      return "no agent at " + t.addr + " (no answer within " + std::to_string(kConnectTimeoutS) +
             "s)" + hint;
    case httplib::Error::Read:
      return "the agent at " + t.addr + " did not answer (connection closed, or nothing within " +
             std::to_string(read_timeout_s) + "s)";
    default:
      return "request to the agent at " + t.addr + " failed (" + httplib::to_string(e) + ")";
  }
}

std::unique_ptr<httplib::Client> client_for(const Target& t, time_t read_timeout_s) {
  auto c = std::make_unique<httplib::Client>(t.host, t.port);
  c->set_connection_timeout(kConnectTimeoutS);
  c->set_read_timeout(read_timeout_s);
  c->set_write_timeout(kConnectTimeoutS);
  return c;
}

// "the agent at X answered HTTP 404: no such member": the {"error": ...} body when there is one.
std::string http_error(const Target& t, int status, const std::string& body) {
  std::string why;
  const json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    why = j["error"].get<std::string>();
  } else if (!body.empty()) {
    why = body;
  }
  std::string s = "the agent at " + t.addr + " answered HTTP " + std::to_string(status);
  return why.empty() ? s : s + ": " + one_line(why);
}

std::string malformed(const Target& t, const std::string& what) {
  return "malformed answer from the agent at " + t.addr + ": " + what;
}

Result<json> parse_json(const Target& t, const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    return Status::error(malformed(t, "not JSON (starts with '" + one_line(body, 40) + "')"));
  }
  return j;
}

// One request whose 2xx answer is a JSON object; anything else is an error line.
Result<json> call(const Target& t, const std::string& method, const std::string& path,
                  const json* body = nullptr, time_t read_timeout_s = kReadTimeoutS) {
  auto c = client_for(t, read_timeout_s);
  const std::string text = body != nullptr ? body->dump() : "";
  httplib::Result r = method == "GET"   ? c->Get(path)
                      : method == "PUT" ? c->Put(path, text, "application/json")
                                        : c->Post(path, text, "application/json");
  if (!r) return Status::error(transport_error(t, r.error(), read_timeout_s));
  if (r->status < 200 || r->status > 299) return Status::error(http_error(t, r->status, r->body));
  Result<json> j = parse_json(t, r->body);
  if (j.is_ok() && !j->is_object()) return Status::error(malformed(t, "expected a JSON object"));
  return j;
}

// ---- members ----

Status member_from_json(const json& j, AgentMember& m) {
  if (!j.is_object()) return Status::error("a member is not a JSON object");
  for (const char* key : {"name", "address", "status"}) {
    if (!j.contains(key) || !j[key].is_string()) {
      return Status::error(std::string("a member has no string \"") + key + "\"");
    }
  }
  m.name = j["name"].get<std::string>();
  m.address = j["address"].get<std::string>();
  m.status = j["status"].get<std::string>();
  m.tags.clear();
  if (j.contains("tags") && !j["tags"].is_null()) {
    if (!j["tags"].is_object())
      return Status::error("member " + m.name + ": tags is not an object");
    for (const auto& [k, v] : j["tags"].items()) {
      if (!v.is_string())
        return Status::error("member " + m.name + ": tag " + k + " is not a string");
      m.tags[k] = v.get<std::string>();
    }
  }
  return Status::ok();
}

// The members of a /v1/members document, each with its JSON object, sorted by name.
Result<std::vector<std::pair<AgentMember, json>>> members_of(const json& doc) {
  if (!doc.is_object() || !doc.contains("members") || !doc["members"].is_array()) {
    return Status::error("expected {\"members\": [...]}");
  }
  std::vector<std::pair<AgentMember, json>> out;
  for (const json& j : doc["members"]) {
    AgentMember m;
    if (Status s = member_from_json(j, m); !s.is_ok()) return s;
    out.emplace_back(std::move(m), j);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first.name < b.first.name; });
  return out;
}

struct MemberFilter {
  std::string status;
  std::vector<std::pair<std::string, std::string>> tags;

  bool matches(const AgentMember& m) const {
    if (!status.empty() && m.status != status) return false;
    return std::all_of(tags.begin(), tags.end(), [&](const auto& kv) {
      const auto it = m.tags.find(kv.first);
      return it != m.tags.end() && it->second == kv.second;
    });
  }
};

Result<MemberFilter> member_filter(const ClientFlags& f) {
  MemberFilter filter;
  if (!f.status.empty() && !is_one_of(f.status, kStatuses)) {
    return Status::error("--status: unknown status '" + one_line(f.status) +
                         "' (allowed: " + joined(kStatuses) + ")");
  }
  filter.status = f.status;
  for (const std::string& kv : f.tags) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::error("--tag: expected KEY=VALUE (e.g. role=web), got '" + one_line(kv) + "'");
    }
    filter.tags.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return filter;
}

std::string tags_text(const std::map<std::string, std::string>& tags) {
  std::string s;
  for (const auto& [k, v] : tags)
    s += (s.empty() ? "" : ",") + k + "=" + v;
  return s;
}

// Columns two spaces apart, each as wide as its widest cell; the last is not padded.
std::string render_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  }
  return out;
}

int run_members(const ClientFlags& f, const Target& t) {
  Result<MemberFilter> filter = member_filter(f);
  if (!filter.is_ok()) return print_error(t.command, filter.message(), 2);
  Result<json> doc = call(t, "GET", "/v1/members");
  if (!doc.is_ok()) return print_error(t.command, doc.message(), 1);
  auto members = members_of(*doc);
  if (!members.is_ok()) return print_error(t.command, malformed(t, members.message()), 1);
  json array = json::array();
  std::vector<std::vector<std::string>> rows = {{"NAME", "ADDRESS", "STATUS", "TAGS"}};
  for (const auto& [m, j] : *members) {
    if (!filter->matches(m)) continue;
    array.push_back(j);
    rows.push_back({one_line(m.name), one_line(m.address), one_line(m.status),
                    one_line(tags_text(m.tags), 1000)});
  }
  const std::string out = f.format == "json" ? array.dump(2) + "\n" : render_table(rows);
  std::fputs(out.c_str(), stdout);
  return 0;
}

// ---- join, leave ----

int run_join(const ClientFlags& f, const Target& t) {
  const json body = {{"addresses", f.addresses}};
  Result<json> reply = call(t, "POST", "/v1/join", &body);
  if (!reply.is_ok()) return print_error(t.command, reply.message(), 1);
  if (!reply->contains("joined") || !(*reply)["joined"].is_number_integer()) {
    return print_error(t.command, malformed(t, "expected {\"joined\": N}"), 1);
  }
  const int64_t n = (*reply)["joined"].get<int64_t>();
  if (n <= 0) {
    return print_error(
        t.command, "no seed answered (0 of " + std::to_string(f.addresses.size()) + " joined)", 1);
  }
  std::printf("Successfully joined cluster by contacting %lld nodes.\n", static_cast<long long>(n));
  return 0;
}

int run_leave(const Target& t) {
  Result<json> reply = call(t, "POST", "/v1/leave", nullptr, kLeaveReadTimeoutS);
  if (!reply.is_ok()) return print_error(t.command, reply.message(), 1);
  if (!reply->contains("left") || !(*reply)["left"].is_boolean()) {
    return print_error(t.command, malformed(t, "expected {\"left\": true}"), 1);
  }
  if (!(*reply)["left"].get<bool>()) return print_error(t.command, "the agent did not leave", 1);
  std::puts("Graceful leave complete");
  return 0;
}

// ---- info ----

std::string scalar_text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// "members.alive: 4": nested objects flattened with dotted keys.
void flatten(const std::string& prefix, const json& v, std::string& out) {
  if (v.is_object() && !v.empty()) {
    for (const auto& [k, child] : v.items())
      flatten(prefix.empty() ? k : prefix + "." + k, child, out);
    return;
  }
  out += one_line(prefix, 200) + ": " + one_line(scalar_text(v), 2000) + "\n";
}

std::string info_text(const json& self) {
  static const char* const kFirst[] = {"name",      "address", "status", "incarnation",
                                       "awareness", "members", "tags"};
  std::string out;
  std::set<std::string> done;
  for (const char* key : kFirst) {
    if (!self.contains(key)) continue;
    flatten(key, self[key], out);
    done.insert(key);
  }
  for (const auto& [k, v] : self.items())
    if (done.count(k) == 0) flatten(k, v, out);
  return out;
}

int run_info(const ClientFlags& f, const Target& t) {
  Result<json> self = call(t, "GET", "/v1/self");
  if (!self.is_ok()) return print_error(t.command, self.message(), 1);
  if (!self->contains("name") || !(*self)["name"].is_string()) {
    return print_error(t.command, malformed(t, "expected an object with a string \"name\""), 1);
  }
  const std::string out = f.format == "json" ? self->dump(2) + "\n" : info_text(*self);
  std::fputs(out.c_str(), stdout);
  return 0;
}

// ---- monitor ----

// Splits a text/event-stream into events (the WHATWG "server-sent events" format): "field:
// value" lines, an empty line ends an event, lines starting with ':' are comments.
class SseParser {
 public:
  using Handler = std::function<Status(const std::string& event, const std::string& data)>;
  explicit SseParser(Handler handler) : handler_(std::move(handler)) {}

  Status feed(std::string_view bytes) {
    for (char c : bytes) {
      if (c != '\n') {
        if (line_.size() >= kMaxSseLine) return Status::error("an event line over 1 MiB");
        line_ += c;
        continue;
      }
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      Status s = take_line();
      line_.clear();
      if (!s.is_ok()) return s;
    }
    return Status::ok();
  }

 private:
  Status take_line() {
    if (line_.empty()) return dispatch();
    if (line_[0] == ':') return Status::ok();
    const size_t colon = line_.find(':');
    const std::string field = line_.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : line_.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (field == "event") event_ = value;
    if (field == "data") {
      if (data_.size() + value.size() > kMaxSseLine) return Status::error("an event over 1 MiB");
      data_ += (has_data_ ? "\n" : "") + value;
      has_data_ = true;
    }
    return Status::ok();
  }

  Status dispatch() {
    Status s = has_data_ ? handler_(event_, data_) : Status::ok();
    event_.clear();
    data_.clear();
    has_data_ = false;
    return s;
  }

  Handler handler_;
  std::string line_;
  std::string event_;
  std::string data_;
  bool has_data_ = false;
};

Result<std::set<std::string>> event_types(const ClientFlags& f) {
  std::set<std::string> types;
  for (const std::string& list : f.types) {
    std::stringstream ss(list);
    for (std::string type; std::getline(ss, type, ',');) {
      if (!is_one_of(type, kEventTypes)) {
        return Status::error("--type: unknown event type '" + one_line(type) +
                             "' (allowed: " + joined(kEventTypes) + ")");
      }
      types.insert(type);
    }
  }
  return types;
}

struct EventLine {
  std::string type;
  std::string text;  // "2026-11-21T10:00:00Z member-failed b 10.0.0.2:7946"
};

// An event's data (JSON) as one printable line, or an error for a malformed event.
Result<EventLine> event_line(const std::string& event, const std::string& data) {
  const json j = json::parse(data, nullptr, false);
  if (!j.is_object()) return Status::error("an event's data is not a JSON object");
  EventLine e{event, ""};
  if (j.contains("type")) {
    if (!j["type"].is_string()) return Status::error("an event's \"type\" is not a string");
    e.type = j["type"].get<std::string>();
  }
  if (!j.contains("member")) return Status::error("event " + one_line(e.type) + " has no member");
  AgentMember m;
  if (Status s = member_from_json(j["member"], m); !s.is_ok()) return s;
  const std::string time =
      j.contains("time") && j["time"].is_string() ? j["time"].get<std::string>() : "-";
  e.text =
      one_line(time) + " " + one_line(e.type) + " " + one_line(m.name) + " " + one_line(m.address);
  return e;
}

struct MonitorState {
  int status = 0;  // the HTTP status, 0 until the response head arrives
  std::string error_body;
  std::string failure;  // set when an event was malformed
};

int run_monitor(const ClientFlags& f, const Target& t) {
  Result<std::set<std::string>> types = event_types(f);
  if (!types.is_ok()) return print_error(t.command, types.message(), 2);
  MonitorState st;
  SseParser parser([&](const std::string& event, const std::string& data) -> Status {
    Result<EventLine> line = event_line(event, data);
    if (!line.is_ok()) return line.status();
    if (types->empty() || types->count(line->type) > 0) {
      std::printf("%s\n", line->text.c_str());
      std::fflush(stdout);
    }
    return Status::ok();
  });
  auto c = client_for(t, kMonitorReadTimeoutS);
  const httplib::Headers headers = {{"Accept", "text/event-stream"}};
  httplib::Result r = c->Get(
      "/v1/events", headers,
      [&](const httplib::Response& res) {
        st.status = res.status;
        return true;
      },
      [&](const char* data, size_t n) {
        if (st.status != 200) {
          st.error_body.append(
              data, std::min(n, kMaxErrorBody - std::min(kMaxErrorBody, st.error_body.size())));
          return true;
        }
        Status s = parser.feed(std::string_view(data, n));
        if (!s.is_ok()) st.failure = s.message();
        return s.is_ok();
      });
  if (!st.failure.empty()) return print_error(t.command, malformed(t, st.failure), 1);
  if (!r && st.status == 0) {
    return print_error(t.command, transport_error(t, r.error(), kMonitorReadTimeoutS), 1);
  }
  if (st.status != 200) {
    const std::string body = st.error_body.empty() && r ? r->body : st.error_body;
    return print_error(t.command, http_error(t, st.status, body), 1);
  }
  if (!r) return print_error(t.command, "lost the agent at " + t.addr + " (the stream broke)", 1);
  std::fprintf(stderr, "%s: the agent at %s closed the event stream\n", t.command.c_str(),
               t.addr.c_str());
  return 0;
}

// ---- registration ----

CLI::App* add_client(CLI::App& app, ClientFlags& f, const char* name, const char* what) {
  CLI::App* sub = app.add_subcommand(name, what);
  sub->add_option(
      "--http", f.http,
      "the agent's HTTP API, HOST:PORT (default $RUMOR_HTTP_ADDR, else 127.0.0.1:8946)");
  return sub;
}

}  // namespace

std::vector<CLI::App*> add_client_commands(CLI::App& app, ClientFlags& f) {
  f.members = add_client(app, f, "members", "List the cluster's members as the agent sees them");
  f.members->add_option("--status", f.status, "only members in this status: " + joined(kStatuses));
  f.members->add_option("--tag", f.tags,
                        "only members with tag KEY=VALUE (repeatable: all must match)");
  f.members->add_option("--format", f.format, "table | json (default table)")
      ->check(CLI::IsMember({"table", "json"}));

  f.join = add_client(app, f, "join", "Ask the agent to join a cluster through seed addresses");
  f.join->add_option("ADDR", f.addresses, "seed addresses, HOST:PORT (at least one)")->required();

  f.leave =
      add_client(app, f, "leave", "Ask the agent to leave the cluster gracefully (it then exits)");

  f.info = add_client(app, f, "info",
                      "Show the agent's own state: name, address, awareness, member counts");
  f.info->add_option("--format", f.format, "text | json (default text)")
      ->check(CLI::IsMember({"text", "json"}));

  f.monitor = add_client(app, f, "monitor", "Print membership events as they happen, until Ctrl-C");
  f.monitor->add_option("--type", f.types,
                        "only these event types, comma-separated: " + joined(kEventTypes));
  return {f.members, f.join, f.leave, f.info, f.monitor};
}

int run_client_command(const ClientFlags& f) {
  const std::pair<CLI::App*, const char*> commands[] = {{f.members, "members"},
                                                        {f.join, "join"},
                                                        {f.leave, "leave"},
                                                        {f.info, "info"},
                                                        {f.monitor, "monitor"}};
  for (const auto& [sub, name] : commands) {
    if (sub == nullptr || !sub->parsed()) continue;
    const std::string command = std::string("rumor ") + name;
    Result<Target> t = target_of(f, command);
    if (!t.is_ok()) return print_error(command, t.message(), 2);
    if (sub == f.members) return run_members(f, *t);
    if (sub == f.join) return run_join(f, *t);
    if (sub == f.leave) return run_leave(*t);
    if (sub == f.info) return run_info(f, *t);
    return run_monitor(f, *t);
  }
  return 2;
}

Result<std::vector<AgentMember>> parse_members(const std::string& body) {
  const json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) return Status::error("not JSON");
  auto members = members_of(doc);
  if (!members.is_ok()) return members.status();
  std::vector<AgentMember> out;
  for (auto& entry : *members)
    out.push_back(std::move(entry.first));
  return out;
}

}  // namespace rumor::cli
