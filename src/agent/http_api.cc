#include "agent/http_api.h"

#include <httplib.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>

#include "agent/agent.h"
#include "net/endpoint.h"
#include "webui/serve.h"

namespace rumor::agent {

namespace {

using nlohmann::json;

constexpr size_t kMaxBody = 64 * 1024;
constexpr size_t kMaxJoinAddresses = 64;
constexpr size_t kThreads = 24;  // 16 event streams at most, and room for the rest
constexpr int kKeepaliveMs = 15000;
const char* kJson = "application/json";

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(json_text(body) + "\n", kJson);
}

void error(httplib::Response& res, int status, const std::string& message) {
  reply(res, status, json{{"error", message}});
}

// The body as a JSON object, or a 400 already written.
std::optional<json> body_object(const httplib::Request& req, httplib::Response& res) {
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) {
    error(res, 400, "body: not valid JSON");
    return std::nullopt;
  }
  if (!body.is_object()) {
    error(res, 400, "body: must be a JSON object");
    return std::nullopt;
  }
  return body;
}

void unavailable(httplib::Response& res) {
  error(res, 503, "the agent is not answering (stopping?)");
}

// A string field of the body: absent -> `fallback`; present but not a string -> nullopt and a
// 400 already written.
std::optional<std::string> string_field(const json& body, const char* key,
                                        const std::string& fallback, httplib::Response& res) {
  const auto it = body.find(key);
  if (it == body.end()) return fallback;
  if (!it->is_string()) {
    error(res, 400, std::string(key) + ": must be a string");
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<bool> bool_field(const json& body, const char* key, bool fallback,
                               httplib::Response& res) {
  const auto it = body.find(key);
  if (it == body.end()) return fallback;
  if (!it->is_boolean()) {
    error(res, 400, std::string(key) + ": must be true or false");
    return std::nullopt;
  }
  return it->get<bool>();
}

std::vector<uint8_t> bytes_of(const std::string& s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

// The answers to one query, gathered on the loop thread and read by the HTTP thread.
struct QueryAnswers {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> acks;
  json responses = json::array();
  bool done = false;
};

// The query parameters of a POST /v1/query body, or nullopt and a 400 already written.
std::optional<core::serf::QueryParams> query_params(const json& body, httplib::Response& res) {
  core::serf::QueryParams p;
  if (const auto it = body.find("nodes"); it != body.end()) {
    if (!it->is_array()) return error(res, 400, "nodes: must be an array of names"), std::nullopt;
    for (const auto& n : *it) {
      if (!n.is_string()) return error(res, 400, "nodes: must be an array of names"), std::nullopt;
      p.filter_nodes.push_back(n.get<std::string>());
    }
  }
  if (const auto it = body.find("tags"); it != body.end()) {
    if (!it->is_object()) {
      return error(res, 400, "tags: must be an object of tag -> regex"), std::nullopt;
    }
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return error(res, 400, "tags." + k + ": must be a string"), std::nullopt;
      p.filter_tags[k] = v.get<std::string>();
    }
  }
  auto ack = bool_field(body, "request_ack", true, res);
  if (!ack) return std::nullopt;
  p.request_ack = *ack;
  if (const auto it = body.find("timeout_ms"); it != body.end()) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() > 3'600'000) {
      return error(res, 400, "timeout_ms: must be 0 (the default) .. 3600000"), std::nullopt;
    }
    p.timeout = Duration::millis(it->get<int64_t>());
  }
  if (const auto it = body.find("relay_factor"); it != body.end()) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() > 5) {
      return error(res, 400, "relay_factor: must be 0..5"), std::nullopt;
    }
    p.relay_factor = static_cast<uint8_t>(it->get<uint64_t>());
  }
  return p;
}

}  // namespace

HttpApi::HttpApi(Agent& agent) : agent_(agent), server_(std::make_unique<httplib::Server>()) {}

HttpApi::~HttpApi() {
  agent_.events().close();  // wakes event streams so their threads can finish
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

Result<std::unique_ptr<HttpApi>> HttpApi::start(Agent& agent, const std::string& address) {
  auto addr = net::parse_address(address, kDefaultHttpPort);
  if (!addr) return Status::error("http: " + addr.message());
  std::unique_ptr<HttpApi> api(new HttpApi(agent));
  httplib::Server& s = *api->server_;
  s.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  s.set_payload_max_length(kMaxBody);
  s.set_read_timeout(5, 0);
  s.set_write_timeout(5, 0);
  s.set_keep_alive_max_count(100);
  // httplib's default also sets SO_REUSEPORT, which would let a second agent share the port
  // silently; SO_REUSEADDR alone still allows a quick restart.
  s.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  api->routes();
  const std::string host = net::to_ip(*addr).to_string();
  errno = 0;
  if (!s.bind_to_port(host, addr->port)) {
    const int err = errno;
    return Status::error("http " + net::to_string(*addr) + ": cannot listen: " +
                         (err != 0 ? std::strerror(err) : "address in use or not on this machine"));
  }
  api->thread_ = std::thread([server = api->server_.get()] { server->listen_after_bind(); });
  return api;
}

void HttpApi::routes() {
  httplib::Server& s = *server_;
  Agent& agent = agent_;

  s.set_pre_routing_handler([&agent](const httplib::Request&, httplib::Response&) {
    ++agent.http_requests();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404) {
      error(res, 404, "no such endpoint: " + req.method + " " + req.path);
    } else if (res.status == 413) {
      error(res, 413, "body: larger than " + std::to_string(kMaxBody) + " bytes");
    } else {
      error(res, res.status, "request refused (HTTP " + std::to_string(res.status) + ")");
    }
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    error(res, 500, "internal error");
  });

  s.Get("/v1/health", [&agent](const httplib::Request&, httplib::Response& res) {
    auto leaving = agent.call([&agent] { return agent.leaving(); });
    if (!leaving) return unavailable(res);
    if (*leaving) return reply(res, 503, json{{"status", "leaving"}});
    reply(res, 200, json{{"status", "ok"}});
  });

  s.Get("/v1/members", [&agent](const httplib::Request&, httplib::Response& res) {
    auto members = agent.call([&agent] { return agent.members(); });
    if (!members) return unavailable(res);
    json list = json::array();
    for (const auto& m : *members)
      list.push_back(to_member_row(m));
    reply(res, 200, json{{"members", std::move(list)}});
  });

  s.Get("/v1/self", [&agent](const httplib::Request&, httplib::Response& res) {
    auto self = agent.call([&agent] { return agent.self_json(); });
    if (!self) return unavailable(res);
    reply(res, 200, *self);
  });

  s.Get("/v1/stats", [&agent](const httplib::Request&, httplib::Response& res) {
    auto stats = agent.call([&agent] { return agent.stats_json(); });
    if (!stats) return unavailable(res);
    reply(res, 200, *stats);
  });

  s.Get("/metrics", [&agent](const httplib::Request&, httplib::Response& res) {
    auto text = agent.call([&agent] { return agent.metrics_text(); });
    if (!text) return unavailable(res);
    res.set_content(*text, "text/plain; version=0.0.4");
  });

  s.Post("/v1/join", [&agent](const httplib::Request& req, httplib::Response& res) {
    auto body = body_object(req, res);
    if (!body) return;
    const auto it = body->find("addresses");
    if (it == body->end() || !it->is_array() || it->empty() || it->size() > kMaxJoinAddresses) {
      return error(res, 400,
                   "addresses: must be an array of 1.." + std::to_string(kMaxJoinAddresses) +
                       " \"host:port\" strings");
    }
    // Names are resolved here, on the HTTP thread, so a slow DNS server never stalls the loop.
    std::vector<core::Address> seeds;
    for (const auto& a : *it) {
      if (!a.is_string()) return error(res, 400, "addresses: every entry must be a string");
      auto resolved = net::resolve(a.get<std::string>(), kDefaultGossipPort);
      if (!resolved) return error(res, 400, resolved.message());
      seeds.push_back(resolved->front());
    }
    auto before = agent.call([&agent, seeds] {
      const size_t n = agent.joined_count();
      agent.join_now(seeds);
      return n;
    });
    if (!before) return unavailable(res);
    for (;;) {  // the node bounds each join by its TCP timeout
      auto done = agent.call([&agent] { return agent.joins_done(); });
      if (!done) return unavailable(res);
      if (*done) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto after = agent.call([&agent] { return agent.joined_count(); });
    if (!after) return unavailable(res);
    reply(res, 200, json{{"joined", *after - *before}});
  });

  s.Post("/v1/leave", [&agent](const httplib::Request&, httplib::Response& res) {
    if (!agent.call([&agent] {
          agent.begin_leave();
          return true;
        })) {
      return unavailable(res);
    }
    const auto limit = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(
                           static_cast<int64_t>(agent.config().leave_timeout_s * 1000 + 2000));
    while (!agent.stopped() && std::chrono::steady_clock::now() < limit)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    reply(res, 200, json{{"left", agent.stopped()}});
  });

  s.Put("/v1/tags", [&agent](const httplib::Request& req, httplib::Response& res) {
    auto body = body_object(req, res);
    if (!body) return;
    core::wire::Tags set;
    std::vector<std::string> remove;
    for (const auto& [key, value] : body->items()) {
      if (key == "set" && value.is_object()) {
        for (const auto& [k, v] : value.items()) {
          if (!v.is_string()) return error(res, 400, "set." + k + ": must be a string");
          set[k] = v.get<std::string>();
        }
      } else if (key == "delete" && value.is_array()) {
        for (const auto& k : value) {
          if (!k.is_string()) return error(res, 400, "delete: must be an array of strings");
          remove.push_back(k.get<std::string>());
        }
      } else {
        return error(res, 400,
                     "field '" + key + "': expected \"set\" (an object) or \"delete\" (an array)");
      }
    }
    auto status = agent.call([&agent, set, remove] {
      Status st = agent.update_tags(set, remove);
      return std::make_pair(st.is_ok(), st.message());
    });
    if (!status) return unavailable(res);
    if (!status->first) return error(res, 400, status->second);
    auto tags = agent.call([&agent] { return agent.config().tags; });
    if (!tags) return unavailable(res);
    reply(res, 200, json{{"tags", *tags}});
  });

  serf_routes();
  webui::mount_pages(s, "/dashboard.html");

  s.Get("/v1/events", [&agent](const httplib::Request&, httplib::Response& res) {
    auto sub = agent.events().subscribe();
    if (!sub) return error(res, 503, "too many event streams open; try again later");
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [sub](size_t, httplib::DataSink& sink) {
          auto text = sub->next(kKeepaliveMs);
          if (text && text->empty()) {  // the agent is stopping
            sink.done();
            return false;
          }
          const std::string out = text ? *text : std::string(": keepalive\n\n");
          return sink.write(out.data(), out.size());
        },
        [&agent, sub](bool) { agent.events().unsubscribe(sub); });
  });
}

void HttpApi::serf_routes() {
  httplib::Server& s = *server_;
  Agent& agent = agent_;

  s.Post("/v1/event", [&agent](const httplib::Request& req, httplib::Response& res) {
    auto body = body_object(req, res);
    if (!body) return;
    auto name = string_field(*body, "name", "", res);
    if (!name) return;
    if (name->empty()) return error(res, 400, "name: required, a non-empty string");
    auto payload = string_field(*body, "payload", "", res);
    auto coalesce = payload ? bool_field(*body, "coalesce", true, res) : std::nullopt;
    if (!coalesce) return;
    auto st = agent.call([&agent, n = *name, p = bytes_of(*payload), c = *coalesce] {
      Status r = agent.user_event(n, p, c);
      return std::make_pair(r.is_ok(), r.message());
    });
    if (!st) return unavailable(res);
    if (!st->first) return error(res, 400, st->second);
    reply(res, 200, json{{"ok", true}});
  });

  s.Get("/v1/coordinate", [&agent](const httplib::Request& req, httplib::Response& res) {
    const std::string node = req.get_param_value("node");
    if (node.empty()) return error(res, 400, "node: required, ?node=NAME");
    auto coord = agent.call([&agent, node] { return agent.coordinate(node); });
    if (!coord) return unavailable(res);
    if (!*coord) return error(res, 404, "no coordinate for " + node);
    const core::serf::Coordinate& c = **coord;
    reply(res, 200,
          json{{"node", node},
               {"vec", c.vec},
               {"error", c.error},
               {"adjustment", c.adjustment},
               {"height", c.height}});
  });

  s.Post("/v1/keys", [&agent](const httplib::Request& req, httplib::Response& res) {
    auto body = body_object(req, res);
    if (!body) return;
    auto op_name = string_field(*body, "op", "", res);
    if (!op_name) return;
    using core::serf::KeyOp;
    const std::map<std::string, KeyOp> ops = {{"install", KeyOp::kInstall},
                                              {"use", KeyOp::kUse},
                                              {"remove", KeyOp::kRemove},
                                              {"list", KeyOp::kList}};
    const auto op = ops.find(*op_name);
    if (op == ops.end()) return error(res, 400, "op: must be one of install, use, remove, list");
    auto key = string_field(*body, "key", "", res);
    if (!key) return;
    if (op->second != KeyOp::kList && key->empty()) return error(res, 400, "key: required");
    const auto outcome = agent.key_op_and_wait(op->second, *key);
    if (!outcome) return error(res, 504, "the key query did not end in time");
    const core::serf::KeyTally& t = outcome->tally;
    reply(res, 200,
          json{{"error", outcome->error},
               {"num_nodes", t.num_nodes},
               {"num_resp", t.num_resp},
               {"num_err", t.num_err},
               {"messages", t.messages},
               {"keys", t.keys},
               {"primary_keys", t.primary_keys}});
  });

  s.Post("/v1/force-leave", [&agent](const httplib::Request& req, httplib::Response& res) {
    auto body = body_object(req, res);
    if (!body) return;
    auto node = string_field(*body, "node", "", res);
    if (!node) return;
    if (node->empty()) return error(res, 400, "node: required, a member's name");
    auto prune = bool_field(*body, "prune", false, res);
    if (!prune) return;
    auto st = agent.call([&agent, n = *node, p = *prune] {
      Status r = agent.force_leave(n, p);
      return std::make_pair(r.is_ok(), r.message());
    });
    if (!st) return unavailable(res);
    if (!st->first) return error(res, 400, st->second);
    reply(res, 200, json{{"ok", true}});
  });

  s.Post("/v1/query", [&agent](const httplib::Request& req, httplib::Response& res) {
    auto body = body_object(req, res);
    if (!body) return;
    auto name = string_field(*body, "name", "", res);
    if (!name) return;
    if (name->empty()) return error(res, 400, "name: required, a non-empty string");
    auto payload = string_field(*body, "payload", "", res);
    if (!payload) return;
    auto params = query_params(*body, res);
    if (!params) return;
    auto answers = std::make_shared<QueryAnswers>();
    auto started = agent.call([&agent, n = *name, p = bytes_of(*payload), q = *params, answers] {
      Result<uint64_t> id = agent.query(n, p, q, [answers](const core::serf::SerfEvent& e) {
        std::lock_guard lock(answers->mu);
        if (e.kind == core::serf::SerfEventKind::kQueryAck) answers->acks.push_back(e.from);
        if (e.kind == core::serf::SerfEventKind::kQueryResponse) {
          answers->responses.push_back(
              {{"from", e.from}, {"payload", std::string(e.payload.begin(), e.payload.end())}});
        }
        if (e.kind == core::serf::SerfEventKind::kQueryDone) answers->done = true;
        answers->cv.notify_all();
      });
      return std::make_pair(id.is_ok() ? std::string() : id.message(),
                            id.is_ok() ? agent.query_timeout(q) : Duration::zero());
    });
    if (!started) return unavailable(res);
    if (!started->first.empty()) return error(res, 400, started->first);
    std::unique_lock lock(answers->mu);
    const auto limit = std::chrono::nanoseconds(started->second.ns()) + std::chrono::seconds(2);
    if (!answers->cv.wait_for(lock, limit, [&] { return answers->done; })) {
      return error(res, 504, "the query did not end in time");
    }
    reply(res, 200, json{{"acks", answers->acks}, {"responses", answers->responses}});
  });
}

}  // namespace rumor::agent
