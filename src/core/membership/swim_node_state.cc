// SwimNode: member state changes (memberlist aliveNode, suspectNode, deadNode, refute,
// mergeState; the decisions themselves are the pure functions of swim_rules.h), Lifeguard
// suspicion timers, and the stream channel (push-pull state sync, TCP pings).
#include <algorithm>
#include <utility>

#include "core/membership/swim_node.h"

namespace rumor::core {

namespace ml = wire::ml;

namespace {

// Suspicion confirmations are counted per distinct accuser name; a 32-bit FNV-1a hash of the
// name stands for it, so an accuser never has to be interned (a collision costs at most one
// confirmation, never a wrong verdict).
uint32_t accuser_id(std::string_view name) {
  uint32_t h = 2166136261u;
  for (char c : name) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619u;
  }
  return h;
}

ml::Vsn vsn_from(std::span<const uint8_t> raw) {
  ml::Vsn v{};
  for (size_t i = 0; i < v.size() && i < raw.size(); ++i)
    v[i] = raw[i];
  return v;
}

ml::Bytes bytes_of(std::span<const uint8_t> s) {
  return ml::Bytes(std::vector<uint8_t>(s.begin(), s.end()));
}

bool same_bytes(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace

// ---- alive / suspect / dead --------------------------------------------------------------

void SwimNode::on_alive(Time now, const AliveView& a) {
  const auto known_name = directory_.find_name(a.node);
  SwimMember* m = known_name ? find_mut(*known_name) : nullptr;
  const bool about_self = known_name && *known_name == self_name_;
  // memberlist: no port means an old sender; it meant our port.
  const Address addr = Address::from_bytes(a.addr, a.port ? a.port : self_addr_.port);
  // The common case in a push-pull merge, decided before anything else is looked at: news no
  // newer than what we hold about another member at the same address (memberlist ignores it
  // whatever else it says).
  if (m != nullptr && !about_self && a.incarnation <= m->incarnation && addr_of(*m) == addr) {
    ++stats_.ignored;
    return;
  }
  // A Vsn of 1..5 bytes passes memberlist's version check and then crashes it; we refuse it.
  const bool short_vsn = !a.vsn.empty() && a.vsn.size() < 6;
  if (short_vsn || !alive_vsn_acceptable(a.vsn) || a.meta.size() > config_.meta_max_bytes) {
    ++stats_.ignored;
    return;
  }
  if (m == nullptr) {
    // An unknown member starts from incarnation 0, so an alive at 0 is stale (memberlist).
    if (about_self || leaving_ || a.incarnation == 0 || addr.empty()) {
      ++stats_.ignored;
      return;
    }
    auto name = directory_.intern_name(a.node);
    auto identity = name ? directory_.intern_identity(*name, addr) : std::nullopt;
    if (!identity || members_.size() > config_.max_members) {
      ++stats_.members_refused;
      return;
    }
    SwimMember row;
    row.identity = *identity;
    row.incarnation = a.incarnation;
    row.state_change = now;
    row.vsn = vsn_from(a.vsn);
    SwimMember* inserted = insert_member(row);
    set_meta_of(*inserted, a.meta);
    broadcast_alive(*inserted);
    emit(SwimEventKind::kJoined, *name, a.incarnation, now);
    return;
  }
  const KnownMember known{m->state, m->incarnation};
  bool updates_address = false;
  if (addr_of(*m) != addr) {
    const bool reclaimable = config_.dead_node_reclaim_time > Duration::zero() &&
                             now - m->state_change > config_.dead_node_reclaim_time;
    if (addr.empty() || about_self ||
        decide_alive_address(known, reclaimable) == AddressAction::kConflict) {
      ++stats_.address_conflicts;
      return;
    }
    updates_address = true;
  }
  const bool same = same_bytes(meta_of(*m), a.meta) && m->vsn == vsn_from(a.vsn);
  switch (decide_alive(&known, a.incarnation, about_self, same, leaving_, updates_address)) {
    case AliveAction::kIgnore:
      ++stats_.ignored;
      return;
    case AliveAction::kRefute:
      clear_suspicion(self_name_);
      refute(a.incarnation);
      return;
    case AliveAction::kApply:
      break;
  }
  const NameId name = *known_name;
  clear_suspicion(name);
  if (updates_address) {
    auto identity = directory_.intern_identity(name, addr);
    if (!identity) {
      ++stats_.members_refused;
      return;
    }
    m->identity = *identity;
  }
  const SwimState old_state = m->state;
  const bool meta_changed = !same_bytes(meta_of(*m), a.meta);
  m->incarnation = a.incarnation;
  if (!a.vsn.empty()) m->vsn = vsn_from(a.vsn);  // an old sender's empty Vsn changes nothing
  set_meta_of(*m, a.meta);
  if (m->state != SwimState::kAlive) set_state(*m, SwimState::kAlive, now);
  broadcast_alive(*m);
  if (old_state == SwimState::kDead || old_state == SwimState::kLeft) {
    emit(SwimEventKind::kJoined, name, a.incarnation, now);
  } else if (old_state == SwimState::kSuspect) {
    emit(SwimEventKind::kAlive, name, a.incarnation, now);
  } else if (meta_changed) {
    emit(SwimEventKind::kUpdated, name, a.incarnation, now);
  }
}

void SwimNode::on_suspect(Time now, uint32_t incarnation, std::string_view node,
                          std::string_view from) {
  const auto name = directory_.find_name(node);
  SwimMember* m = name ? find_mut(*name) : nullptr;
  const KnownMember known = m ? KnownMember{m->state, m->incarnation} : KnownMember{};
  const bool about_self = name && *name == self_name_;
  Suspected* timer = name ? suspicion_of(*name) : nullptr;
  switch (decide_suspect(m ? &known : nullptr, incarnation, about_self, timer != nullptr)) {
    case SuspectAction::kIgnore:
      ++stats_.ignored;
      return;
    case SuspectAction::kRefute:
      if (leaving_) return;  // a leaving node no longer defends itself
      refute(incarnation);
      return;
    case SuspectAction::kConfirm:
      // Lifeguard: an independent suspicion shortens the timer; pass it on so others count it.
      if (timer->timer.confirm(accuser_id(from))) {
        std::vector<uint8_t> bytes;
        ml::encode(ml::Suspect{incarnation, std::string(node), std::string(from)}, bytes);
        broadcasts_.queue(*name, std::move(bytes));
      }
      return;
    case SuspectAction::kApply:
      break;
  }
  std::vector<uint8_t> bytes;
  ml::encode(ml::Suspect{incarnation, std::string(node), std::string(from)}, bytes);
  broadcasts_.queue(*name, std::move(bytes));
  m->incarnation = incarnation;
  set_state(*m, SwimState::kSuspect, now);
  start_suspicion(*name, from, now);
  emit(SwimEventKind::kSuspect, *name, incarnation, now);
}

void SwimNode::on_dead(Time now, uint32_t incarnation, std::string_view node,
                       std::string_view from) {
  const auto name = directory_.find_name(node);
  SwimMember* m = name ? find_mut(*name) : nullptr;
  const KnownMember known = m ? KnownMember{m->state, m->incarnation} : KnownMember{};
  const bool about_self = name && *name == self_name_;
  const bool graceful = node == from;
  if (m != nullptr && incarnation >= m->incarnation) clear_suspicion(*name);
  switch (decide_dead(m ? &known : nullptr, incarnation, about_self, leaving_, graceful)) {
    case DeadAction::kIgnore:
      ++stats_.ignored;
      return;
    case DeadAction::kRefute:
      refute(incarnation);
      return;
    case DeadAction::kApplyDead:
    case DeadAction::kApplyLeft:
      break;
  }
  std::vector<uint8_t> bytes;
  ml::encode(ml::Dead{incarnation, std::string(node), std::string(from)}, bytes);
  broadcasts_.queue(*name, std::move(bytes));
  m->incarnation = incarnation;
  set_state(*m, graceful ? SwimState::kLeft : SwimState::kDead, now);
  if (!about_self) {
    emit(graceful ? SwimEventKind::kLeft : SwimEventKind::kFailed, *name, incarnation, now);
  }
}

// Someone believes this node is suspect or dead (or alive with other metadata): take an
// incarnation above the claim and say so. Lifeguard counts it against this node's health.
void SwimNode::refute(uint32_t accused) {
  ++stats_.refutes;
  incarnation_ = refute_incarnation(incarnation_, accused);
  SwimMember* me = find_mut(self_name_);
  me->incarnation = incarnation_;
  if (config_.awareness) awareness_.apply_delta(1);
  broadcast_self_alive();
}

void SwimNode::broadcast_self_alive() {
  broadcast_alive(*find(self_name_));
}

void SwimNode::broadcast_alive(const SwimMember& m) {
  ml::Alive a;
  const Address& addr = addr_of(m);
  a.incarnation = m.incarnation;
  a.node = std::string(directory_.name(name_of(m)));
  a.addr = bytes_of(addr.ip_bytes());
  a.port = addr.port;
  a.meta = bytes_of(meta_of(m));
  a.vsn = bytes_of(m.vsn);
  std::vector<uint8_t> bytes;
  ml::encode(a, bytes);
  broadcasts_.queue(name_of(m), std::move(bytes));
}

// ---- suspicion timers (Lifeguard §3.2) ---------------------------------------------------

SwimNode::Suspected* SwimNode::suspicion_of(NameId name) {
  for (Suspected& s : suspicions_) {
    if (s.member == name) return &s;
  }
  return nullptr;
}

void SwimNode::clear_suspicion(NameId name) {
  for (size_t i = 0; i < suspicions_.size(); ++i) {
    if (suspicions_[i].member == name) {
      suspicions_[i] = std::move(suspicions_.back());
      suspicions_.pop_back();
      return;
    }
  }
}

// With dynamic suspicion (Lifeguard) the timer starts at suspicion_max_timeout_mult x min and
// independent confirmations bring it down toward min; without, it is SWIM's fixed min.
void SwimNode::start_suspicion(NameId name, std::string_view from, Time now) {
  SuspicionParams p = Suspicion::params(config_, members_.size());
  if (!config_.dynamic_suspicion) {
    p.k = 0;
    p.max = p.min;
  }
  clear_suspicion(name);
  suspicions_.push_back(Suspected{name, Suspicion(accuser_id(from), p, now)});
}

// A timer that fires on a member still suspect declares it dead, From = this node.
void SwimNode::fire_suspicions(Time now) {
  for (size_t i = 0; i < suspicions_.size();) {
    if (!suspicions_[i].timer.expired(now)) {
      ++i;
      continue;
    }
    const NameId name = suspicions_[i].member;
    suspicions_[i] = std::move(suspicions_.back());
    suspicions_.pop_back();
    const SwimMember* m = find(name);
    if (m == nullptr || m->state != SwimState::kSuspect) continue;
    on_dead(now, m->incarnation, directory_.name(name), directory_.name(self_name_));
  }
}

// ---- push-pull and streams ---------------------------------------------------------------

void SwimNode::encode_local_state(bool join, std::vector<uint8_t>& out) const {
  out.reserve(out.size() + 16 + members_.size() * 72);
  ml::encode_push_pull_header(join, members_.size(), user_state_.size(), out);
  for (const SwimMember& m : members_) {
    const Address& addr = addr_of(m);
    ml::encode_push_node(
        ml::PushNodeView{directory_.name(name_of(m)), addr.ip_bytes(), addr.port, meta_of(m),
                         m.incarnation, static_cast<ml::WireState>(m.state), m.vsn},
        out);
  }
  out.insert(out.end(), user_state_.begin(), user_state_.end());
}

// The views are not kept between calls: a scratch of n views per node would cost n^2 across a
// simulated cluster.
bool SwimNode::decode_push_pull(std::span<const uint8_t> body, ml::PushPullView& out) {
  if (auto e = ml::decode_push_pull_view(body, config_.max_push_pull_nodes, out)) {
    ml::count(decode_errors_, *e);
    return false;
  }
  return true;
}

// memberlist verifyProtocol over the remote list and ours (swim_rules.h VersionRange).
bool SwimNode::protocol_compatible(const ml::PushPullView& remote) const {
  VersionRange range;
  for (const ml::PushNodeView& r : remote.nodes) {
    range.narrow(static_cast<SwimState>(r.state), r.vsn);
  }
  for (const SwimMember& m : members_)
    range.narrow(m.state, m.vsn);
  for (const ml::PushNodeView& r : remote.nodes) {
    if (!range.admits(r.vsn)) return false;
  }
  for (const SwimMember& m : members_) {
    if (!range.admits(m.vsn)) return false;
  }
  return true;
}

// memberlist mergeState: alive entries go through the alive rules; left ones become a graceful
// dead; dead or suspect ones only make the member suspect here (never dead at once).
void SwimNode::merge_state(Time now, const ml::PushPullView& remote) {
  if (!protocol_compatible(remote)) {
    ++stats_.push_pulls_refused;
    return;
  }
  ++stats_.push_pulls;
  const std::string_view self = directory_.name(self_name_);
  for (const ml::PushNodeView& r : remote.nodes) {
    switch (merge_rule(r.state)) {
      case MergeRule::kAlive:
        on_alive(now, AliveView{r.incarnation, r.name, r.addr, r.port, r.meta, r.vsn});
        break;
      case MergeRule::kLeft:
        on_dead(now, r.incarnation, r.name, r.name);
        break;
      case MergeRule::kSuspect:
        on_suspect(now, r.incarnation, r.name, self);
        break;
      case MergeRule::kSkip:
        ++stats_.ignored;
        break;
    }
  }
  if (!remote.user_state.empty()) deliver_user_state(remote.join, remote.user_state);
}

// A stream another node opened: a push-pull gets our state back first (memberlist replies
// before merging), a TCP ping gets an ack; other kinds are for later layers.
void SwimNode::handle_stream(Time now, const Address& from, uint64_t conn,
                             std::span<const uint8_t> bytes) {
  rearm_idle_gossip(now);
  stats_.received.add(bytes);
  const auto inner = transport_.open_stream(bytes);
  if (!inner) return;  // counted in transport().stats()
  std::span<const uint8_t> msg;
  if (auto e = ml::unwrap_stream(*inner, "", stream_scratch_, msg)) {
    ml::count(decode_errors_, *e);
    return;
  }
  handle_stream_message(now, from, conn, msg);
}

// A stream's message with its framing off (label checked, decompressed).
void SwimNode::handle_stream_message(Time now, const Address& from, uint64_t conn,
                                     std::span<const uint8_t> bytes) {
  std::vector<uint8_t> reply;
  if (bytes[0] == static_cast<uint8_t>(ml::MsgType::kPushPull)) {
    ml::PushPullView remote;
    if (!decode_push_pull(bytes.subspan(1), remote)) return;
    encode_local_state(remote.join, reply);
    stats_.stream_bytes_sent += reply.size();
    push_transmit(SwimTransmit{from, Channel::kStreamReply, conn, std::move(reply)});
    merge_state(now, remote);
    return;
  }
  ml::StreamMessage msg;
  if (ml::decode_stream(bytes, "", msg, decode_errors_, config_.max_push_pull_nodes)) return;
  if (msg.type == ml::MsgType::kPing) {
    if (!msg.ping.node.empty() && msg.ping.node != directory_.name(self_name_)) {
      ++stats_.ignored;
      return;
    }
    ml::encode(ml::AckResp{msg.ping.seq_no, {}}, reply);
    stats_.stream_bytes_sent += reply.size();
    push_transmit(SwimTransmit{from, Channel::kStreamReply, conn, std::move(reply)});
    return;
  }
  if (msg.type == ml::MsgType::kUser) {
    deliver_user_message(msg.user);  // a reliable user message: no reply
    return;
  }
  ++stats_.ignored;  // push-pull behind a label: for later layers
}

void SwimNode::handle_stream_reply(Time now, uint64_t stream, std::span<const uint8_t> bytes) {
  rearm_idle_gossip(now);
  stats_.received.add(bytes);
  auto it = std::find_if(streams_.begin(), streams_.end(),
                         [stream](const OpenStream& s) { return s.id == stream; });
  if (it == streams_.end()) {
    ++stats_.ignored;  // timed out, or never ours
    return;
  }
  const OpenStream open = *it;
  *it = streams_.back();
  streams_.pop_back();
  const auto inner = transport_.open_stream(bytes);
  if (!inner) return;  // counted in transport().stats()
  std::span<const uint8_t> plain;
  if (auto e = ml::unwrap_stream(*inner, "", stream_scratch_, plain)) {
    ml::count(decode_errors_, *e);
    return;
  }
  bytes = plain;
  if (open.kind == StreamKind::kPushPull) {
    if (bytes[0] != static_cast<uint8_t>(ml::MsgType::kPushPull)) {
      ++stats_.ignored;
      return;
    }
    ml::PushPullView remote;
    if (!decode_push_pull(bytes.subspan(1), remote)) return;
    const uint64_t refused = stats_.push_pulls_refused;
    merge_state(now, remote);
    // memberlist: a join counts only if the seed's state merged (versions agreed).
    if (remote.join && stats_.push_pulls_refused == refused) ++joined_count_;
    return;
  }
  ml::StreamMessage msg;
  if (ml::decode_stream(bytes, "", msg, decode_errors_, config_.max_push_pull_nodes)) return;
  if (msg.type == ml::MsgType::kAck) {
    if (probe_.active && msg.ack.seq_no == open.seq && msg.ack.seq_no == probe_.seq) {
      probe_.tcp_acked = true;  // counted at the probe's deadline, as memberlist does
    }
    return;
  }
  ++stats_.ignored;
}

void SwimNode::handle_stream_error(Time now, uint64_t stream) {
  rearm_idle_gossip(now);
  auto it = std::find_if(streams_.begin(), streams_.end(),
                         [stream](const OpenStream& s) { return s.id == stream; });
  if (it == streams_.end()) return;
  *it = streams_.back();
  streams_.pop_back();
}

}  // namespace rumor::core
