// SerfNode: construction, the calls into the SwimNode and the draining after each, timers and
// views. Members and intents are in serf_node_members.cc, messages, events and queries in
// serf_node_messages.cc.
#include "core/serf/serf_node.h"

#include <algorithm>

namespace rumor::core::serf {

namespace {

SwimIdentity swim_identity(const SerfIdentity& self) {
  SwimIdentity id;
  id.name = self.name;
  id.addr = self.addr;
  id.incarnation = self.incarnation;
  id.meta = wire::encode_serf_tags(self.tags);
  return id;
}

// The node's Prng for Serf's own draws (query ids, reconnects, relays): a stream apart from the
// SwimNode's, derived from the same seed.
constexpr uint64_t kSerfStream = 0x5e4f;

}  // namespace

std::string_view member_status_name(MemberStatus s) {
  switch (s) {
    case MemberStatus::kNone:
      return "none";
    case MemberStatus::kAlive:
      return "alive";
    case MemberStatus::kLeaving:
      return "leaving";
    case MemberStatus::kLeft:
      return "left";
    case MemberStatus::kFailed:
      return "failed";
  }
  return "none";
}

std::string_view serf_event_name(SerfEventKind k) {
  switch (k) {
    case SerfEventKind::kMemberJoin:
      return "member-join";
    case SerfEventKind::kMemberLeave:
      return "member-leave";
    case SerfEventKind::kMemberFailed:
      return "member-failed";
    case SerfEventKind::kMemberUpdate:
      return "member-update";
    case SerfEventKind::kMemberReap:
      return "member-reap";
    case SerfEventKind::kUser:
      return "user";
    case SerfEventKind::kQuery:
      return "query";
    case SerfEventKind::kQueryAck:
      return "ack";
    case SerfEventKind::kQueryResponse:
      return "response";
    case SerfEventKind::kQueryDone:
      return "done";
    case SerfEventKind::kMemberSuspect:
      return "member-suspect";
    case SerfEventKind::kMemberAlive:
      return "member-alive";
    case SerfEventKind::kKeyringChanged:
      return "keyring-changed";
  }
  return "user";
}

SerfNode::SerfNode(const SerfConfig& config, Directory& directory, const SerfIdentity& self,
                   uint64_t seed, Time now)
    : config_(config),
      directory_(directory),
      swim_(config.swim, directory, swim_identity(self), seed, now),
      prng_(Prng::derive(seed, kSerfStream)),
      self_name_(self.name),
      tags_(self.tags),
      coord_(CoordinateConfig{}),
      next_reap_(now + config.reap_interval),
      next_reconnect_(config.reconnect_interval > Duration::zero() ? now + config.reconnect_interval
                                                                   : Time::never()) {
  RUMOR_ASSERT(config_.validate().is_ok(), "SerfNode needs a validated config");
  event_ring_.resize(config_.event_buffer);
  query_ring_.resize(config_.query_buffer);
  // memberlist tells Serf about the local node as it does about any joining member.
  const SwimMember* me = swim_.find(swim_.self_name());
  RUMOR_ASSERT(me != nullptr, "a node is always in its own member list");
  handle_node_join(now, *me);
  if (config_.coordinates) {
    std::vector<uint8_t> payload;
    encode_ack_payload(coord_.coordinate(), payload);
    swim_.set_ack_payload(std::move(payload));
  }
  after_swim(now);
}

// ---- commands ----------------------------------------------------------------------------

void SerfNode::join(Time now, std::span<const Address> seeds, bool ignore_old) {
  if (state_ != State::kAlive || seeds.empty()) return;
  if (!join_pending_) joined_before_ = swim_.joined_count();
  join_pending_ = true;
  event_join_ignore_ = ignore_old;
  refresh_user_state();
  swim_.join(now, seeds);
  after_swim(now);
}

void SerfNode::leave(Time now) {
  if (state_ != State::kAlive) return;
  state_ = State::kLeavingIntent;
  LeaveIntent msg{clock_.time(), self_name_, false};
  clock_.increment();
  handle_leave_intent(now, msg);
  leave_deadline_ = now + config_.broadcast_timeout;
  // Serf broadcasts the intent only if someone is there to hear it.
  if (has_alive_members()) {
    std::vector<uint8_t> bytes;
    encode(msg, bytes);
    queue_broadcast(kIntentQueue, std::move(bytes), kOwnLeaveKey);
  }
  step_leave(now);
  after_swim(now);
}

// Serf's Leave waits for its intent to be sent (up to broadcast_timeout), runs memberlist's
// Leave (which waits the same way for its dead-about-self message), then sleeps
// leave_propagate_delay. Each wait here is a deadline in poll_timeout().
void SerfNode::step_leave(Time now) {
  if (state_ == State::kLeavingIntent) {
    if (swim_.user_broadcast_queued(kIntentQueue, kOwnLeaveKey) && now < leave_deadline_) return;
    swim_.leave(now);
    state_ = State::kLeavingSwim;
    leave_deadline_ = now + config_.broadcast_timeout;
  }
  if (state_ == State::kLeavingSwim) {
    const bool heard = !has_alive_members() || !swim_.self_broadcast_queued();
    if (!heard && now < leave_deadline_) return;
    state_ = State::kLeavingPropagate;
    leave_deadline_ = now + config_.leave_propagate_delay;
  }
  if (state_ == State::kLeavingPropagate && now >= leave_deadline_) {
    state_ = State::kLeft;
    leave_deadline_ = Time::never();
  }
}

Status SerfNode::set_tags(Time now, const Tags& tags) {
  const std::vector<uint8_t> meta = wire::encode_serf_tags(tags);
  if (meta.size() > config_.swim.meta_max_bytes) {
    return Status::error("tags: encoded they take " + std::to_string(meta.size()) +
                         " bytes; memberlist's metadata limit is " +
                         std::to_string(config_.swim.meta_max_bytes));
  }
  if (!swim_.set_meta(now, meta)) return Status::error("tags: memberlist refused the metadata");
  tags_ = tags;
  // memberlist's UpdateNode notifies the local node's update like any other member's.
  if (const SwimMember* me = swim_.find(swim_.self_name())) handle_node_update(*me);
  after_swim(now);
  return Status::ok();
}

// ---- inputs ------------------------------------------------------------------------------

void SerfNode::handle_packet(Time now, const Address& from, std::span<const uint8_t> bytes) {
  swim_.handle_packet(now, from, bytes);
  after_swim(now);
}

void SerfNode::handle_stream(Time now, const Address& from, uint64_t conn,
                             std::span<const uint8_t> bytes) {
  refresh_user_state();  // a push-pull is answered with it
  swim_.handle_stream(now, from, conn, bytes);
  after_swim(now);
}

void SerfNode::handle_stream_reply(Time now, uint64_t stream, std::span<const uint8_t> bytes) {
  swim_.handle_stream_reply(now, stream, bytes);
  after_swim(now);
}

void SerfNode::handle_stream_error(Time now, uint64_t stream) {
  swim_.handle_stream_error(now, stream);
  after_swim(now);
}

void SerfNode::handle_timeout(Time now) {
  if (swim_.poll_timeout() <= now) {
    refresh_user_state();  // the periodic push-pull sends it
    swim_.handle_timeout(now);
  }
  if (now >= next_reap_) {
    reap(now);
    next_reap_ = now + config_.reap_interval;
  }
  if (now >= next_reconnect_) {
    reconnect(now);
    next_reconnect_ = now + config_.reconnect_interval;
  }
  expire_queries(now);
  if (now >= std::min(coalesce_until_, quiescent_until_)) flush_coalesced();
  after_swim(now);
}

// ---- draining the SwimNode -----------------------------------------------------------------

// Hands Serf what memberlist would have handed its delegates during the call just made.
void SerfNode::after_swim(Time now) {
  SwimEvent e;
  while (swim_.poll_event(e))
    on_swim_event(now, e);
  SwimUserState state;
  while (swim_.poll_user_state(state))
    merge_remote_state(now, state);
  std::vector<uint8_t> msg;
  while (swim_.poll_user_message(msg))
    handle_message(now, msg);
  SwimPingResult ping;
  while (swim_.poll_ping_result(ping))
    on_ping_result(ping);
  if (join_pending_ && swim_.joins_in_flight() == 0) {
    // Serf's Join: memberlist's join returned; if any seed answered, a join intent goes out.
    join_pending_ = false;
    event_join_ignore_ = false;
    if (swim_.joined_count() > joined_before_) broadcast_join(now, clock_.time());
  }
  if (state_ != State::kAlive && state_ != State::kLeft) step_leave(now);
}

// Serf's push-pull state is encoded (the whole member table and event ring) only before a call
// that may send it, and only if it changed since: not once per message received.
void SerfNode::refresh_user_state() {
  if (!state_dirty_) return;
  swim_.set_user_state(local_state());
  state_dirty_ = false;
}

void SerfNode::on_swim_event(Time now, const SwimEvent& e) {
  switch (e.kind) {
    case SwimEventKind::kJoined:
    case SwimEventKind::kUpdated:
      if (const SwimMember* m = swim_.find(e.member)) {
        if (e.kind == SwimEventKind::kJoined) {
          handle_node_join(now, *m);
        } else {
          handle_node_update(*m);
        }
      }
      return;
    case SwimEventKind::kFailed:
    case SwimEventKind::kLeft:
      handle_node_leave(now, directory_.name(e.member));
      return;
    case SwimEventKind::kSuspect:
    case SwimEventKind::kAlive:
      // memberlist does not tell its delegates about these; rumor's views want them.
      if (const SwimMember* m = swim_.find(e.member)) {
        emit_member(e.kind == SwimEventKind::kSuspect ? SerfEventKind::kMemberSuspect
                                                      : SerfEventKind::kMemberAlive,
                    now, member_from(*m));
      }
      return;
    case SwimEventKind::kReaped:
      return;  // Serf reaps on its own timers
  }
}

// Serf's NotifyPingComplete: the member's coordinate from the ack refines ours.
void SerfNode::on_ping_result(const SwimPingResult& r) {
  if (!config_.coordinates) return;
  Coordinate other;
  if (decode_ack_payload(r.payload, other, coord_.config().dimensionality)) {
    ++stats_.coordinate_rejects;
    return;
  }
  const std::string name(directory_.name(r.member));
  if (coord_.update(name, other, r.rtt, prng_)) {
    ++stats_.coordinate_rejects;
    return;
  }
  coord_cache_[name] = std::move(other);
  std::vector<uint8_t> payload;
  encode_ack_payload(coord_.coordinate(), payload);
  swim_.set_ack_payload(std::move(payload));
}

void SerfNode::emit(SerfEvent e) {
  if (events_.size() >= config_.max_events) {
    events_.pop_front();
    ++stats_.events_dropped;
  }
  events_.push_back(std::move(e));
}

void SerfNode::emit_member(SerfEventKind kind, Time now, const SerfMember& m) {
  SerfEvent e;
  e.kind = kind;
  e.at = now;
  e.member = m;
  emit(std::move(e));
}

// ---- outputs -----------------------------------------------------------------------------

Time SerfNode::poll_timeout() const {
  Time t = std::min({swim_.poll_timeout(), next_reap_, next_reconnect_});
  if (state_ != State::kAlive && state_ != State::kLeft) t = std::min(t, leave_deadline_);
  for (const Outgoing& q : outgoing_)
    t = std::min(t, q.deadline);
  for (const auto& [handle, q] : incoming_)
    t = std::min(t, q.deadline);
  return std::min({t, coalesce_until_, quiescent_until_});
}

bool SerfNode::poll_event(SerfEvent& out) {
  if (events_.empty()) return false;
  out = std::move(events_.front());
  events_.pop_front();
  return true;
}

// ---- views -------------------------------------------------------------------------------

std::vector<SerfMember> SerfNode::members() const {
  std::vector<SerfMember> out;
  out.reserve(members_.size());
  for (const auto& [name, m] : members_)
    out.push_back(m.member);
  std::sort(out.begin(), out.end(),
            [](const SerfMember& a, const SerfMember& b) { return a.name < b.name; });
  return out;
}

std::optional<SerfMember> SerfNode::member(std::string_view name) const {
  auto it = members_.find(std::string(name));
  if (it == members_.end()) return std::nullopt;
  return it->second.member;
}

SerfMember SerfNode::local_member() const {
  auto it = members_.find(self_name_);
  RUMOR_ASSERT(it != members_.end(), "a Serf node is always in its own member table");
  return it->second.member;
}

const Coordinate& SerfNode::coordinate() const {
  return coord_.coordinate();
}

std::optional<Coordinate> SerfNode::coordinate_of(std::string_view name) const {
  if (name == self_name_) return coord_.coordinate();
  auto it = coord_cache_.find(std::string(name));
  if (it == coord_cache_.end()) return std::nullopt;
  return it->second;
}

// Serf's DefaultQueryTimeout: gossip_interval x query_timeout_mult x ceil(log10(n + 1)), n the
// members memberlist counts (NumMembers: neither dead nor left; ceil(log10(n + 1)) is n's count
// of decimal digits).
Duration SerfNode::default_query_timeout() const {
  int64_t digits = 0;
  for (size_t n = swim_.count(SwimState::kAlive) + swim_.count(SwimState::kSuspect); n > 0; n /= 10)
    ++digits;
  return config_.swim.gossip_interval * (config_.query_timeout_mult * digits);
}

}  // namespace rumor::core::serf
