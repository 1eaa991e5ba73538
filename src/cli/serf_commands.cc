// The Serf commands of the CLI (client_command.h): event, query, force-leave, rtt, keys and
// keygen, each a thin client of the agent's HTTP API, printing what `serf` prints.
#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <vector>

#include "cli/client_http.h"
#include "core/serf/coordinate.h"
#include "core/wire/keyring.h"

namespace rumor::cli {

// ---- event, query, force-leave ----

int run_event(const ClientFlags& f, const Target& t) {
  const json body = {{"name", f.name}, {"payload", f.payload}, {"coalesce", f.coalesce}};
  Result<json> reply = call(t, "POST", "/v1/event", &body);
  if (!reply.is_ok()) return print_error(t.command, reply.message(), 1);
  std::printf("Event '%s' dispatched! Coalescing enabled: %s\n", one_line(f.name).c_str(),
              f.coalesce ? "true" : "false");
  return 0;
}

int run_force_leave(const ClientFlags& f, const Target& t) {
  const json body = {{"node", f.name}, {"prune", f.prune}};
  Result<json> reply = call(t, "POST", "/v1/force-leave", &body);
  if (!reply.is_ok()) return print_error(t.command, reply.message(), 1);
  return 0;
}

int run_query(const ClientFlags& f, const Target& t) {
  json tags = json::object();
  for (const auto& kv : f.tags) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return print_error(t.command, "--tag: expected KEY=REGEX, got '" + one_line(kv) + "'", 2);
    }
    tags[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (f.timeout_s < 0 || f.timeout_s > 3600) {
    return print_error(t.command, "--timeout: must be 0 (the default) .. 3600 seconds", 2);
  }
  const json body = {
      {"name", f.name},           {"payload", f.payload},
      {"nodes", f.nodes},         {"tags", tags},
      {"request_ack", !f.no_ack}, {"timeout_ms", static_cast<uint64_t>(f.timeout_s * 1000)}};
  const auto read_timeout = static_cast<time_t>(f.timeout_s) + 60;  // the default is minutes
  Result<json> reply = call(t, "POST", "/v1/query", &body, read_timeout);
  if (!reply.is_ok()) return print_error(t.command, reply.message(), 1);
  const json& acks = (*reply)["acks"];
  const json& responses = (*reply)["responses"];
  if (!acks.is_array() || !responses.is_array()) {
    return print_error(t.command, malformed(t, "expected {\"acks\": [..], \"responses\": [..]}"),
                       1);
  }
  if (f.format == "json") {
    std::printf("%s\n", reply->dump(2).c_str());
    return 0;
  }
  std::printf("Query '%s' dispatched\n", one_line(f.name).c_str());
  for (const auto& a : acks)
    std::printf("Ack from '%s'\n", one_line(scalar_text(a)).c_str());
  for (const auto& r : responses) {
    if (!r.is_object()) continue;
    std::printf("Response from '%s': %s\n", one_line(scalar_text(r.value("from", json()))).c_str(),
                one_line(scalar_text(r.value("payload", json())), 4096).c_str());
  }
  std::printf("Total Acks: %zu\nTotal Responses: %zu\n", acks.size(), responses.size());
  return 0;
}

// ---- rtt ----

Result<rumor::core::serf::Coordinate> coordinate_of(const Target& t, const std::string& node) {
  httplib::Params params{{"node", node}};
  Result<json> reply =
      call(t, "GET", httplib::append_query_params("/v1/coordinate", params), nullptr);
  if (!reply.is_ok()) return reply.status();
  rumor::core::serf::Coordinate c;
  const json& j = *reply;
  try {
    c.vec = j.at("vec").get<std::vector<double>>();
    c.error = j.at("error").get<double>();
    c.adjustment = j.at("adjustment").get<double>();
    c.height = j.at("height").get<double>();
  } catch (const json::exception&) {
    return Status::error(malformed(t, "expected a coordinate {vec, error, adjustment, height}"));
  }
  if (c.vec.empty() || !c.is_valid()) return Status::error(malformed(t, "an invalid coordinate"));
  return c;
}

// serf rtt: the estimated round trip between two members (the second defaults to the agent).
int run_rtt(const ClientFlags& f, const Target& t) {
  std::string a = f.name;
  std::string b = f.other;
  if (b.empty()) {
    Result<json> self = call(t, "GET", "/v1/self");
    if (!self.is_ok()) return print_error(t.command, self.message(), 1);
    if (!self->contains("name") || !(*self)["name"].is_string()) {
      return print_error(t.command, malformed(t, "expected {\"name\": ...}"), 1);
    }
    b = (*self)["name"].get<std::string>();
  }
  Result<rumor::core::serf::Coordinate> ca = coordinate_of(t, a);
  if (!ca.is_ok()) return print_error(t.command, ca.message(), 1);
  Result<rumor::core::serf::Coordinate> cb = coordinate_of(t, b);
  if (!cb.is_ok()) return print_error(t.command, cb.message(), 1);
  if (!ca->is_compatible_with(*cb)) {
    return print_error(t.command, "the two coordinates have different dimensions", 1);
  }
  const double ms = static_cast<double>(ca->distance_to(*cb).ns()) / 1e6;
  std::printf("Estimated %s <-> %s rtt: %.3f ms\n", one_line(a).c_str(), one_line(b).c_str(), ms);
  return 0;
}

// ---- keys ----

// serf keys: one of --install/--use/--remove KEY or --list, across the whole cluster.
int run_keys(const ClientFlags& f, const Target& t) {
  const int given = !f.install_key.empty() + !f.use_key.empty() + !f.remove_key.empty() + f.list;
  if (given != 1) {
    return print_error(t.command,
                       "give exactly one of --install KEY, --use KEY, --remove KEY, --list", 2);
  }
  const std::string op = f.list                   ? "list"
                         : !f.install_key.empty() ? "install"
                         : !f.use_key.empty()     ? "use"
                                                  : "remove";
  const std::string key = !f.install_key.empty() ? f.install_key
                          : !f.use_key.empty()   ? f.use_key
                                                 : f.remove_key;
  const json body = {{"op", op}, {"key", key}};
  Result<json> reply = call(t, "POST", "/v1/keys", &body, kLeaveReadTimeoutS * 4);
  if (!reply.is_ok()) return print_error(t.command, reply.message(), 1);
  const json& r = *reply;
  if (!r.contains("error") || !r["error"].is_string() || !r.contains("messages") ||
      !r["messages"].is_object()) {
    return print_error(t.command, malformed(t, "expected {\"error\", \"messages\", ...}"), 1);
  }
  for (const auto& [node, message] : r["messages"].items())
    std::printf("    %s: %s\n", one_line(node).c_str(), one_line(scalar_text(message)).c_str());
  const std::string err = r["error"].get<std::string>();
  if (!err.empty()) return print_error(t.command, op + " failed: " + one_line(err), 1);
  if (op == "list" && r.contains("keys") && r["keys"].is_object()) {
    std::printf("Keys gathered, listing cluster keys...\n\n");
    const std::string nodes = scalar_text(r.value("num_nodes", json(0)));
    for (const auto& [k, count] : r["keys"].items())
      std::printf("%s [%s/%s]\n", one_line(k).c_str(), scalar_text(count).c_str(), nodes.c_str());
    return 0;
  }
  std::printf("Successfully %s key!\n", op == "install" ? "installed"
                                        : op == "use"   ? "changed primary"
                                                        : "removed");
  return 0;
}

// rumor keygen: a new 32-byte key from the kernel's entropy, base64 (serf keygen).
int run_keygen() {
  std::vector<uint8_t> key(32);
  size_t have = 0;
  while (have < key.size()) {
    const ssize_t n = getrandom(key.data() + have, key.size() - have, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return print_error("rumor keygen", "no entropy from the kernel (getrandom)", 1);
    have += static_cast<size_t>(n);
  }
  std::printf("%s\n", rumor::core::wire::ml::encode_key_base64(key).c_str());
  return 0;
}

}  // namespace rumor::cli
