// AgentRpc: the agent behind Serf's RPC (serf_rpc.h, so the `serf` CLI drives rumor) and behind
// Serf-style event handler scripts (event_handler.h).
//
// As the RPC's backend it runs each call on the agent's loop thread through Agent::call (a
// bounded wait: a stuck loop gives the client an error, never a hung RPC thread). As one of
// the agent's event listeners (Agent::add_event_listener, on the loop thread) it copies each
// Serf event out to the RPC streams and to the handler scripts; both only enqueue, so neither
// can slow gossip. A query script's output goes back as the query's response through the loop.
// The log is tapped for `serf monitor`.
//
// Lifetime: created by the agent once it is running its loop's host; destroyed before the loop
// (the destructor stops the scripts and the RPC thread, and detaches the log tap).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/event_handler.h"
#include "agent/serf_rpc.h"
#include "base/status.h"
#include "core/serf/serf_node.h"

namespace rumor::agent {

class Agent;

class AgentRpc : public SerfRpcBackend {
 public:
  // Starts the RPC listener (unless the config's rpc address is empty) and the handlers (if
  // any are configured). Errors: a port in use, a bad handler spec.
  static Result<std::unique_ptr<AgentRpc>> start(Agent& agent);
  ~AgentRpc() override;
  AgentRpc(const AgentRpc&) = delete;
  AgentRpc& operator=(const AgentRpc&) = delete;

  // Loop thread: one event of the agent's node.
  void on_event(const core::serf::SerfEvent& e);
  // The RPC's port (0 when off), for logs and tests.
  uint16_t rpc_port() const { return server_ ? server_->port() : 0; }
  // Loop thread: the tags handler scripts see as SERF_TAG_* changed.
  void set_self_tags(const std::map<std::string, std::string>& tags);
  std::optional<EventHandlerCounters> handler_counters() const;

  // SerfRpcBackend (RPC thread).
  std::vector<RpcMember> members() override;
  Result<int> join(const std::vector<std::string>& addrs, bool replay) override;
  Status leave() override;
  Status force_leave(const std::string& node, bool prune) override;
  Status user_event(const std::string& name, std::vector<uint8_t> payload, bool coalesce) override;
  Status set_tags(const RpcTags& set, const std::vector<std::string>& remove) override;
  Result<uint64_t> query(const RpcQueryParams& params, std::shared_ptr<RpcQuerySink> sink) override;
  Status respond(uint64_t query_handle, std::vector<uint8_t> payload) override;
  RpcKeyResponse key_op(KeyOp op, const std::string& key) override;
  RpcStats stats() override;
  std::optional<RpcCoordinate> coordinate(const std::string& node) override;

 private:
  explicit AgentRpc(Agent& agent) : agent_(agent) {}
  Status start_handlers();
  void to_handlers(const core::serf::SerfEvent& e);
  void to_streams(const core::serf::SerfEvent& e);

  Agent& agent_;
  std::unique_ptr<EventHandlers> handlers_;
  std::unique_ptr<SerfRpcServer> server_;
};

// A member as Serf's RPC shows it.
RpcMember rpc_member(const core::serf::SerfMember& m);

}  // namespace rumor::agent
