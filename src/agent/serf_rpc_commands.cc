// The command handlers of RpcConnection (serf_rpc_connection.h), one per Serf RPC command, with
// ipc.go's error strings. Each answers with exactly the header (and body) the Serf client waits
// for: a client that expects a body decodes one even when Error is set, so those bodies are
// always sent.
#include <re2/re2.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "agent/serf_rpc_connection.h"

namespace rumor::agent {

namespace {

constexpr std::string_view kHandshakeRequired = "Handshake required";
constexpr std::string_view kUnsupportedCommand = "Unsupported command";
constexpr std::string_view kUnsupportedVersion = "Unsupported IPC version";
constexpr std::string_view kDuplicateHandshake = "Handshake already performed";
constexpr std::string_view kAuthRequired = "Authentication required";
constexpr std::string_view kInvalidAuthToken = "Invalid authentication token";
constexpr std::string_view kInvalidFilter = "Invalid event filter";
constexpr std::string_view kStreamExists = "Stream with given sequence exists";
constexpr std::string_view kMonitorExists = "Monitor already exists";
constexpr std::string_view kInvalidQueryId = "No pending queries matching ID";
constexpr std::string_view kTooManyStreams = "Too many streams on this connection";
constexpr int32_t kIpcVersion = 1;

std::string error_text(const Status& s) {
  return s ? std::string() : s.message();
}

// A regular expression anchored as Serf anchors it ("^" + expr + "$"). Go's regexp syntax is
// RE2's, and RE2 matches in linear time within a bounded amount of memory, so a client's
// expression cannot stall the RPC thread.
class AnchoredRegex {
 public:
  explicit AnchoredRegex(const std::string& expr) : re_("^" + expr + "$", options()) {}
  // "" when the expression compiled, else why not.
  std::string error() const { return re_.ok() ? std::string() : re_.error(); }
  bool matches(const std::string& s) const { return RE2::PartialMatch(s, re_); }

 private:
  static RE2::Options options() {
    RE2::Options o;
    o.set_log_errors(false);
    o.set_max_mem(int64_t{1} << 20);
    return o;
  }
  RE2 re_;
};

// The members matching a members-filtered request, or an error naming the bad expression.
Result<std::vector<RpcMember>> filter_members(std::vector<RpcMember> all,
                                              const RpcMembersFilteredRequest& req) {
  std::map<std::string, std::unique_ptr<AnchoredRegex>> tag_res;
  for (const auto& [tag, expr] : req.tags)
    tag_res[tag] = std::make_unique<AnchoredRegex>(expr);
  const AnchoredRegex status_re(req.status);
  const AnchoredRegex name_re(req.name);
  std::string err;
  for (const auto& [tag, re] : tag_res) {
    if (err.empty()) err = re->error();
  }
  if (err.empty()) err = status_re.error();
  if (err.empty()) err = name_re.error();
  if (!err.empty()) return Status::error("Failed to compile regex: " + err);
  std::vector<RpcMember> out;
  for (RpcMember& m : all) {
    const bool tags_ok = std::all_of(tag_res.begin(), tag_res.end(), [&](const auto& kv) {
      auto it = m.tags.find(kv.first);
      return kv.second->matches(it == m.tags.end() ? std::string() : it->second);
    });
    if (!tags_ok) continue;
    if (!req.status.empty() && !status_re.matches(m.status)) continue;
    if (!req.name.empty() && !name_re.matches(m.name)) continue;
    out.push_back(std::move(m));
  }
  return out;
}

// Where the backend sends a query's acks and responses: posted to the RPC thread, for the
// connection and query that started it, as long as both exist.
class ConnectionQuerySink final : public RpcQuerySink {
 public:
  ConnectionQuerySink(std::weak_ptr<RpcServerCore> core, std::weak_ptr<RpcConnection> conn,
                      uint64_t seq)
      : core_(std::move(core)), conn_(std::move(conn)), seq_(seq) {}

  void ack(const std::string& from) override {
    post([from](RpcConnection& c, uint64_t seq) { c.query_record(seq, "ack", from, {}); });
  }
  void response(const std::string& from, std::vector<uint8_t> payload) override {
    post([from, p = std::move(payload)](RpcConnection& c, uint64_t seq) {
      c.query_record(seq, "response", from, p);
    });
  }
  void done() override {
    if (done_.exchange(true)) return;
    post([](RpcConnection& c, uint64_t seq) { c.query_done(seq); });
  }

 private:
  template <typename F>
  void post(F&& f) {
    auto core = core_.lock();
    if (!core) return;
    core->post_bounded([conn = conn_, seq = seq_, fn = std::forward<F>(f)] {
      if (auto c = conn.lock()) fn(*c, seq);
    });
  }

  std::weak_ptr<RpcServerCore> core_;
  std::weak_ptr<RpcConnection> conn_;
  const uint64_t seq_;
  std::atomic<bool> done_{false};
};

}  // namespace

// A body that does not decode closes the connection, as ipc.go's "decode failed" does.
template <typename Req>
bool RpcConnection::decode_body(const msgpack::object* body, Req& req) {
  if (body != nullptr && !decode_rpc(*body, req)) return true;
  fail(true);
  return false;
}

void RpcConnection::dispatch(const RpcRequestHeader& h, const msgpack::object* body) {
  const uint64_t seq = h.seq;
  const std::string& c = h.command;
  if (version_ == 0 && c != "handshake") {
    reply(seq, kHandshakeRequired);
    closing_ = true;
    return;
  }
  if (!core_.config.auth_key.empty() && !authed_ && c != "auth" && c != "handshake") {
    return reply(seq, kAuthRequired);
  }
  if (c == "handshake") return cmd_handshake(seq, body);
  if (c == "auth") return cmd_auth(seq, body);
  if (c == "event") return cmd_event(seq, body);
  if (c == "force-leave") return cmd_force_leave(seq, body);
  if (c == "join") return cmd_join(seq, body);
  if (c == "members") return cmd_members(seq, nullptr);
  if (c == "members-filtered") {
    if (body == nullptr) return fail(true);
    return cmd_members(seq, body);
  }
  if (c == "stream") return cmd_stream(seq, body);
  if (c == "monitor") return cmd_monitor(seq, body);
  if (c == "stop") return cmd_stop(seq, body);
  if (c == "leave") return cmd_leave(seq);
  if (c == "install-key") return cmd_key(seq, KeyOp::kInstall, body);
  if (c == "use-key") return cmd_key(seq, KeyOp::kUse, body);
  if (c == "remove-key") return cmd_key(seq, KeyOp::kRemove, body);
  if (c == "list-keys") return cmd_key(seq, KeyOp::kList, nullptr);
  if (c == "tags") return cmd_tags(seq, body);
  if (c == "query") return cmd_query(seq, body);
  if (c == "respond") return cmd_respond(seq, body);
  if (c == "stats") return cmd_stats(seq);
  if (c == "get-coordinate") return cmd_coordinate(seq, body);
  reply(seq, kUnsupportedCommand);
  closing_ = true;
}

void RpcConnection::cmd_handshake(uint64_t seq, const msgpack::object* body) {
  RpcHandshakeRequest req;
  if (!decode_body(body, req)) return;
  if (req.version != kIpcVersion) return reply(seq, kUnsupportedVersion);
  if (version_ != 0) return reply(seq, kDuplicateHandshake);
  version_ = req.version;
  reply(seq, "");
}

void RpcConnection::cmd_auth(uint64_t seq, const msgpack::object* body) {
  RpcAuthRequest req;
  if (!decode_body(body, req)) return;
  const std::string& key = core_.config.auth_key;
  // Compared in full whatever the first difference, so timing does not reveal a prefix.
  unsigned diff = req.auth_key.size() == key.size() ? 0u : 1u;
  for (size_t i = 0; i < req.auth_key.size() && i < key.size(); ++i) {
    diff |= static_cast<unsigned>(req.auth_key[i] ^ key[i]);
  }
  if (diff != 0) return reply(seq, kInvalidAuthToken);
  authed_ = true;
  reply(seq, "");
}

void RpcConnection::cmd_event(uint64_t seq, const msgpack::object* body) {
  RpcEventRequest req;
  if (!decode_body(body, req)) return;
  reply(seq, error_text(core_.backend.user_event(req.name, std::move(req.payload), req.coalesce)));
}

void RpcConnection::cmd_force_leave(uint64_t seq, const msgpack::object* body) {
  RpcForceLeaveRequest req;
  if (!decode_body(body, req)) return;
  reply(seq, error_text(core_.backend.force_leave(req.node, req.prune)));
}

void RpcConnection::cmd_join(uint64_t seq, const msgpack::object* body) {
  RpcJoinRequest req;
  if (!decode_body(body, req)) return;
  Result<int> r = core_.backend.join(req.existing, req.replay);
  std::vector<uint8_t> out;
  encode_join_response(out, r ? static_cast<int32_t>(*r) : 0);
  reply(seq, r ? std::string() : r.message(), std::move(out));
}

void RpcConnection::cmd_members(uint64_t seq, const msgpack::object* body) {
  RpcMembersFilteredRequest req;
  if (body != nullptr && !decode_body(body, req)) return;
  Result<std::vector<RpcMember>> members = filter_members(core_.backend.members(), req);
  std::vector<uint8_t> out;
  encode_members_response(out, members ? *members : std::vector<RpcMember>{});
  reply(seq, members ? std::string() : members.message(), std::move(out));
}

void RpcConnection::cmd_stream(uint64_t seq, const msgpack::object* body) {
  RpcStreamRequest req;
  if (!decode_body(body, req)) return;
  std::optional<std::vector<RpcEventFilter>> filters = parse_stream_filters(req.type);
  if (!filters) return reply(seq, kInvalidFilter);
  if (stream_seq_in_use(seq)) return reply(seq, kStreamExists);
  if (streams_.size() + queries_.size() >= core_.config.max_streams) {
    return reply(seq, kTooManyStreams);
  }
  streams_[seq] = std::move(*filters);
  reply(seq, "");
}

// The answer first, then the recent lines at or above the level, then live lines.
void RpcConnection::cmd_monitor(uint64_t seq, const msgpack::object* body) {
  RpcMonitorRequest req;
  if (!decode_body(body, req)) return;
  std::string upper = req.log_level;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  std::optional<LogLevel> level = parse_monitor_level(upper);
  if (!level) return reply(seq, "Unknown log level: " + upper);
  if (monitor_) return reply(seq, kMonitorExists);
  if (stream_seq_in_use(seq)) return reply(seq, kStreamExists);
  monitor_ = Monitor{seq, *level};
  reply(seq, "");
  for (const auto& [lvl, line] : core_.log_backlog)
    deliver_log(lvl, line);
}

void RpcConnection::cmd_stop(uint64_t seq, const msgpack::object* body) {
  RpcStopRequest req;
  if (!decode_body(body, req)) return;
  if (monitor_ && monitor_->seq == req.stop) monitor_.reset();
  streams_.erase(req.stop);
  reply(seq, "");
}

void RpcConnection::cmd_leave(uint64_t seq) {
  reply(seq, error_text(core_.backend.leave()));
}

void RpcConnection::cmd_key(uint64_t seq, KeyOp op, const msgpack::object* body) {
  RpcKeyRequest req;
  if (op != KeyOp::kList && !decode_body(body, req)) return;
  RpcKeyResponse r = core_.backend.key_op(op, req.key);
  std::vector<uint8_t> out;
  encode_key_response(out, r, op == KeyOp::kList);
  reply(seq, r.error, std::move(out));
}

void RpcConnection::cmd_tags(uint64_t seq, const msgpack::object* body) {
  RpcTagsRequest req;
  if (!decode_body(body, req)) return;
  reply(seq, error_text(core_.backend.set_tags(req.tags, req.delete_tags)));
}

// The answer, then (on success) ack and response records and a final done record, sent when
// the backend calls done() or the guard runs out.
void RpcConnection::cmd_query(uint64_t seq, const msgpack::object* body) {
  RpcQueryParams req;
  if (!decode_body(body, req)) return;
  if (stream_seq_in_use(seq)) return reply(seq, kStreamExists);
  if (streams_.size() + queries_.size() >= core_.config.max_streams) {
    return reply(seq, kTooManyStreams);
  }
  auto sink = std::make_shared<ConnectionQuerySink>(core_.weak_from_this(), weak_from_this(), seq);
  Result<uint64_t> started = core_.backend.query(req, std::move(sink));
  if (!started) return reply(seq, started.message());
  start_query_guard(seq, req.timeout_ns);
  reply(seq, "");
}

void RpcConnection::cmd_respond(uint64_t seq, const msgpack::object* body) {
  RpcRespondRequest req;
  if (!decode_body(body, req)) return;
  auto it = pending_queries_.find(req.id);
  if (it == pending_queries_.end()) return reply(seq, kInvalidQueryId);
  reply(seq, error_text(core_.backend.respond(it->second, std::move(req.payload))));
}

void RpcConnection::cmd_stats(uint64_t seq) {
  std::vector<uint8_t> out;
  encode_stats_response(out, core_.backend.stats());
  reply(seq, "", std::move(out));
}

void RpcConnection::cmd_coordinate(uint64_t seq, const msgpack::object* body) {
  RpcCoordinateRequest req;
  if (!decode_body(body, req)) return;
  std::vector<uint8_t> out;
  encode_coordinate_response(out, core_.backend.coordinate(req.node));
  reply(seq, "", std::move(out));
}

}  // namespace rumor::agent
