// HttpApi: the agent's HTTP/JSON interface on --http (default 127.0.0.1:8946), served by
// cpp-httplib on its own thread pool. Every handler reads or changes the agent only through
// Agent::call(), which runs on the loop thread, so the protocol state has one owner.
//
//   GET  /           the dashboard (src/webui: web/dashboard.html; its files under /assets/)
//   GET  /v1/members  {"members":[{name, address, status, tags, incarnation, rtt_ms}]}
//   GET  /v1/self     this agent: the fields above but rtt_ms, plus awareness, member counts,
//                     settings
//   GET  /v1/stats    counters and gauges for the dashboard (stats.h, docs/web.md)
//   POST /v1/join     {"addresses":["host:port",...]} -> {"joined":N} (seeds that answered)
//   POST /v1/leave    leaves gracefully, answers once the leave has spread, then the agent exits
//   PUT  /v1/tags     {"set":{"k":"v"},"delete":["k2"]} -> {"tags":{...}}
//   GET  /v1/health   {"status":"ok"} (503 while leaving or when the loop does not answer)
//   POST /v1/event    {"name":"deploy","payload":"v2","coalesce":true} -> {"ok":true}
//   POST /v1/query    {"name":"uptime","payload":"","nodes":[..],"tags":{"role":"web.*"},
//                      "timeout_ms":0,"request_ack":true,"relay_factor":0}
//                     -> {"acks":["a",..],"responses":[{"from":"a","payload":"..."}]} at its end
//   POST /v1/force-leave {"node":"b","prune":false} -> {"ok":true}
//   POST /v1/keys     {"op":"install|use|remove|list","key":"base64"} -> {"error":"" on success,
//                      num_nodes, num_resp, num_err, messages{}, keys{}, primary_keys{}}
//   GET  /v1/coordinate?node=NAME -> {"node","vec":[..],"error","adjustment","height"} (404: none)
//   GET  /v1/events   server-sent events: one per member event (Serf's names, plus
//                     member-suspect and member-alive), per user event ("user") and per
//                     query this agent receives ("query"); views.h makes their texts
//   GET  /metrics     Prometheus text (metrics.h)
//
// Bad input gets a 4xx and {"error": "..."} saying what is wrong; nothing a client sends can
// crash the agent or hold a thread for long: bodies are capped (64 KiB), reads and writes time
// out, event streams are limited in number and their queues bounded (event_hub.h).
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "base/status.h"

namespace httplib {
class Server;
}

namespace rumor::agent {

class Agent;

class HttpApi {
 public:
  // Binds `address` ("ip:port") and starts serving. Error: the address cannot be listened on.
  static Result<std::unique_ptr<HttpApi>> start(Agent& agent, const std::string& address);
  ~HttpApi();  // stops serving and joins the threads

 private:
  explicit HttpApi(Agent& agent);
  void routes();
  void serf_routes();  // event, query, force-leave

  Agent& agent_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace rumor::agent
