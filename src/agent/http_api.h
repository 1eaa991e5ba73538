// HttpApi: the agent's HTTP/JSON interface on --http (default 127.0.0.1:8946), served by
// cpp-httplib on its own thread pool. Every handler reads or changes the agent only through
// Agent::call(), which runs on the loop thread, so the protocol state has one owner.
//
//   GET  /v1/members  {"members":[{name, address, status, tags, incarnation}]}
//   GET  /v1/self     this agent: the fields above plus awareness, member counts, settings
//   POST /v1/join     {"addresses":["host:port",...]} -> {"joined":N} (seeds that answered)
//   POST /v1/leave    leaves gracefully, answers once the leave has spread, then the agent exits
//   PUT  /v1/tags     {"set":{"k":"v"},"delete":["k2"]} -> {"tags":{...}}
//   GET  /v1/health   {"status":"ok"} (503 while leaving or when the loop does not answer)
//   GET  /v1/events   server-sent events: one per member event (views.h event_type names)
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

  Agent& agent_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace rumor::agent
