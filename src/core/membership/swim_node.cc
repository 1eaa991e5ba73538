// SwimNode: construction, commands, timers, the member list, and sending. Probing is in
// swim_node_probe.cc; alive/suspect/dead handling and push-pull in swim_node_state.cc.
#include "core/membership/swim_node.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "base/assert.h"

namespace rumor::core {

namespace ml = wire::ml;

namespace {

// Transmits waiting to be polled. A driver polls after every call, so this is only reached by a
// driver that stops polling; beyond it the oldest are dropped and counted.
constexpr size_t kMaxTransmits = 1u << 16;
// Streams this node waits on at once (memberlist serves at most 128 push-pulls at a time).
constexpr size_t kMaxOpenStreams = 128;
// The compound header's cost per piggybacked message (its u16 length) and its own two bytes.
constexpr size_t kCompoundOverhead = 2;
constexpr size_t kCompoundHeader = 2;

Time staggered(Prng& prng, Time now, Duration interval) {
  return now + Duration::nanos(static_cast<int64_t>(prng.uniform(interval.ns())));
}

}  // namespace

std::string_view swim_event_name(SwimEventKind k) {
  switch (k) {
    case SwimEventKind::kJoined:
      return "joined";
    case SwimEventKind::kUpdated:
      return "updated";
    case SwimEventKind::kSuspect:
      return "suspect";
    case SwimEventKind::kAlive:
      return "alive";
    case SwimEventKind::kFailed:
      return "failed";
    case SwimEventKind::kLeft:
      return "left";
    case SwimEventKind::kReaped:
      return "reaped";
  }
  return "?";
}

SwimNode::SwimNode(const SwimConfig& config, Directory& directory, const SwimIdentity& self,
                   uint64_t seed, Time now)
    : config_(config),
      directory_(directory),
      prng_(seed),
      self_addr_(self.addr),
      incarnation_(std::max<uint32_t>(1, self.incarnation)),
      awareness_(config.awareness_max_multiplier),
      broadcasts_(config.max_broadcasts),
      user_broadcasts_{BroadcastQueue(config.max_broadcasts), BroadcastQueue(config.max_broadcasts),
                       BroadcastQueue(config.max_broadcasts)},
      transport_(wire::ml::TransportOptions{config.label, config.compress,
                                            config.gossip_verify_incoming,
                                            config.gossip_verify_outgoing}) {
  RUMOR_ASSERT(config_.validate().is_ok(), "SwimNode needs a validated config");
  auto name = directory_.intern_name(self.name);
  RUMOR_ASSERT(name.has_value(), "the directory has no room for this node's own name");
  self_name_ = *name;
  auto identity = directory_.intern_identity(self_name_, self_addr_);
  RUMOR_ASSERT(identity.has_value(), "the directory has no room for this node's identity");
  self_identity_ = *identity;
  metas_.emplace_back();  // slot 0: no metadata

  SwimMember me;
  me.identity = self_identity_;
  me.incarnation = incarnation_;
  me.state_change = now;
  me.vsn = ml::kDefaultVsn;
  SwimMember* row = insert_member(me);
  set_meta_of(*row, self.meta);
  broadcast_self_alive();

  next_probe_ = staggered(prng_, now, config_.probe_interval);
  next_gossip_ = gossips() ? staggered(prng_, now, config_.gossip_interval) : Time::never();
  earliest_gossip_ = now;
  next_push_pull_ = staggered(prng_, now, config_.push_pull_interval);
}

// ---- commands ----------------------------------------------------------------------------

void SwimNode::join(Time now, std::span<const Address> seeds) {
  for (const Address& seed : seeds) {
    std::vector<uint8_t> bytes;
    encode_local_state(/*join=*/true, bytes);
    if (open_stream(seed, StreamKind::kPushPull, 0, std::move(bytes), now) != 0) {
      streams_.back().join = true;
    }
  }
}

size_t SwimNode::joins_in_flight() const {
  return static_cast<size_t>(
      std::count_if(streams_.begin(), streams_.end(), [](const OpenStream& s) { return s.join; }));
}

bool SwimNode::restore_member(Time now, IdentityId identity, uint32_t incarnation) {
  const NameId name = directory_.identity_name(identity);
  if (find(name) != nullptr) return false;
  if (members_.size() > config_.max_members) {
    ++stats_.members_refused;
    return false;
  }
  SwimMember m;
  m.identity = identity;
  m.incarnation = incarnation;
  m.state_change = now;
  m.vsn = ml::kDefaultVsn;
  insert_member(m);
  return true;
}

void SwimNode::stagger_timers(Time now) {
  next_probe_ = staggered(prng_, now, config_.probe_interval);
  next_gossip_ = gossips() ? staggered(prng_, now, config_.gossip_interval) : Time::never();
  earliest_gossip_ = now;
  next_push_pull_ =
      staggered(prng_, now, push_pull_scale(config_.push_pull_interval, members_.size()));
  push_pull_ticking_ = true;
}

void SwimNode::leave(Time now) {
  rearm_idle_gossip(now);
  if (leaving_) return;
  leaving_ = true;
  on_dead(now, incarnation_, directory_.name(self_name_), directory_.name(self_name_));
}

bool SwimNode::set_meta(Time now, std::span<const uint8_t> meta) {
  rearm_idle_gossip(now);
  if (meta.size() > config_.meta_max_bytes) return false;
  SwimMember* me = find_mut(self_name_);
  RUMOR_ASSERT(me != nullptr, "a node is always in its own member list");
  set_meta_of(*me, meta);
  ++incarnation_;
  me->incarnation = incarnation_;
  me->state_change = now;
  broadcast_self_alive();
  return true;
}

// ---- inputs ------------------------------------------------------------------------------

void SwimNode::handle_packet(Time now, const Address& from, std::span<const uint8_t> bytes) {
  rearm_idle_gossip(now);
  ++stats_.packets_received;
  parts_.clear();
  const auto inner = transport_.open_packet(bytes);
  if (!inner) return;  // counted in transport().stats()
  ml::unwrap_packet(*inner, /*expected_label=*/"", parts_, decode_errors_, &unwrap_scratch_);
  for (const ml::PacketPart& part : parts_) {
    ++stats_.messages_received;
    dispatch(now, from, part);
  }
}

// Gossip rounds: at most one per gossip_interval, and only while the broadcast queue has
// something to send (a round with nothing to send is not a wake-up). Every input first calls
// rearm_idle_gossip, which, while the queue is empty, sets when news queued by that input will
// go out: with eager_gossip at once (or when the last round's interval is over), so news
// travels a hop without waiting for a ticker; without it at the next tick of memberlist's
// fixed-phase ticker. (memberlist also draws random gossip targets on an idle tick; that draw
// is skipped here with the tick.) In a quiet cluster this takes the gossip ticks, five a second
// per node, off the timer.
bool SwimNode::gossips() const {
  return config_.gossip_interval > Duration::zero() && config_.gossip_nodes > 0;
}

void SwimNode::rearm_idle_gossip(Time now) {
  if (has_broadcasts()) return;
  if (!gossips()) {
    next_gossip_ = Time::never();
  } else if (config_.eager_gossip) {
    next_gossip_ = std::max(now, earliest_gossip_);
  } else if (now >= next_gossip_) {
    const int64_t passed = (now - next_gossip_).ns() / config_.gossip_interval.ns() + 1;
    next_gossip_ = next_gossip_ + config_.gossip_interval * passed;
  }
}

void SwimNode::handle_timeout(Time now) {
  rearm_idle_gossip(now);
  fire_suspicions(now);
  expire_relays(now);
  // Streams the driver never answered: forget them (a late reply is then ignored).
  for (size_t i = 0; i < streams_.size();) {
    if (streams_[i].deadline <= now) {
      ++stats_.streams_dropped;
      streams_[i] = streams_.back();
      streams_.pop_back();
    } else {
      ++i;
    }
  }
  if (probe_.active && !probe_.indirect_sent && now >= probe_.timeout_at) probe_timeout(now);
  if (probe_.active && now >= probe_.deadline) probe_deadline(now);
  if (!probe_.active && now >= next_probe_) {
    // Like memberlist's ticker, a tick that came during a long probe runs when it ends.
    next_probe_ = std::max(next_probe_ + config_.probe_interval, now);
    probe(now);
  }
  if (now >= next_gossip_ && has_broadcasts()) {
    next_gossip_ = std::max(next_gossip_ + config_.gossip_interval, now);
    earliest_gossip_ = next_gossip_;
    gossip(now);
  }
  if (now >= next_push_pull_) {
    next_push_pull_ = now + push_pull_scale(config_.push_pull_interval, members_.size());
    // memberlist's pushPullTrigger: the random stagger after start only delays the ticker; the
    // first push-pull comes one (scaled) interval after it.
    const bool first_tick = !push_pull_ticking_;
    push_pull_ticking_ = true;
    if (!leaving_ && !first_tick) {
      random_members(
          1,
          [this](const SwimMember& m) {
            return m.identity == self_identity_ || m.state != SwimState::kAlive;
          },
          picked_);
      if (!picked_.empty()) {
        std::vector<uint8_t> bytes;
        encode_local_state(/*join=*/false, bytes);
        open_stream(addr_of(members_[picked_[0]]), StreamKind::kPushPull, 0, std::move(bytes), now);
      }
    }
  }
  // A confirmation handled above may have brought a suspicion's deadline to now or before:
  // settle it here, so that poll_timeout() is in the future after every handle_timeout().
  fire_suspicions(now);
}

// ---- outputs -----------------------------------------------------------------------------

Time SwimNode::poll_timeout() const {
  Time t = next_push_pull_;
  if (has_broadcasts()) t = std::min(t, next_gossip_);
  if (probe_.active) {
    t = std::min(t, probe_.indirect_sent ? probe_.deadline : probe_.timeout_at);
  } else {
    t = std::min(t, next_probe_);
  }
  for (const Suspected& s : suspicions_)
    t = std::min(t, s.timer.deadline());
  for (const Relay& r : relays_)
    t = std::min(t, r.expires);
  for (const OpenStream& s : streams_)
    t = std::min(t, s.deadline);
  return t;
}

bool SwimNode::poll_transmit(SwimTransmit& out) {
  if (transmits_.empty()) return false;
  out = std::move(transmits_.front());
  transmits_.pop_front();
  return true;
}

bool SwimNode::poll_event(SwimEvent& out) {
  if (events_.empty()) return false;
  out = events_.front();
  events_.pop_front();
  return true;
}

// ---- views -------------------------------------------------------------------------------

const SwimMember* SwimNode::find(NameId name) const {
  if (name >= position_.size() || position_[name] == kNowhere) return nullptr;
  return &members_[position_[name]];
}

SwimMember* SwimNode::find_mut(NameId name) {
  return const_cast<SwimMember*>(std::as_const(*this).find(name));
}

size_t SwimNode::count(SwimState s) const {
  return counts_[static_cast<size_t>(s)];
}

// ---- the member list ---------------------------------------------------------------------

SwimMember* SwimNode::insert_member(const SwimMember& m) {
  const NameId name = directory_.identity_name(m.identity);
  if (position_.size() <= name) position_.resize(directory_.names(), kNowhere);
  // memberlist: append, then swap with a random position, so the probe order stays random.
  const size_t n = members_.size();
  const size_t offset = n == 0 ? 0 : prng_.uniform(n);
  members_.push_back(m);
  position_[name] = static_cast<uint32_t>(n);
  if (offset != n) {
    std::swap(members_[offset], members_[n]);
    position_[name_of(members_[n])] = static_cast<uint32_t>(n);
    position_[name] = static_cast<uint32_t>(offset);
  }
  ++counts_[static_cast<size_t>(m.state)];
  return &members_[offset];
}

void SwimNode::set_state(SwimMember& m, SwimState s, Time now) {
  --counts_[static_cast<size_t>(m.state)];
  ++counts_[static_cast<size_t>(s)];
  m.state = s;
  m.state_change = now;
}

// When the probe order wraps: forget members dead or left for longer than
// gossip_to_the_dead_time, then shuffle (memberlist resetNodes). memberlist 0.2.2 keeps left
// members forever; rumor forgets them too, so a cluster with churn does not grow without bound.
void SwimNode::reset_probe_order(Time now) {
  size_t kept = 0;
  for (size_t i = 0; i < members_.size(); ++i) {
    SwimMember& m = members_[i];
    const bool gone = m.state == SwimState::kDead || m.state == SwimState::kLeft;
    if (gone && m.identity != self_identity_ &&
        now - m.state_change > config_.gossip_to_the_dead_time) {
      --counts_[static_cast<size_t>(m.state)];
      position_[name_of(m)] = kNowhere;
      emit(SwimEventKind::kReaped, name_of(m), m.incarnation, now);
      if (m.meta != 0) {
        metas_[m.meta].clear();
        metas_[m.meta].shrink_to_fit();
        free_metas_.push_back(m.meta);
      }
      continue;
    }
    members_[kept++] = m;
  }
  members_.resize(kept);
  for (size_t i = members_.size(); i > 1; --i) {  // Fisher-Yates
    std::swap(members_[i - 1], members_[prng_.uniform(i)]);
  }
  for (size_t i = 0; i < members_.size(); ++i) {
    position_[name_of(members_[i])] = static_cast<uint32_t>(i);
  }
}

std::span<const uint8_t> SwimNode::meta_of(const SwimMember& m) const {
  return metas_[m.meta];
}

void SwimNode::set_meta_of(SwimMember& m, std::span<const uint8_t> meta) {
  if (meta.empty()) {
    if (m.meta != 0) {
      metas_[m.meta].clear();
      free_metas_.push_back(m.meta);
      m.meta = 0;
    }
    return;
  }
  if (m.meta == 0) {
    if (!free_metas_.empty()) {
      m.meta = free_metas_.back();
      free_metas_.pop_back();
    } else {
      m.meta = static_cast<uint32_t>(metas_.size());
      metas_.emplace_back();
    }
  }
  metas_[m.meta].assign(meta.begin(), meta.end());
}

void SwimNode::emit(SwimEventKind kind, NameId member, uint32_t incarnation, Time now) {
  if (events_.size() >= config_.max_events) {
    events_.pop_front();
    ++stats_.events_dropped;
  }
  events_.push_back(SwimEvent{kind, member, incarnation, now});
}

uint32_t SwimNode::transmit_limit() const {
  return retransmit_limit(config_.retransmit_mult, members_.size());
}

// ---- sending -----------------------------------------------------------------------------

void SwimNode::push_transmit(SwimTransmit t) {
  if (t.channel == Channel::kPacket) {
    stats_.sent.add_packet(t.bytes);
  } else {
    stats_.sent.add(t.bytes);
  }
  const bool sealed = t.channel == Channel::kPacket ? transport_.seal_packet(t.bytes, prng_)
                                                    : transport_.seal_stream(t.bytes, prng_);
  if (!sealed) return;  // counted in transport().stats()
  if (transmits_.size() >= kMaxTransmits) {
    transmits_.pop_front();
    ++stats_.transmits_dropped;
  }
  transmits_.push_back(std::move(t));
}

void SwimNode::send_packet(const Address& to, std::vector<uint8_t> bytes) {
  ++stats_.packets_sent;
  stats_.packet_bytes_sent += bytes.size();
  push_transmit(SwimTransmit{to, Channel::kPacket, 0, std::move(bytes)});
}

// The bytes a packet's messages may take: the UDP buffer less what the label and encryption
// add (memberlist's bytesAvail).
size_t SwimNode::packet_room() const {
  const size_t overhead = transport_.packet_overhead();
  return config_.udp_buffer_size > overhead ? config_.udp_buffer_size - overhead : 0;
}

// memberlist sendMsg: the message and whatever broadcasts fit in the rest of the UDP budget.
// Pings, acks and nacks go without a CRC, as memberlist's direct sends do.
void SwimNode::send_with_piggyback(const Address& to, std::vector<uint8_t> msg) {
  const size_t room = packet_room();
  const size_t budget =
      room > msg.size() + kCompoundHeader ? room - msg.size() - kCompoundHeader : 0;
  bodies_.assign(msg.begin(), msg.end());
  lens_.assign(1, msg.size());
  collect_broadcasts(budget);
  if (lens_.size() == 1) {
    send_packet(to, std::move(msg));
    return;
  }
  std::vector<uint8_t> out;
  ml::encode_packet(bodies_, lens_, /*with_crc=*/false, out);
  send_packet(to, std::move(out));
}

// Appends to bodies_ and lens_ the broadcasts that fit `budget` (BroadcastQueue::collect):
// memberlist's own first, then the layer above's in what room is left (getBroadcasts).
void SwimNode::collect_broadcasts(size_t budget) {
  size_t used = 0;
  broadcasts_.collect(kCompoundOverhead, budget, transmit_limit(),
                      [this, &used](std::span<const uint8_t> m) {
                        bodies_.insert(bodies_.end(), m.begin(), m.end());
                        lens_.push_back(m.size());
                        used += m.size() + kCompoundOverhead;
                      });
  collect_user_broadcasts(budget - std::min(budget, used));
}

bool SwimNode::has_broadcasts() const {
  if (!broadcasts_.empty()) return true;
  return std::any_of(user_broadcasts_.begin(), user_broadcasts_.end(),
                     [](const BroadcastQueue& q) { return !q.empty(); });
}

// memberlist gossip: to gossip_nodes random members (alive, suspect, or dead for less than
// gossip_to_the_dead_time), each a packet of the broadcasts that fit; stops when none are left.
// Gossip carries a CRC to members that understand it (protocol max >= 5).
void SwimNode::gossip(Time now) {
  ++stats_.gossip_rounds;
  random_members(
      config_.gossip_nodes,
      [this, now](const SwimMember& m) {
        if (m.identity == self_identity_) return true;
        switch (m.state) {
          case SwimState::kAlive:
          case SwimState::kSuspect:
            return false;
          case SwimState::kDead:
            return now - m.state_change > config_.gossip_to_the_dead_time;
          case SwimState::kLeft:
            return true;
        }
        return true;
      },
      picked_);
  const size_t room = packet_room();
  if (room <= kCompoundHeader) return;
  const size_t budget = room - kCompoundHeader;
  for (uint32_t idx : picked_) {
    bodies_.clear();
    lens_.clear();
    collect_broadcasts(budget);
    if (lens_.empty()) return;
    const SwimMember& target = members_[idx];
    std::vector<uint8_t> packet;
    ml::encode_packet(bodies_, lens_, /*with_crc=*/target.vsn[1] >= 5, packet);
    send_packet(addr_of(target), std::move(packet));
  }
}

uint64_t SwimNode::open_stream(const Address& to, StreamKind kind, uint32_t seq,
                               std::vector<uint8_t> bytes, Time now) {
  if (streams_.size() >= kMaxOpenStreams) {
    ++stats_.streams_dropped;
    return 0;
  }
  const uint64_t id = next_stream_++;
  streams_.push_back(OpenStream{id, kind, seq, now + config_.tcp_timeout});
  ++stats_.streams_opened;
  stats_.stream_bytes_sent += bytes.size();
  push_transmit(SwimTransmit{to, Channel::kStreamOpen, id, std::move(bytes)});
  return id;
}

}  // namespace rumor::core

namespace rumor::core {

void MessageCounts::add_packet(std::span<const uint8_t> packet) {
  constexpr size_t kCrcHeader = 5;  // type byte + big-endian crc32
  if (!packet.empty() && packet[0] == static_cast<uint8_t>(ml::MsgType::kHasCrc)) {
    packet = packet.size() > kCrcHeader ? packet.subspan(kCrcHeader) : packet.subspan(0, 0);
  }
  if (packet.size() < 2 || packet[0] != static_cast<uint8_t>(ml::MsgType::kCompound)) {
    add(packet);
    return;
  }
  // Compound: type, u8 count, count big-endian u16 lengths, then the parts back to back.
  const size_t count = packet[1];
  size_t offset = 2 + 2 * count;
  for (size_t i = 0; i < count && 3 + 2 * i < packet.size() && offset <= packet.size(); ++i) {
    const size_t len = (size_t{packet[2 + 2 * i]} << 8) | packet[3 + 2 * i];
    if (len > packet.size() - offset) return;
    add(packet.subspan(offset, len));
    offset += len;
  }
}

Duration push_pull_scale(Duration interval, size_t n) {
  constexpr size_t kThreshold = 32;
  if (n <= kThreshold) return interval;
  const double multiplier =
      std::ceil(std::log2(static_cast<double>(n)) - std::log2(static_cast<double>(kThreshold))) +
      1.0;
  return interval * static_cast<int64_t>(multiplier);
}

}  // namespace rumor::core
