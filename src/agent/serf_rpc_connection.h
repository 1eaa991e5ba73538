// The inside of SerfRpcServer (serf_rpc.h): the state the RPC thread owns (RpcServerCore) and
// one client connection (RpcConnection). Not for use outside serf_rpc*.cc.
//
// Everything here runs on the RPC thread except RpcServerCore::post_bounded and the counters.
// A connection is kept alive by the core's set and by its pending I/O handlers; close() takes it
// out of the set, so once its handlers have finished it is gone. Requests are parsed from the
// connection's input buffer one whole request (header, then the body if the command has one)
// at a time, and answered in order through one output queue. Stream, log and query records are
// the only output that may be dropped; responses never are, because no further request is read
// while the queue is over its limit.
#pragma once

#include <array>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agent/serf_rpc.h"

namespace rumor::agent {

class RpcConnection;

class RpcServerCore : public std::enable_shared_from_this<RpcServerCore> {
 public:
  RpcServerCore(SerfRpcBackend& b, SerfRpcConfig c)
      : backend(b), config(std::move(c)), acceptor(io), retry_timer(io) {}

  // Runs `f` on the RPC thread unless max_posted calls already wait (then counts a drop).
  template <typename F>
  void post_bounded(F&& f) {
    if (posted_.fetch_add(1) >= config.max_posted) {
      posted_.fetch_sub(1);
      dropped_posts.fetch_add(1);
      return;
    }
    asio::post(io, [this, fn = std::forward<F>(f)]() mutable {
      posted_.fetch_sub(1);
      fn();
    });
  }

  void accept_next();
  void shutdown();
  void remove(const std::shared_ptr<RpcConnection>& c) { connections.erase(c); }
  void deliver_event(const RpcEvent& e);
  void deliver_log(LogLevel level, const std::string& line);

  SerfRpcBackend& backend;
  const SerfRpcConfig config;
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
  std::set<std::shared_ptr<RpcConnection>> connections;
  std::deque<std::pair<LogLevel, std::string>> log_backlog;
  bool stopping = false;

  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> refused{0};
  std::atomic<uint64_t> commands{0};
  std::atomic<uint64_t> bad_input{0};
  std::atomic<uint64_t> dropped_records{0};
  std::atomic<uint64_t> dropped_posts{0};
  std::atomic<uint64_t> slow_disconnects{0};

 private:
  void on_accept(const std::error_code& ec, asio::ip::tcp::socket socket);
  std::atomic<size_t> posted_{0};
};

class RpcConnection : public std::enable_shared_from_this<RpcConnection> {
 public:
  RpcConnection(RpcServerCore& core, asio::ip::tcp::socket socket);

  void start() { read_more(); }
  // Closes the socket, ends every stream and query, leaves the core's set. Idempotent.
  void close();

  // From the core, on the RPC thread.
  void deliver_event(const RpcEvent& e);
  void deliver_log(LogLevel level, const std::string& line);
  // From a query's sink, on the RPC thread: records for the query started with `seq`.
  void query_record(uint64_t seq, std::string_view type, const std::string& from,
                    const std::vector<uint8_t>& payload);
  void query_done(uint64_t seq);

 private:
  struct Monitor {
    uint64_t seq = 0;
    LogLevel level = LogLevel::kInfo;
  };

  // serf_rpc_connection.cc: input, framing, output.
  void read_more();
  void on_read(const std::error_code& ec, size_t n);
  void process_input();
  bool handle_one();
  bool whole(const RpcFrame& f);
  void fail(bool bad_input);
  void reply(uint64_t seq, std::string_view error, std::vector<uint8_t> body = {});
  bool send_record(uint64_t seq, const std::vector<uint8_t>& record, bool droppable);
  void enqueue(std::vector<uint8_t> bytes);
  void write_next();
  void on_written(const std::error_code& ec);
  void after_drain();
  bool stream_seq_in_use(uint64_t seq) const;

  // serf_rpc_commands.cc: one function per command.
  void dispatch(const RpcRequestHeader& h, const msgpack::object* body);
  template <typename Req>
  bool decode_body(const msgpack::object* body, Req& req);
  void cmd_handshake(uint64_t seq, const msgpack::object* body);
  void cmd_auth(uint64_t seq, const msgpack::object* body);
  void cmd_event(uint64_t seq, const msgpack::object* body);
  void cmd_force_leave(uint64_t seq, const msgpack::object* body);
  void cmd_join(uint64_t seq, const msgpack::object* body);
  void cmd_members(uint64_t seq, const msgpack::object* body);
  void cmd_stream(uint64_t seq, const msgpack::object* body);
  void cmd_monitor(uint64_t seq, const msgpack::object* body);
  void cmd_stop(uint64_t seq, const msgpack::object* body);
  void cmd_leave(uint64_t seq);
  void cmd_key(uint64_t seq, KeyOp op, const msgpack::object* body);
  void cmd_tags(uint64_t seq, const msgpack::object* body);
  void cmd_query(uint64_t seq, const msgpack::object* body);
  void cmd_respond(uint64_t seq, const msgpack::object* body);
  void cmd_stats(uint64_t seq);
  void cmd_coordinate(uint64_t seq, const msgpack::object* body);
  void start_query_guard(uint64_t seq, int64_t timeout_ns);

  RpcServerCore& core_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer write_timer_;
  std::array<uint8_t, 4096> chunk_{};
  std::vector<uint8_t> input_;
  std::vector<uint8_t> pending_;   // encoded, not yet handed to the socket
  std::vector<uint8_t> inflight_;  // handed to the socket, not yet written
  uint64_t write_generation_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;  // answer written, then close (a protocol error)
  bool closed_ = false;

  int32_t version_ = 0;  // from the handshake; 0 before
  bool authed_ = false;
  std::map<uint64_t, std::vector<RpcEventFilter>> streams_;
  std::optional<Monitor> monitor_;
  std::map<uint64_t, std::unique_ptr<asio::steady_timer>> queries_;  // seq -> guard
  std::map<uint64_t, uint64_t> pending_queries_;  // client's query ID -> backend handle
  uint64_t next_query_id_ = 0;
};

}  // namespace rumor::agent
