// SerfRpcServer: Serf's agent RPC (IPC) served over TCP, so the real `serf` CLI (members, join,
// leave, force-leave, event, query, tags, keys, info, rtt, monitor) and Serf RPC client
// libraries can drive a rumor agent. The protocol is ipc.go of Serf 0.9.4
// (../shared/specs/memberlist-serf-wire.md §9); serf_rpc_codec.h holds its messages.
//
// The server owns one listener, one io_context and one thread (the RPC thread); the owner
// starts it and stops it (stop() or the destructor; never from inside a backend call). Every
// connection is handled on the RPC thread: a handshake first ("Handshake required" and a close
// otherwise), then the auth key if one is configured, then commands, answered in order. The
// protocol state comes from a SerfRpcBackend, called on the RPC thread; its calls may block
// briefly (the agent marshals them onto its loop with a timeout) and report failures as a
// Status, which the client sees as the response's Error.
//
// Events and log lines are pushed in by the owner from any thread (publish_event,
// publish_log): both only post to the RPC thread and never wait on a client. Query acks and
// responses come back through the RpcQuerySink handed to backend.query(), also from any
// thread, and the sink may outlive the server (its calls then do nothing).
//
// Limits: at most max_connections clients (more are closed on accept); a request (header and
// body) of at most max_request_bytes (beyond, or not msgpack, or of the wrong shape: the
// connection is closed, as Serf closes it on a decode error); at most max_streams streams and
// running queries per connection; at most max_queue_bytes waiting to be written to one client:
// stream, log and query records beyond that are dropped and counted, no further request is read
// until the queue drains, and a client that takes longer than write_timeout_ms to accept a
// write is disconnected. At most max_posted events, log lines and sink calls wait for the RPC
// thread; beyond that they are dropped and counted.
//
// Deviations from Serf, both on error paths: a members filter that is not a valid regular
// expression (RE2 syntax, as Go's) gets an error response with an empty member list instead of
// a silent close; a command refused for want of auth still has its body consumed, so the
// stream stays framed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/log.h"
#include "agent/serf_rpc_codec.h"
#include "base/status.h"

namespace rumor::agent {

// Where a query's acks and responses go, from any thread. done() ends the query's stream; the
// server also ends it on its own when the query's timeout (plus a grace) has passed.
class RpcQuerySink {
 public:
  virtual ~RpcQuerySink() = default;
  virtual void ack(const std::string& from) = 0;
  virtual void response(const std::string& from, std::vector<uint8_t> payload) = 0;
  virtual void done() = 0;
};

enum class KeyOp : uint8_t { kInstall, kUse, kRemove, kList };

// The agent as the RPC sees it. Called on the RPC thread only.
class SerfRpcBackend {
 public:
  virtual ~SerfRpcBackend() = default;
  virtual std::vector<RpcMember> members() = 0;
  // The number of nodes joined, or why none was.
  virtual Result<int> join(const std::vector<std::string>& addrs, bool replay) = 0;
  // A graceful leave; the owner shuts the agent (and this server) down afterwards.
  virtual Status leave() = 0;
  virtual Status force_leave(const std::string& node, bool prune) = 0;
  virtual Status user_event(const std::string& name, std::vector<uint8_t> payload,
                            bool coalesce) = 0;
  virtual Status set_tags(const RpcTags& set, const std::vector<std::string>& remove) = 0;
  // Starts a query; the result is its handle. Acks, responses and the end go to `sink`.
  virtual Result<uint64_t> query(const RpcQueryParams& params,
                                 std::shared_ptr<RpcQuerySink> sink) = 0;
  // Answers a query this node received (the handle of a published kQuery event).
  virtual Status respond(uint64_t query_handle, std::vector<uint8_t> payload) = 0;
  // `key` is base64 (empty for kList).
  virtual RpcKeyResponse key_op(KeyOp op, const std::string& key) = 0;
  virtual RpcStats stats() = 0;
  virtual std::optional<RpcCoordinate> coordinate(const std::string& node) = 0;
};

struct SerfRpcConfig {
  std::string auth_key;  // empty: no auth
  size_t max_connections = 64;
  size_t max_request_bytes = 64 * 1024;
  size_t max_queue_bytes = 1 << 20;
  size_t max_streams = 16;                    // streams and running queries, per connection
  size_t max_pending_queries = 256;           // respond() IDs remembered per connection
  size_t max_posted = 8192;                   // events, log lines and sink calls waiting
  size_t log_backlog = 256;                   // recent lines a new monitor receives first
  int64_t write_timeout_ms = 10'000;          // a write not accepted by then disconnects
  int64_t default_query_timeout_ms = 30'000;  // the query guard when Timeout is 0
  int64_t query_grace_ms = 2'000;             // added to a query's timeout for its guard

  // Every limit at least 1 (the timeouts at least 1 ms); the error names the field.
  Status validate() const;
};

// Monotonic counts, readable from any thread.
struct SerfRpcCounters {
  uint64_t accepted = 0;
  uint64_t refused = 0;           // over max_connections
  uint64_t commands = 0;          // requests dispatched
  uint64_t bad_input = 0;         // connections closed for garbage, oversize or bad shapes
  uint64_t dropped_records = 0;   // stream, log and query records over a queue limit
  uint64_t dropped_posts = 0;     // publish_* and sink calls over max_posted
  uint64_t slow_disconnects = 0;  // clients past write_timeout_ms
};

class RpcServerCore;

class SerfRpcServer {
 public:
  // Listens on `address` ("ip:port"; port 0 picks one) and starts the RPC thread. Errors: a
  // bad config, an unparsable address, or one that cannot be listened on.
  static Result<std::unique_ptr<SerfRpcServer>> start(SerfRpcBackend& backend,
                                                      const std::string& address,
                                                      SerfRpcConfig config = {});
  ~SerfRpcServer();
  SerfRpcServer(const SerfRpcServer&) = delete;
  SerfRpcServer& operator=(const SerfRpcServer&) = delete;

  // Closes the listener and every connection and joins the RPC thread. Idempotent.
  void stop();
  uint16_t port() const { return port_; }

  // Thread-safe, non-blocking: hands the event to every matching stream.
  void publish_event(const RpcEvent& event);
  // Thread-safe, non-blocking: hands the line to every monitor whose level is `level` or
  // lower, and keeps it for monitors still to come (log_backlog).
  void publish_log(LogLevel level, std::string line);
  SerfRpcCounters counters() const;

 private:
  explicit SerfRpcServer(std::shared_ptr<RpcServerCore> core, uint16_t port);

  std::shared_ptr<RpcServerCore> core_;
  uint16_t port_;
  std::thread thread_;
};

}  // namespace rumor::agent
