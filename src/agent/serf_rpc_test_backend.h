// A fake SerfRpcBackend for the Serf RPC tests: canned members, stats and coordinates, and a
// record (under `mu`) of every call the server made, so a test can check what a client's
// command reached the agent as.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/serf_rpc.h"

namespace rumor::agent::rpctest {

using Bytes = std::vector<uint8_t>;

inline Bytes bytes_of(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// ---- fake backend ------------------------------------------------------------------------

inline RpcMember member(std::string name, uint8_t last_octet, std::string status, RpcTags tags) {
  RpcMember m;
  m.name = std::move(name);
  m.addr = {10, 0, 0, last_octet};
  m.port = 7946;
  m.tags = std::move(tags);
  m.status = std::move(status);
  m.protocol_min = 1;
  m.protocol_max = 5;
  m.protocol_cur = 2;
  m.delegate_min = 2;
  m.delegate_max = 5;
  m.delegate_cur = 4;
  return m;
}

class FakeBackend : public SerfRpcBackend {
 public:
  enum class QueryMode { kAnswer, kNeverDone, kFail };

  std::vector<RpcMember> members() override {
    return {member("node-a", 1, "alive", {{"role", "web"}, {"dc", "east"}}),
            member("node-b", 2, "alive", {{"role", "db"}}),
            member("node-c", 3, "failed", {{"role", "web"}})};
  }
  Result<int> join(const std::vector<std::string>& addrs, bool replay) override {
    std::lock_guard lock(mu);
    joined = addrs;
    join_replay = replay;
    for (const std::string& a : addrs) {
      if (a == "bad") return Status::error("dial tcp bad: no route");
    }
    return static_cast<int>(addrs.size());
  }
  Status leave() override {
    std::lock_guard lock(mu);
    ++leaves;
    return Status::ok();
  }
  Status force_leave(const std::string& node, bool prune) override {
    std::lock_guard lock(mu);
    force_left = node;
    force_prune = prune;
    return Status::ok();
  }
  Status user_event(const std::string& name, Bytes payload, bool coalesce) override {
    std::lock_guard lock(mu);
    if (name == "toolarge") return Status::error("user event exceeds limit of 512 bytes");
    event_name = name;
    event_payload = std::move(payload);
    event_coalesce = coalesce;
    return Status::ok();
  }
  Status set_tags(const RpcTags& set, const std::vector<std::string>& remove) override {
    std::lock_guard lock(mu);
    tags_set = set;
    tags_removed = remove;
    return Status::ok();
  }
  Result<uint64_t> query(const RpcQueryParams& params, std::shared_ptr<RpcQuerySink> sink) override;
  Status respond(uint64_t handle, Bytes payload) override {
    std::lock_guard lock(mu);
    responded_handle = handle;
    responded_payload = std::move(payload);
    return Status::ok();
  }
  RpcKeyResponse key_op(KeyOp op, const std::string& key) override;
  RpcStats stats() override {
    return {{"agent", {{"name", "node-a"}}},
            {"serf", {{"members", "3"}, {"failed", "1"}}},
            {"tags", {{"role", "web"}}}};
  }
  std::optional<RpcCoordinate> coordinate(const std::string& node) override {
    RpcCoordinate c;
    c.vec.assign(8, 0.0);
    c.height = 0.125;
    if (node == "node-a") {
      c.vec[0] = 0.25;
      return c;
    }
    if (node == "node-b") return c;
    return std::nullopt;
  }

  ~FakeBackend() override {
    for (std::thread& t : finishers_)
      t.join();
  }

  std::mutex mu;
  QueryMode query_mode = QueryMode::kAnswer;
  std::vector<std::string> joined;
  bool join_replay = false;
  int leaves = 0;
  std::string force_left;
  bool force_prune = false;
  std::string event_name;
  Bytes event_payload;
  bool event_coalesce = false;
  RpcTags tags_set;
  std::vector<std::string> tags_removed;
  std::optional<RpcQueryParams> queried;
  std::shared_ptr<RpcQuerySink> last_sink;
  uint64_t responded_handle = 0;
  Bytes responded_payload;
  std::optional<KeyOp> key_op_seen;
  std::string key_seen;

 private:
  std::vector<std::thread> finishers_;
};

inline Result<uint64_t> FakeBackend::query(const RpcQueryParams& params,
                                           std::shared_ptr<RpcQuerySink> sink) {
  std::lock_guard lock(mu);
  queried = params;
  last_sink = sink;
  if (query_mode == QueryMode::kFail) return Status::error("query exceeds limit of 1024 bytes");
  if (query_mode == QueryMode::kAnswer) {
    sink->ack("node-a");
    sink->response("node-a", bytes_of("pong-a"));
    sink->ack("node-b");
    sink->response("node-b", bytes_of("pong-b\n"));
    // The serf CLI stops reading at the end of the stream even with records still buffered,
    // so, like a real query, the end comes a while after the answers.
    finishers_.emplace_back([sink] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      sink->done();
    });
  }
  return uint64_t{42};
}

inline RpcKeyResponse FakeBackend::key_op(KeyOp op, const std::string& key) {
  std::lock_guard lock(mu);
  key_op_seen = op;
  key_seen = key;
  RpcKeyResponse r;
  r.num_nodes = 3;
  r.num_resp = 3;
  if (key == "bad") {
    r.num_err = 1;
    r.messages["node-b"] = "key is not valid base64";
    r.error = "1/3 nodes reported failure";
    return r;
  }
  if (op == KeyOp::kList)
    r.keys = {{"K1xxxxxxxxxxxxxxxxxxxA==", 3}, {"K2xxxxxxxxxxxxxxxxxxxA==", 1}};
  return r;
}

}  // namespace rumor::agent::rpctest
