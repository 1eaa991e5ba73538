// The agent's Serf commands (agent.h): user events, queries, force-leave, and Serf's key
// management (keymanager.go: a key query to every member, its answers tallied), with the
// keyring file kept in step with the node's keys.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "agent/agent.h"
#include "agent/keyring_file.h"

namespace rumor::agent {

// --- Serf's commands -----------------------------------------------------------------------

Status Agent::user_event(const std::string& name, const std::vector<uint8_t>& payload,
                         bool coalesce) {
  if (leaving_) return Status::error("the agent is leaving");
  return host_->command([&](core::serf::SerfNode& n, Time now) {
    return n.user_event(now, name, payload, coalesce);
  });
}

Status Agent::force_leave(const std::string& node, bool prune) {
  return host_->command(
      [&](core::serf::SerfNode& n, Time now) { return n.force_leave(now, node, prune); });
}

Result<uint64_t> Agent::query(const std::string& name, const std::vector<uint8_t>& payload,
                              const core::serf::QueryParams& params, QueryCallback on_answer) {
  if (leaving_) return Status::error("the agent is leaving");
  // Registered before the node's events go out: this node answers its own query at once.
  return host_->command([&](core::serf::SerfNode& n, Time now) {
    Result<uint64_t> id = n.query(now, name, payload, params);
    if (id) queries_[*id] = std::move(on_answer);
    return id;
  });
}

Status Agent::respond(uint64_t query_id, const std::vector<uint8_t>& payload) {
  return host_->command(
      [&](core::serf::SerfNode& n, Time now) { return n.respond(now, query_id, payload); });
}

// serf info's sections (Serf's Stats()): this agent, its Serf layer, its tags.
std::map<std::string, std::map<std::string, std::string>> Agent::serf_stats() const {
  const core::serf::SerfNode& node = host_->node();
  std::map<std::string, std::map<std::string, std::string>> out;
  out["agent"]["name"] = config_.node;
  size_t failed = 0;
  size_t left = 0;
  const auto members = node.members();
  for (const auto& m : members) {
    if (m.status == core::serf::MemberStatus::kFailed) ++failed;
    if (m.status == core::serf::MemberStatus::kLeft) ++left;
  }
  auto& serf = out["serf"];
  serf["members"] = std::to_string(members.size());
  serf["failed"] = std::to_string(failed);
  serf["left"] = std::to_string(left);
  serf["health_score"] = std::to_string(swim().awareness_score());
  serf["member_time"] = std::to_string(node.member_clock());
  serf["event_time"] = std::to_string(node.event_clock());
  serf["query_time"] = std::to_string(node.query_clock());
  serf["intent_queue"] = std::to_string(node.queue_depth(0));
  serf["query_queue"] = std::to_string(node.queue_depth(1));
  serf["event_queue"] = std::to_string(node.queue_depth(2));
  serf["encrypted"] = swim().transport().keyring().empty() ? "false" : "true";
  serf["coordinate_resets"] = std::to_string(node.stats().coordinate_rejects);
  out["tags"] = {config_.tags.begin(), config_.tags.end()};
  return out;
}

// --- keys ---------------------------------------------------------------------------------

// The keys the agent starts with: the keyring file's when it has any, else --encrypt (and the
// file is then written with it). Called once the host is open, before anything is sent.
Status Agent::load_keys() {
  std::vector<core::wire::ml::Key> keys;
  if (!config_.keyring_file.empty()) {
    auto from_file = load_keyring_file(config_.keyring_file);
    if (!from_file) return from_file.status();
    keys = std::move(*from_file);
    if (!keys.empty() && !config_.encrypt.empty()) {
      log_.warn("the keyring file has keys; --encrypt is ignored",
                {{"keyring_file", config_.keyring_file}});
    }
  }
  if (keys.empty() && !config_.encrypt.empty()) {
    auto key = core::wire::ml::decode_key_base64(config_.encrypt);
    if (!key) return Status::error("encrypt: " + key.message());
    keys.push_back(std::move(*key));
  }
  Status installed = host_->command([&](core::serf::SerfNode& n, Time) {
    for (const auto& k : keys) {
      if (Status s = n.transport().install_key(k); !s)
        return Status::error("keyring: " + s.message());
    }
    return Status::ok();
  });
  if (!installed) return installed;
  if (!keys.empty() && !config_.keyring_file.empty()) {
    return save_keyring_file(config_.keyring_file, swim().transport().keyring());
  }
  return Status::ok();
}

void Agent::on_keyring_changed(const std::string& op) {
  log_.info("keyring changed by a key query", {{"operation", op}});
  if (config_.keyring_file.empty()) return;
  if (Status s = save_keyring_file(config_.keyring_file, swim().transport().keyring()); !s) {
    log_.error("keyring file write failed", {{"error", s.message()}});
  }
}

void Agent::key_op(core::serf::KeyOp op, const std::string& key_base64, KeyCallback done) {
  std::vector<uint8_t> key;
  if (op != core::serf::KeyOp::kList) {
    auto k = core::wire::ml::decode_key_base64(key_base64);
    if (!k) return done(core::serf::KeyTally{}, "key: " + k.message());
    key = std::move(*k);
  }
  auto tally = std::make_shared<core::serf::KeyTally>();
  tally->num_nodes = static_cast<int>(swim().count(core::SwimState::kAlive) +
                                      swim().count(core::SwimState::kSuspect));
  auto finished = std::make_shared<bool>(false);
  QueryCallback on_answer = [tally, finished, done](const core::serf::SerfEvent& e) {
    if (*finished) return;
    if (e.kind == core::serf::SerfEventKind::kQueryResponse) tally->add(e.from, e.payload);
    if (e.kind == core::serf::SerfEventKind::kQueryDone || tally->complete()) {
      *finished = true;
      done(*tally, tally->error());
    }
  };
  Result<uint64_t> id =
      query(std::string(core::serf::key_query_name(op)), core::serf::key_query_payload(key),
            core::serf::QueryParams{}, std::move(on_answer));
  if (!id && !*finished) done(*tally, id.message());
}

std::optional<Agent::KeyOutcome> Agent::key_op_and_wait(core::serf::KeyOp op,
                                                        const std::string& key_base64) {
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<KeyOutcome> outcome;
  };
  auto shared = std::make_shared<Shared>();
  auto timeout = call([this, op, key_base64, shared] {
    key_op(op, key_base64, [shared](const core::serf::KeyTally& t, const std::string& err) {
      std::lock_guard lock(shared->mu);
      shared->outcome = KeyOutcome{t, err};
      shared->cv.notify_all();
    });
    return query_timeout(core::serf::QueryParams{});
  });
  if (!timeout) return std::nullopt;
  std::unique_lock lock(shared->mu);
  const auto limit = std::chrono::nanoseconds(timeout->ns()) + std::chrono::seconds(2);
  shared->cv.wait_for(lock, limit, [&] { return shared->outcome.has_value(); });
  return shared->outcome;
}

}  // namespace rumor::agent
