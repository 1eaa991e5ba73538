#include "cli/client_http.h"

#include <netdb.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace rumor::cli {

namespace {

constexpr const char* kDefaultHttp = "127.0.0.1:8946";
constexpr const char* kHttpEnv = "RUMOR_HTTP_ADDR";
constexpr int kDefaultHttpPort = 8946;

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

bool resolvable(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (found != nullptr) freeaddrinfo(found);
  return rc == 0;
}

}  // namespace

// Text from the agent, made safe for one line of a terminal: control characters become spaces
// and a long text is cut.
std::string one_line(std::string_view text, size_t max) {
  std::string s;
  for (char c : text.substr(0, max))
    s += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  if (text.size() > max) s += "...";
  return s;
}

int print_error(const std::string& command, const std::string& message, int status) {
  std::fprintf(stderr, "%s: %s\n", command.c_str(), message.c_str());
  return status;
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
                  const json* body, time_t read_timeout_s) {
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

std::string scalar_text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace rumor::cli
