#include "agent/config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/wire/keyring.h"
#include "net/endpoint.h"

namespace rumor::agent {

using nlohmann::json;

namespace {

const std::set<std::string> kKeys = {"node",
                                     "bind",
                                     "advertise",
                                     "join",
                                     "retry_join",
                                     "retry_join_max",
                                     "tags",
                                     "profile",
                                     "http",
                                     "snapshot",
                                     "log_level",
                                     "log_json",
                                     "reconnect_interval",
                                     "reconnect_timeout",
                                     "leave_timeout",
                                     "encrypt",
                                     "keyring_file",
                                     "label",
                                     "disable_compression",
                                     "rpc",
                                     "rpc_auth",
                                     "event_handlers"};

std::string allowed_keys() {
  std::string out;
  for (const auto& k : kKeys)
    out += (out.empty() ? "" : ", ") + k;
  return out;
}

Result<json> read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::error("config " + path + ": cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  json doc = json::parse(text.str(), nullptr, false);
  if (doc.is_discarded()) return Status::error("config " + path + ": not valid JSON");
  if (!doc.is_object()) return Status::error("config " + path + ": must be a JSON object");
  return doc;
}

Status type_error(const std::string& path, const std::string& key, const char* want) {
  return Status::error("config " + path + ": field '" + key + "' must be " + want);
}

Status read_tags(const std::string& path, const json& v, core::wire::Tags& into) {
  if (!v.is_object()) return type_error(path, "tags", "an object of strings");
  for (const auto& [k, val] : v.items()) {
    if (!val.is_string()) return type_error(path, "tags." + k, "a string");
    into[k] = val.get<std::string>();
  }
  return Status::ok();
}

Status read_field(const std::string& path, const std::string& key, const json& v, AgentConfig& c) {
  auto str = [&](std::string& out) -> Status {
    if (!v.is_string()) return type_error(path, key, "a string");
    out = v.get<std::string>();
    return Status::ok();
  };
  auto seconds = [&](double& out) -> Status {
    if (!v.is_number()) return type_error(path, key, "a number of seconds");
    out = v.get<double>();
    return Status::ok();
  };
  if (key == "node") return str(c.node);
  if (key == "bind") return str(c.bind);
  if (key == "advertise") return str(c.advertise);
  if (key == "profile") return str(c.profile);
  if (key == "http") return str(c.http);
  if (key == "snapshot") return str(c.snapshot);
  if (key == "log_level") return str(c.log_level);
  if (key == "reconnect_interval") return seconds(c.reconnect_interval_s);
  if (key == "reconnect_timeout") return seconds(c.reconnect_timeout_s);
  if (key == "leave_timeout") return seconds(c.leave_timeout_s);
  if (key == "encrypt") return str(c.encrypt);
  if (key == "keyring_file") return str(c.keyring_file);
  if (key == "label") return str(c.label);
  if (key == "rpc") return str(c.rpc);
  if (key == "rpc_auth") return str(c.rpc_auth);
  if (key == "tags") return read_tags(path, v, c.tags);
  if (key == "retry_join" || key == "log_json" || key == "disable_compression") {
    if (!v.is_boolean()) return type_error(path, key, "true or false");
    (key == "retry_join" ? c.retry_join
     : key == "log_json" ? c.log_json
                         : c.disable_compression) = v.get<bool>();
    return Status::ok();
  }
  if (key == "event_handlers") {
    if (!v.is_array()) return type_error(path, key, "an array of \"[FILTER=]SCRIPT\" strings");
    for (const auto& h : v) {
      if (!h.is_string()) return type_error(path, "event_handlers[]", "a string");
      c.event_handlers.push_back(h.get<std::string>());
    }
    return Status::ok();
  }
  if (key == "retry_join_max") {
    if (!v.is_number_unsigned()) return type_error(path, key, "a whole number >= 0");
    c.retry_join_max = v.get<uint32_t>();
    return Status::ok();
  }
  if (key == "join") {
    if (!v.is_array()) return type_error(path, key, "an array of addresses");
    for (const auto& a : v) {
      if (!a.is_string()) return type_error(path, "join[]", "a string address");
      c.join.push_back(a.get<std::string>());
    }
    return Status::ok();
  }
  return Status::error("config " + path + ": unknown field '" + key +
                       "' (allowed: " + allowed_keys() + ")");
}

Status check_seconds(const char* name, double v, double min, double max) {
  if (!(v >= min && v <= max)) {
    std::ostringstream msg;
    msg << name << ": must be in " << min << ".." << max << " seconds, got " << v;
    return Status::error(msg.str());
  }
  return Status::ok();
}

}  // namespace

Status load_config_file(const std::string& path, AgentConfig& into) {
  auto doc = read_json(path);
  if (!doc) return doc.status();
  AgentConfig c = into;
  for (const auto& [key, value] : doc->items()) {
    if (Status s = read_field(path, key, value, c); !s) return s;
  }
  c.config_file = path;
  into = std::move(c);
  return Status::ok();
}

Result<core::wire::Tags> load_config_tags(const std::string& path) {
  auto doc = read_json(path);
  if (!doc) return doc.status();
  core::wire::Tags tags;
  if (doc->contains("tags")) {
    if (Status s = read_tags(path, (*doc)["tags"], tags); !s) return s;
  }
  return tags;
}

Status parse_tag(const std::string& arg, core::wire::Tags& into) {
  const size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::error("tag '" + arg + "': expected KEY=VALUE");
  }
  into[arg.substr(0, eq)] = arg.substr(eq + 1);
  return Status::ok();
}

Status validate(const AgentConfig& c) {
  if (c.profile != "lan" && c.profile != "wan" && c.profile != "local") {
    return Status::error("profile: must be one of lan, wan, local, got '" + c.profile + "'");
  }
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
      c.log_level != "error") {
    return Status::error("log-level: must be one of debug, info, warn, error, got '" + c.log_level +
                         "'");
  }
  if (auto b = net::parse_address(c.bind, kDefaultGossipPort); !b) {
    return Status::error("bind: " + b.message());
  }
  if (!c.advertise.empty()) {
    auto a = net::parse_address(c.advertise, 0);
    if (!a) return Status::error("advertise: " + a.message());
    if (net::is_unspecified(*a)) {
      return Status::error("advertise: '" + c.advertise + "' is not an address others can reach");
    }
  }
  if (auto h = net::parse_address(c.http, kDefaultHttpPort); !h) {
    return Status::error("http: " + h.message());
  }
  for (const auto& j : c.join) {
    if (auto hp = net::split_host_port(j, kDefaultGossipPort); !hp) {
      return Status::error("join: " + hp.message());
    }
  }
  if (c.node.size() > 512) return Status::error("node: the name is longer than 512 bytes");
  if (core::wire::encode_serf_tags(c.tags).size() > 512) {
    return Status::error("tags: encoded they exceed memberlist's 512-byte metadata limit");
  }
  if (!c.rpc.empty()) {
    if (auto r = net::parse_address(c.rpc, kDefaultRpcPort); !r) {
      return Status::error("rpc: " + r.message());
    }
  }
  if (!c.encrypt.empty()) {
    if (auto k = core::wire::ml::decode_key_base64(c.encrypt); !k) {
      return Status::error("encrypt: " + k.message());
    }
  }
  if (c.label.size() > 255) return Status::error("label: must be at most 255 bytes");
  if (Status s = check_seconds("reconnect-interval", c.reconnect_interval_s, 1, 3600); !s) {
    return s;
  }
  if (Status s = check_seconds("reconnect-timeout", c.reconnect_timeout_s, 1, 365 * 86400.0); !s) {
    return s;
  }
  return check_seconds("leave-timeout", c.leave_timeout_s, 0, 600);
}

}  // namespace rumor::agent
