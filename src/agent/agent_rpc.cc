#include "agent/agent_rpc.h"

#include <sys/utsname.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "agent/agent.h"
#include "net/endpoint.h"

namespace rumor::agent {

namespace {

using core::serf::SerfEvent;
using core::serf::SerfEventKind;

constexpr auto kPoll = std::chrono::milliseconds(50);

Status unavailable() {
  return Status::error("the agent is not answering (stopping?)");
}

// Runs a command that returns a Status on the agent's loop thread and waits for it (a Status
// travels back as its message: "" for ok); an error too when the loop does not answer.
template <typename Fn>
Status on_loop(Agent& agent, Fn fn) {
  auto st = agent.call([fn = std::move(fn)] {
    const Status s = fn();
    return s.is_ok() ? std::string() : s.message();
  });
  if (!st) return unavailable();
  return st->empty() ? Status::ok() : Status::error(*st);
}

// The Go net.IP text of an address (what Serf's scripts and RPC records show).
std::string ip_text(const core::Address& a) {
  return net::to_ip(a).to_string();
}

std::optional<RpcEventType> rpc_type(SerfEventKind k) {
  switch (k) {
    case SerfEventKind::kMemberJoin:
      return RpcEventType::kMemberJoin;
    case SerfEventKind::kMemberLeave:
      return RpcEventType::kMemberLeave;
    case SerfEventKind::kMemberFailed:
      return RpcEventType::kMemberFailed;
    case SerfEventKind::kMemberUpdate:
      return RpcEventType::kMemberUpdate;
    case SerfEventKind::kMemberReap:
      return RpcEventType::kMemberReap;
    case SerfEventKind::kUser:
      return RpcEventType::kUser;
    case SerfEventKind::kQuery:
      return RpcEventType::kQuery;
    default:
      return std::nullopt;  // query answers go to the asker; rumor's extras stay inside
  }
}

std::optional<HandlerEventKind> handler_kind(SerfEventKind k) {
  switch (k) {
    case SerfEventKind::kMemberJoin:
      return HandlerEventKind::kMemberJoin;
    case SerfEventKind::kMemberLeave:
      return HandlerEventKind::kMemberLeave;
    case SerfEventKind::kMemberFailed:
      return HandlerEventKind::kMemberFailed;
    case SerfEventKind::kMemberUpdate:
      return HandlerEventKind::kMemberUpdate;
    case SerfEventKind::kMemberReap:
      return HandlerEventKind::kMemberReap;
    case SerfEventKind::kUser:
      return HandlerEventKind::kUser;
    case SerfEventKind::kQuery:
      return HandlerEventKind::kQuery;
    default:
      return std::nullopt;
  }
}

}  // namespace

RpcMember rpc_member(const core::serf::SerfMember& m) {
  RpcMember r;
  r.name = m.name;
  const auto ip = m.addr.ip_bytes();
  r.addr.assign(ip.begin(), ip.end());
  r.port = m.addr.port;
  r.tags = RpcTags(m.tags.begin(), m.tags.end());
  r.status = std::string(core::serf::member_status_name(m.status));
  r.protocol_min = m.vsn[0];
  r.protocol_max = m.vsn[1];
  r.protocol_cur = m.vsn[2];
  r.delegate_min = m.vsn[3];
  r.delegate_max = m.vsn[4];
  r.delegate_cur = m.vsn[5];
  return r;
}

Result<std::unique_ptr<AgentRpc>> AgentRpc::start(Agent& agent) {
  std::unique_ptr<AgentRpc> rpc(new AgentRpc(agent));
  if (Status s = rpc->start_handlers(); !s) return s;
  const AgentConfig& c = agent.config();
  if (!c.rpc.empty()) {
    auto addr = net::parse_address(c.rpc, kDefaultRpcPort);
    if (!addr) return Status::error("rpc: " + addr.message());
    SerfRpcConfig rc;
    rc.auth_key = c.rpc_auth;
    auto server = SerfRpcServer::start(*rpc, net::to_string(*addr), rc);
    if (!server) return Status::error("rpc " + c.rpc + ": " + server.message());
    rpc->server_ = std::move(*server);
    SerfRpcServer* server_ptr = rpc->server_.get();
    agent.log().set_tap([server_ptr](LogLevel level, const std::string& line) {
      server_ptr->publish_log(level, line);
    });
  }
  return rpc;
}

AgentRpc::~AgentRpc() {
  agent_.log().set_tap({});
  if (handlers_) handlers_->stop();
  if (server_) server_->stop();
}

Status AgentRpc::start_handlers() {
  const AgentConfig& c = agent_.config();
  if (c.event_handlers.empty()) return Status::ok();
  auto specs = parse_handler_specs(c.event_handlers);
  if (!specs) return Status::error("event-handler: " + specs.message());
  EventHandlerCallbacks callbacks;
  Agent* agent = &agent_;
  callbacks.on_query_output = [agent](uint64_t id, std::string output) {
    const std::vector<uint8_t> payload(output.begin(), output.end());
    auto st = agent->call([agent, id, payload] {
      Status s = agent->respond(id, payload);
      return s.is_ok() ? std::string() : s.message();
    });
    if (st && !st->empty()) agent->log().warn("query handler response not sent", {{"error", *st}});
  };
  callbacks.on_script_done = [agent](const ScriptRun& run) {
    if (run.ok()) return;
    agent->log().warn("event handler failed",
                      {{"script", run.script},
                       {"event", run.event},
                       {"exit", std::to_string(run.exit_code)},
                       {"stderr", run.stderr_tail.empty() ? run.error : run.stderr_tail}});
  };
  HandlerSelf self{c.node, std::map<std::string, std::string>(c.tags.begin(), c.tags.end())};
  auto handlers = EventHandlers::create(std::move(*specs), std::move(self), {}, callbacks);
  if (!handlers) return Status::error("event-handler: " + handlers.message());
  handlers_ = std::move(*handlers);
  return Status::ok();
}

void AgentRpc::set_self_tags(const std::map<std::string, std::string>& tags) {
  if (handlers_) handlers_->set_self_tags(tags);
}

std::optional<EventHandlerCounters> AgentRpc::handler_counters() const {
  if (!handlers_) return std::nullopt;
  return handlers_->counters();
}

// --- events out ----------------------------------------------------------------------------

void AgentRpc::on_event(const SerfEvent& e) {
  if (handlers_) to_handlers(e);
  if (server_) to_streams(e);
}

void AgentRpc::to_handlers(const SerfEvent& e) {
  const auto kind = handler_kind(e.kind);
  if (!kind) return;
  HandlerEvent h;
  h.kind = *kind;
  if (e.kind == SerfEventKind::kUser || e.kind == SerfEventKind::kQuery) {
    h.name = e.name;
    h.ltime = e.ltime;
    h.payload.assign(e.payload.begin(), e.payload.end());
    h.coalesce = e.coalesce;
    h.query_id = e.query_id;
  } else {
    h.members.push_back(HandlerMember{
        e.member.name, ip_text(e.member.addr),
        std::map<std::string, std::string>(e.member.tags.begin(), e.member.tags.end())});
  }
  handlers_->dispatch(h);
}

void AgentRpc::to_streams(const SerfEvent& e) {
  const auto type = rpc_type(e.kind);
  if (!type) return;
  RpcEvent r;
  r.type = *type;
  if (e.kind == SerfEventKind::kUser || e.kind == SerfEventKind::kQuery) {
    r.ltime = e.ltime;
    r.name = e.name;
    r.payload = e.payload;
    r.coalesce = e.coalesce;
    r.query_handle = e.query_id;
  } else {
    r.members.push_back(rpc_member(e.member));
  }
  server_->publish_event(r);
}

// --- the backend (RPC thread) ----------------------------------------------------------------

std::vector<RpcMember> AgentRpc::members() {
  auto list = agent_.call([this] { return agent_.serf_members(); });
  std::vector<RpcMember> out;
  if (!list) return out;
  for (const auto& m : *list)
    out.push_back(rpc_member(m));
  return out;
}

Result<int> AgentRpc::join(const std::vector<std::string>& addrs, bool replay) {
  std::vector<core::Address> seeds;
  for (const auto& a : addrs) {
    auto resolved = net::resolve(a, kDefaultGossipPort);
    if (!resolved) return Status::error(resolved.message());
    seeds.push_back(resolved->front());
  }
  auto before = agent_.call([this, seeds, replay] {
    const size_t n = agent_.joined_count();
    agent_.join_now(seeds, /*ignore_old=*/!replay);
    return n;
  });
  if (!before) return unavailable();
  for (;;) {  // the node bounds each join by its TCP timeout
    auto done = agent_.call([this] { return agent_.joins_done(); });
    if (!done) return unavailable();
    if (*done) break;
    std::this_thread::sleep_for(kPoll);
  }
  auto after = agent_.call([this] { return agent_.joined_count(); });
  if (!after) return unavailable();
  const int joined = static_cast<int>(*after - *before);
  if (joined == 0)
    return Status::error("no seed answered (0 of " + std::to_string(addrs.size()) + ")");
  return joined;
}

Status AgentRpc::leave() {
  if (!agent_.call([this] {
        agent_.begin_leave();
        return true;
      })) {
    return unavailable();
  }
  const auto limit = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(
                         static_cast<int64_t>(agent_.config().leave_timeout_s * 1000 + 2000));
  while (!agent_.stopped() && std::chrono::steady_clock::now() < limit)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return Status::ok();
}

Status AgentRpc::force_leave(const std::string& node, bool prune) {
  return on_loop(agent_, [this, node, prune] { return agent_.force_leave(node, prune); });
}

Status AgentRpc::user_event(const std::string& name, std::vector<uint8_t> payload, bool coalesce) {
  return on_loop(agent_, [this, name, payload, coalesce] {
    return agent_.user_event(name, payload, coalesce);
  });
}

Status AgentRpc::set_tags(const RpcTags& set, const std::vector<std::string>& remove) {
  const core::wire::Tags tags(set.begin(), set.end());
  return on_loop(agent_, [this, tags, remove] { return agent_.update_tags(tags, remove); });
}

Result<uint64_t> AgentRpc::query(const RpcQueryParams& params, std::shared_ptr<RpcQuerySink> sink) {
  core::serf::QueryParams q;
  q.filter_nodes = params.filter_nodes;
  q.filter_tags =
      std::map<std::string, std::string>(params.filter_tags.begin(), params.filter_tags.end());
  q.request_ack = params.request_ack;
  q.relay_factor = params.relay_factor;
  q.timeout = Duration::nanos(params.timeout_ns);
  auto id = agent_.call([this, params, q, sink] {
    Result<uint64_t> r = agent_.query(params.name, params.payload, q, [sink](const SerfEvent& e) {
      if (e.kind == SerfEventKind::kQueryAck) sink->ack(e.from);
      if (e.kind == SerfEventKind::kQueryResponse) sink->response(e.from, e.payload);
      if (e.kind == SerfEventKind::kQueryDone) sink->done();
    });
    return r.is_ok() ? std::make_pair(*r, std::string()) : std::make_pair(uint64_t{0}, r.message());
  });
  if (!id) return unavailable();
  if (!id->second.empty()) return Status::error(id->second);
  return id->first;
}

Status AgentRpc::respond(uint64_t query_handle, std::vector<uint8_t> payload) {
  return on_loop(agent_,
                 [this, query_handle, payload] { return agent_.respond(query_handle, payload); });
}

RpcKeyResponse AgentRpc::key_op(KeyOp op, const std::string& key) {
  const core::serf::KeyOp kind = op == KeyOp::kInstall  ? core::serf::KeyOp::kInstall
                                 : op == KeyOp::kUse    ? core::serf::KeyOp::kUse
                                 : op == KeyOp::kRemove ? core::serf::KeyOp::kRemove
                                                        : core::serf::KeyOp::kList;
  RpcKeyResponse resp;
  const auto outcome = agent_.key_op_and_wait(kind, key);
  if (!outcome) {
    resp.error = "the key query did not end in time (or the agent is stopping)";
    return resp;
  }
  const core::serf::KeyTally& t = outcome->tally;
  resp.messages = t.messages;
  resp.keys = std::map<std::string, int64_t>(t.keys.begin(), t.keys.end());
  resp.num_nodes = t.num_nodes;
  resp.num_err = t.num_err;
  resp.num_resp = t.num_resp;
  resp.error = outcome->error;
  return resp;
}

RpcStats AgentRpc::stats() {
  auto s = agent_.call([this] { return agent_.serf_stats(); });
  RpcStats out = s.value_or(RpcStats{});
  utsname u{};
  if (uname(&u) == 0) {
    out["runtime"]["os"] = u.sysname;
    out["runtime"]["arch"] = u.machine;
  }
  out["runtime"]["version"] = "rumor";
  out["runtime"]["cpu_count"] = std::to_string(std::thread::hardware_concurrency());
  if (auto c = handler_counters()) {
    out["event_handlers"]["dispatched"] = std::to_string(c->events_dispatched);
    out["event_handlers"]["dropped"] = std::to_string(c->events_dropped);
    out["event_handlers"]["failed"] = std::to_string(c->scripts_failed);
  } else {
    out["event_handlers"];  // Serf always shows the section
  }
  return out;
}

std::optional<RpcCoordinate> AgentRpc::coordinate(const std::string& node) {
  auto c = agent_.call([this, node] { return agent_.coordinate(node); });
  if (!c || !*c) return std::nullopt;
  const core::serf::Coordinate& coord = **c;
  return RpcCoordinate{coord.vec, coord.error, coord.adjustment, coord.height};
}

}  // namespace rumor::agent
