// SerfNode's member table: memberlist's join, update and leave notifications, join and leave
// intents ordered by the member clock, reaping and reconnecting (serf.go handleNodeJoin,
// handleNodeLeave, handleNodeUpdate, handleNodeLeaveIntent, handleNodeJoinIntent, reap,
// reconnect).
#include <algorithm>

#include "core/serf/serf_node.h"

namespace rumor::core::serf {

namespace {

void remove_name(std::vector<std::string>& names, const std::string& name) {
  names.erase(std::remove(names.begin(), names.end(), name), names.end());
}

}  // namespace

SerfMember SerfNode::member_from(const SwimMember& m) const {
  SerfMember out;
  out.name = std::string(directory_.name(directory_.identity_name(m.identity)));
  out.addr = directory_.identity_addr(m.identity);
  // Metadata that is not Serf's tags (a plain memberlist peer, a corrupt map) reads as none.
  out.tags = wire::decode_serf_tags(swim_.meta(m)).value_or(Tags{});
  out.status = MemberStatus::kAlive;
  out.vsn = m.vsn;
  return out;
}

void SerfNode::handle_node_join(Time now, const SwimMember& m) {
  SerfMember fresh = member_from(m);
  auto [it, inserted] = members_.try_emplace(fresh.name);
  MemberState& state = it->second;
  const MemberStatus old = inserted ? MemberStatus::kNone : state.member.status;
  if (inserted) {
    state.member = std::move(fresh);
    // An intent that came before the member did decides its Lamport time (the buffer holds
    // the latest intent only).
    if (auto intent = recent_intents_.find(state.member.name); intent != recent_intents_.end()) {
      state.status_ltime = intent->second.ltime;
      if (intent->second.leave) state.member.status = MemberStatus::kLeaving;
    }
  } else {
    state.member.addr = fresh.addr;
    state.member.tags = std::move(fresh.tags);
    state.member.vsn = fresh.vsn;
    state.member.status = MemberStatus::kAlive;
    state.leave_time = Time::zero();
  }
  if (old == MemberStatus::kFailed || old == MemberStatus::kLeft) {
    remove_name(failed_, state.member.name);
    remove_name(left_, state.member.name);
  }
  state_dirty_ = true;
  emit_member(SerfEventKind::kMemberJoin, now, state.member);
}

// memberlist reports a member dead or left: Serf calls it left only if a leave intent made it
// leaving first; otherwise it failed.
void SerfNode::handle_node_leave(Time now, std::string_view name) {
  auto it = members_.find(std::string(name));
  if (it == members_.end()) return;
  MemberState& m = it->second;
  SerfEventKind kind;
  if (m.member.status == MemberStatus::kLeaving) {
    m.member.status = MemberStatus::kLeft;
    left_.push_back(m.member.name);
    kind = SerfEventKind::kMemberLeave;
  } else if (m.member.status == MemberStatus::kAlive) {
    m.member.status = MemberStatus::kFailed;
    failed_.push_back(m.member.name);
    kind = SerfEventKind::kMemberFailed;
  } else {
    return;  // already failed or left
  }
  m.leave_time = now;
  state_dirty_ = true;
  emit_member(kind, now, m.member);
}

void SerfNode::handle_node_update(const SwimMember& sm) {
  SerfMember fresh = member_from(sm);
  auto it = members_.find(fresh.name);
  if (it == members_.end()) return;
  SerfMember& m = it->second.member;
  m.addr = fresh.addr;
  m.tags = std::move(fresh.tags);
  m.vsn = fresh.vsn;
  emit_member(SerfEventKind::kMemberUpdate, sm.state_change, m);
}

// An intent about a member not yet known is buffered for when it comes (the latest one per
// member, kept recent_intent_timeout); true when it is new, so it is passed on.
bool SerfNode::remember_intent(Time now, const std::string& node, bool leave, LamportTime ltime) {
  auto it = recent_intents_.find(node);
  if (it != recent_intents_.end()) {
    if (ltime <= it->second.ltime) return false;
    it->second = Intent{leave, ltime, now};
    return true;
  }
  if (recent_intents_.size() >= config_.swim.max_members) {
    ++stats_.intents_dropped;
    return false;
  }
  recent_intents_.emplace(node, Intent{leave, ltime, now});
  return true;
}

bool SerfNode::handle_join_intent(Time now, const JoinIntent& msg) {
  clock_.witness(msg.ltime);
  state_dirty_ = true;
  auto it = members_.find(msg.node);
  if (it == members_.end()) return remember_intent(now, msg.node, false, msg.ltime);
  MemberState& m = it->second;
  if (msg.ltime <= m.status_ltime) return false;
  m.status_ltime = msg.ltime;
  // A leave that came before this join is over: the member is back.
  if (m.member.status == MemberStatus::kLeaving) m.member.status = MemberStatus::kAlive;
  return true;
}

bool SerfNode::handle_leave_intent(Time now, const LeaveIntent& msg) {
  clock_.witness(msg.ltime);
  state_dirty_ = true;
  auto it = members_.find(msg.node);
  if (it == members_.end()) return remember_intent(now, msg.node, true, msg.ltime);
  MemberState& m = it->second;
  if (msg.ltime <= m.status_ltime) return false;
  if (msg.node == self_name_ && state_ == State::kAlive) {
    // An old leave intent about this node, still alive: refuted with a fresh join intent.
    broadcast_join(now, clock_.time());
    return false;
  }
  // The time moves even when the status does not, so the same leave is not passed on forever
  // (Consul issues 7960 and 8179).
  m.status_ltime = msg.ltime;
  switch (m.member.status) {
    case MemberStatus::kAlive:
      m.member.status = MemberStatus::kLeaving;
      break;
    case MemberStatus::kFailed:
      // A forced leave: the failed member is now left, and the application hears of it.
      m.member.status = MemberStatus::kLeft;
      remove_name(failed_, m.member.name);
      left_.push_back(m.member.name);
      emit_member(SerfEventKind::kMemberLeave, now, m.member);
      break;
    case MemberStatus::kLeaving:
    case MemberStatus::kLeft:
      break;
    case MemberStatus::kNone:
      return false;
  }
  // Serf's handlePrune waits out a leaving member's leave before erasing it; here it is erased
  // at once (memberlist's later notification about it then finds no member and is ignored).
  if (msg.prune) erase(now, msg.node);
  return true;
}

void SerfNode::broadcast_join(Time now, LamportTime ltime) {
  JoinIntent msg{ltime, self_name_};
  clock_.witness(ltime);
  handle_join_intent(now, msg);
  std::vector<uint8_t> bytes;
  encode(msg, bytes);
  queue_broadcast(kIntentQueue, std::move(bytes));
}

Status SerfNode::force_leave(Time now, std::string_view node, bool prune) {
  if (node.empty()) return Status::error("force-leave: a node name is required");
  LeaveIntent msg{clock_.time(), std::string(node), prune};
  clock_.increment();
  handle_leave_intent(now, msg);
  if (has_alive_members()) {
    std::vector<uint8_t> bytes;
    encode(msg, bytes);
    queue_broadcast(kIntentQueue, std::move(bytes));
  }
  after_swim(now);
  return Status::ok();
}

void SerfNode::erase(Time now, const std::string& name) {
  auto it = members_.find(name);
  if (it == members_.end()) return;
  const SerfMember gone = it->second.member;
  members_.erase(it);
  remove_name(failed_, name);
  remove_name(left_, name);
  coord_.forget_node(name);
  coord_cache_.erase(name);
  state_dirty_ = true;
  emit_member(SerfEventKind::kMemberReap, now, gone);
}

// Serf's handleReap: failed members go after reconnect_timeout, left ones after
// tombstone_timeout, buffered intents after recent_intent_timeout.
void SerfNode::reap(Time now) {
  auto expired = [&](const std::vector<std::string>& names, Duration timeout) {
    std::vector<std::string> out;
    for (const std::string& name : names) {
      auto it = members_.find(name);
      if (it != members_.end() && now - it->second.leave_time > timeout) out.push_back(name);
    }
    return out;
  };
  for (const std::string& name : expired(failed_, config_.reconnect_timeout))
    erase(now, name);
  for (const std::string& name : expired(left_, config_.tombstone_timeout))
    erase(now, name);
  std::erase_if(recent_intents_,
                [&](const auto& kv) { return now - kv.second.at > config_.recent_intent_timeout; });
}

// Serf's reconnect: with probability failed / alive, a memberlist join to one failed member
// drawn at random, so the cluster as a whole tries each failed member about once an interval.
void SerfNode::reconnect(Time now) {
  if (failed_.empty()) return;
  const double failed = static_cast<double>(failed_.size());
  double alive = static_cast<double>(members_.size() - failed_.size() - left_.size());
  if (alive <= 0) alive = 1;
  if (prng_.unit() > failed / alive) return;
  const std::string& name = failed_[prng_.uniform(failed_.size())];
  auto it = members_.find(name);
  if (it == members_.end()) return;
  const Address addr = it->second.member.addr;
  refresh_user_state();
  swim_.join(now, std::span(&addr, 1));
}

bool SerfNode::has_alive_members() const {
  return std::any_of(members_.begin(), members_.end(), [this](const auto& kv) {
    return kv.first != self_name_ && kv.second.member.status == MemberStatus::kAlive;
  });
}

// Serf's checkQueueDepth prunes each queue to its limit every 30 s; here each broadcast that
// finds its queue over the limit prunes it at once.
void SerfNode::queue_broadcast(size_t queue, std::vector<uint8_t> bytes, uint32_t key) {
  swim_.queue_user_broadcast(queue, key, std::move(bytes));
  size_t max = config_.max_queue_depth;
  if (config_.min_queue_depth > 0) {
    max = std::max<size_t>(2 * members_.size(), config_.min_queue_depth);
  }
  const size_t depth = swim_.user_broadcast_depth(queue);
  if (depth > max) {
    stats_.broadcasts_pruned += depth - max;
    swim_.prune_user_broadcasts(queue, max);
  }
}

}  // namespace rumor::core::serf
