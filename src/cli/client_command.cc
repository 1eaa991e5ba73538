// The client commands (client_command.h): flags, one HTTP request to the agent, and the
// agent's JSON turned into a table, key: value lines, JSON, or one line per event.
#include "cli/client_command.h"

#include <httplib.h>

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

#include "cli/client_http.h"

namespace rumor::cli {
namespace {

constexpr size_t kMaxErrorBody = 4096;
constexpr size_t kMaxSseLine = 1 << 20;

constexpr std::array<const char*, 5> kStatuses = {"alive", "suspect", "leaving", "failed", "left"};
constexpr std::array<const char*, 9> kEventTypes = {
    "member-join",  "member-update", "member-suspect", "member-alive", "member-failed",
    "member-leave", "member-reap",   "user",           "query"};

std::string joined(std::span<const char* const> values) {
  std::string s;
  for (const char* v : values)
    s += (s.empty() ? "" : ", ") + std::string(v);
  return s;
}

bool is_one_of(const std::string& value, std::span<const char* const> values) {
  return std::any_of(values.begin(), values.end(), [&](const char* v) { return value == v; });
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
  const std::string time =
      j.contains("time") && j["time"].is_string() ? j["time"].get<std::string>() : "-";
  if (e.type == "user") {  // a user event: its name and payload
    const json& name = j.contains("name") ? j["name"] : json();
    const json& payload = j.contains("payload") ? j["payload"] : json();
    if (!name.is_string() || !payload.is_string()) {
      return Status::error("user event without a string \"name\" and \"payload\"");
    }
    e.text = one_line(time) + " user " + one_line(name.get<std::string>()) + " " +
             one_line(payload.get<std::string>());
    return e;
  }
  if (e.type == "query") {  // a query the agent received: its name, asker and payload
    const json& name = j.contains("name") ? j["name"] : json();
    const json& payload = j.contains("payload") ? j["payload"] : json();
    const json& from = j.contains("from") ? j["from"] : json();
    if (!name.is_string() || !payload.is_string() || !(from.is_string() || from.is_null())) {
      return Status::error("query event without a string \"name\" and \"payload\"");
    }
    e.text = one_line(time) + " query " + one_line(name.get<std::string>()) +
             " from=" + (from.is_string() ? one_line(from.get<std::string>()) : "?") + " " +
             one_line(payload.get<std::string>());
    return e;
  }
  if (!j.contains("member")) return Status::error("event " + one_line(e.type) + " has no member");
  AgentMember m;
  if (Status s = member_from_json(j["member"], m); !s.is_ok()) return s;
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
  f.event = add_client(app, f, "event", "Send a custom user event to the cluster (serf event)");
  f.event->add_option("NAME", f.name, "the event's name")->required();
  f.event->add_option("PAYLOAD", f.payload, "its payload (default empty)");
  f.event->add_option("--coalesce", f.coalesce,
                      "let agents coalesce events of this name (default true)");

  f.query = add_client(app, f, "query", "Send a query and print the acks and responses");
  f.query->add_option("NAME", f.name, "the query's name")->required();
  f.query->add_option("PAYLOAD", f.payload, "its payload (default empty)");
  f.query->add_option("--node", f.nodes, "only this member answers (repeatable)");
  f.query->add_option("--tag", f.tags, "only members whose tag matches, KEY=REGEX (repeatable)");
  f.query->add_option("--timeout", f.timeout_s, "seconds (default: Serf's, by cluster size)");
  f.query->add_flag("--no-ack", f.no_ack, "do not ask members to acknowledge");
  f.query->add_option("--format", f.format, "text | json (default text)")
      ->check(CLI::IsMember({"text", "json"}));

  f.force_leave = add_client(app, f, "force-leave", "Mark a failed member as left");
  f.force_leave->add_option("NODE", f.name, "the member's name")->required();
  f.force_leave->add_flag("--prune", f.prune, "forget it at once");
  f.keys = add_client(app, f, "keys", "Install, use, remove or list encryption keys cluster-wide");
  f.keys->add_option("--install", f.install_key, "install this base64 key on every member");
  f.keys->add_option("--use", f.use_key, "make this installed key the primary everywhere");
  f.keys->add_option("--remove", f.remove_key, "remove this key everywhere");
  f.keys->add_flag("--list", f.list, "list the keys and how many members hold each");
  f.keygen = app.add_subcommand("keygen", "Print a new random encryption key (base64, 32 bytes)");

  f.rtt = add_client(app, f, "rtt", "Estimate the round trip between two members (coordinates)");
  f.rtt->add_option("NODE", f.name, "a member")->required();
  f.rtt->add_option("OTHER", f.other, "another member (default: the agent itself)");
  return {f.members, f.join,        f.leave, f.info, f.monitor, f.event,
          f.query,   f.force_leave, f.rtt,   f.keys, f.keygen};
}

int run_client_command(const ClientFlags& f) {
  if (f.keygen != nullptr && f.keygen->parsed()) return run_keygen();
  const std::pair<CLI::App*, const char*> commands[] = {
      {f.members, "members"}, {f.join, "join"},
      {f.leave, "leave"},     {f.info, "info"},
      {f.monitor, "monitor"}, {f.event, "event"},
      {f.query, "query"},     {f.force_leave, "force-leave"},
      {f.rtt, "rtt"},         {f.keys, "keys"}};
  for (const auto& [sub, name] : commands) {
    if (sub == nullptr || !sub->parsed()) continue;
    const std::string command = std::string("rumor ") + name;
    Result<Target> t = target_of(f, command);
    if (!t.is_ok()) return print_error(command, t.message(), 2);
    if (sub == f.members) return run_members(f, *t);
    if (sub == f.join) return run_join(f, *t);
    if (sub == f.leave) return run_leave(*t);
    if (sub == f.info) return run_info(f, *t);
    if (sub == f.event) return run_event(f, *t);
    if (sub == f.query) return run_query(f, *t);
    if (sub == f.force_leave) return run_force_leave(f, *t);
    if (sub == f.rtt) return run_rtt(f, *t);
    if (sub == f.keys) return run_keys(f, *t);
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
