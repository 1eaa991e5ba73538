// SwimNode: probing (SWIM §3.1 with Lifeguard's nacks and buddy system; memberlist probeNode,
// handlePing, handleIndirectPing, handleAck, handleNack) and packet dispatch.
#include <algorithm>
#include <utility>

#include "core/membership/swim_node.h"

namespace rumor::core {

namespace ml = wire::ml;

// memberlist probe(): the next member in the round-robin order that is neither this node nor
// dead or left; wrapping reshuffles the order. Gives up after one pass with nobody to probe.
void SwimNode::probe(Time now) {
  size_t checked = 0;
  while (checked < members_.size()) {
    if (probe_index_ >= members_.size()) {
      reset_probe_order(now);
      probe_index_ = 0;
      ++checked;
      continue;
    }
    SwimMember& m = members_[probe_index_++];
    if (m.identity == self_identity_ || m.state == SwimState::kDead ||
        m.state == SwimState::kLeft) {
      ++checked;
      continue;
    }
    probe_member(m, now);
    return;
  }
}

ml::Ping SwimNode::make_ping(uint32_t seq, NameId target) const {
  ml::Ping ping;
  ping.seq_no = seq;
  ping.node = std::string(directory_.name(target));
  ping.source_addr =
      ml::Bytes(std::vector<uint8_t>(self_addr_.ip_bytes().begin(), self_addr_.ip_bytes().end()));
  ping.source_port = self_addr_.port;
  ping.source_node = std::string(directory_.name(self_name_));
  return ping;
}

void SwimNode::probe_member(SwimMember& m, Time now) {
  ++stats_.probes;
  probe_ = Probe{};
  probe_.active = true;
  probe_.target = name_of(m);
  probe_.incarnation = m.incarnation;
  probe_.seq = next_seq_++;
  probe_.start = now;
  probe_.timeout_at = now + config_.probe_timeout;
  // Lifeguard: a node in poor health waits longer before it blames the target. The probe
  // timeout itself is not scaled (memberlist: waiting longer does not help UDP get through).
  const Duration interval =
      config_.awareness ? awareness_.scale(config_.probe_interval) : config_.probe_interval;
  probe_.deadline = now + interval;

  std::vector<uint8_t> msg;
  ml::encode(make_ping(probe_.seq, probe_.target), msg);
  if (m.state == SwimState::kSuspect && config_.buddy) {
    // Buddy system: tell the suspect it is suspected, in the probe itself, so it can refute.
    ml::Suspect s;
    s.incarnation = m.incarnation;
    s.node = std::string(directory_.name(probe_.target));
    s.from = std::string(directory_.name(self_name_));
    std::vector<uint8_t> suspect;
    ml::encode(s, suspect);
    std::vector<uint8_t> both;
    const std::span<const uint8_t> parts[] = {msg, suspect};
    ml::encode_compound(parts, both);
    msg = std::move(both);
  }
  send_with_piggyback(addr_of(m), std::move(msg));
}

// No ack within probe_timeout: ask indirect_checks other alive members to ping the target
// (asking for a nack when they cannot reach it), and try a TCP ping ourselves.
void SwimNode::probe_timeout(Time now) {
  probe_.indirect_sent = true;
  const SwimMember* target = find(probe_.target);
  if (target == nullptr) return;  // reaped meanwhile; the deadline ends the probe
  ++stats_.indirect_probes;
  const IdentityId target_identity = target->identity;
  random_members(
      config_.indirect_checks,
      [target_identity, this](const SwimMember& m) {
        return m.identity == self_identity_ || m.identity == target_identity ||
               m.state != SwimState::kAlive;
      },
      picked_);
  const Address& target_addr = directory_.identity_addr(target_identity);
  ml::IndirectPingReq req;
  req.seq_no = probe_.seq;
  req.target =
      ml::Bytes(std::vector<uint8_t>(target_addr.ip_bytes().begin(), target_addr.ip_bytes().end()));
  req.port = target_addr.port;
  req.node = std::string(directory_.name(probe_.target));
  req.source_addr =
      ml::Bytes(std::vector<uint8_t>(self_addr_.ip_bytes().begin(), self_addr_.ip_bytes().end()));
  req.source_port = self_addr_.port;
  req.source_node = std::string(directory_.name(self_name_));
  for (uint32_t idx : picked_) {  // sending does not draw members, so picked_ stays put
    const SwimMember& peer = members_[idx];
    req.nack = config_.nacks && peer.vsn[1] >= 4;
    if (req.nack) ++probe_.expected_nacks;
    std::vector<uint8_t> msg;
    ml::encode(req, msg);
    send_with_piggyback(addr_of(peer), std::move(msg));
  }
  if (!config_.disable_tcp_pings && target->vsn[1] >= 3) {
    std::vector<uint8_t> msg;
    ml::encode(make_ping(probe_.seq, probe_.target), msg);
    open_stream(target_addr, StreamKind::kPing, probe_.seq, std::move(msg), now);
  }
}

// The awareness-scaled interval is over with no UDP ack: a TCP ack still saves the target;
// otherwise this node's health pays for the silence (less so when the relays' nacks show that
// they could not reach the target either) and the target becomes suspect.
void SwimNode::probe_deadline(Time now) {
  if (probe_.tcp_acked) {
    finish_probe(true, now);
    return;
  }
  int delta = 1;
  if (probe_.expected_nacks > 0) {
    delta = probe_.nacks < probe_.expected_nacks
                ? static_cast<int>(probe_.expected_nacks - probe_.nacks)
                : 0;
  }
  if (config_.awareness) awareness_.apply_delta(delta);
  const NameId target = probe_.target;
  const uint32_t incarnation = probe_.incarnation;
  probe_.active = false;
  next_probe_ = std::max(next_probe_, now);
  if (find(target) == nullptr) return;
  ++stats_.suspicions_raised;
  on_suspect(now, incarnation, directory_.name(target), directory_.name(self_name_));
}

void SwimNode::finish_probe(bool acked, Time now) {
  if (acked) {
    ++stats_.probe_acks;
    if (config_.awareness) awareness_.apply_delta(-1);
  }
  probe_.active = false;
  next_probe_ = std::max(next_probe_, now);
}

void SwimNode::on_ping(const Address& from, std::span<const uint8_t> body) {
  ml::Ping ping;
  if (auto err = ml::decode(body, ping)) {
    ++decode_errors_[static_cast<size_t>(*err)];
    return;
  }
  // A ping meant for another node (say, one that had this address before) is not ours to ack.
  if (!ping.node.empty() && ping.node != directory_.name(self_name_)) {
    ++stats_.ignored;
    return;
  }
  Address reply_to = from;
  if (!ping.source_addr.empty() && ping.source_port > 0) {
    const Address source = Address::from_bytes(ping.source_addr.data, ping.source_port);
    if (!source.empty()) reply_to = source;
  }
  ml::AckResp ack;
  ack.seq_no = ping.seq_no;
  if (!ack_payload_.empty()) ack.payload = ml::Bytes(ack_payload_);
  std::vector<uint8_t> msg;
  ml::encode(ack, msg);
  send_with_piggyback(reply_to, std::move(msg));
}

void SwimNode::on_indirect_ping(Time now, const Address& from, std::span<const uint8_t> body) {
  ml::IndirectPingReq req;
  if (auto err = ml::decode(body, req)) {
    ++decode_errors_[static_cast<size_t>(*err)];
    return;
  }
  // memberlist: no port means the sender's protocol predates ports; use our own.
  const Address target =
      Address::from_bytes(req.target.data, req.port ? req.port : self_addr_.port);
  if (target.empty()) {
    ++stats_.ignored;
    return;
  }
  if (relays_.size() >= config_.max_relays) {
    ++stats_.relays_dropped;
    return;
  }
  Address requester = from;
  if (!req.source_addr.empty() && req.source_port > 0) {
    const Address source = Address::from_bytes(req.source_addr.data, req.source_port);
    if (!source.empty()) requester = source;
  }
  Relay relay;
  relay.seq = next_seq_++;
  relay.orig_seq = req.seq_no;
  relay.requester = requester;
  relay.nack = req.nack;
  relay.expires = now + config_.probe_timeout;
  relays_.push_back(relay);

  ml::Ping ping;
  ping.seq_no = relay.seq;
  ping.node = req.node;
  ping.source_addr =
      ml::Bytes(std::vector<uint8_t>(self_addr_.ip_bytes().begin(), self_addr_.ip_bytes().end()));
  ping.source_port = self_addr_.port;
  ping.source_node = std::string(directory_.name(self_name_));
  std::vector<uint8_t> msg;
  ml::encode(ping, msg);
  send_with_piggyback(target, std::move(msg));
}

void SwimNode::on_ack(Time now, std::span<const uint8_t> body) {
  ml::AckResp ack;
  if (auto err = ml::decode(body, ack)) {
    ++decode_errors_[static_cast<size_t>(*err)];
    return;
  }
  // memberlist hands the ping delegate the round trip of a direct ack that came in time.
  if (probe_.active && ack.seq_no == probe_.seq && !probe_.indirect_sent &&
      !ack.payload.data.empty()) {
    deliver_ping_result(probe_.target, now - probe_.start, ack.payload.data);
  }
  on_ack_seq(now, ack.seq_no);
}

// An ack is either for our probe (direct or relayed: same seq) or for a ping we sent as a relay,
// which we pass back to the requester under its own seq. Anything else is late or forged.
void SwimNode::on_ack_seq(Time now, uint32_t seq) {
  if (probe_.active && seq == probe_.seq) {
    finish_probe(true, now);
    return;
  }
  for (size_t i = 0; i < relays_.size(); ++i) {
    if (relays_[i].seq != seq) continue;
    ml::AckResp relayed;
    relayed.seq_no = relays_[i].orig_seq;
    const Address to = relays_[i].requester;
    relays_[i] = relays_.back();
    relays_.pop_back();
    std::vector<uint8_t> msg;
    ml::encode(relayed, msg);
    send_with_piggyback(to, std::move(msg));
    return;
  }
  ++stats_.ignored;
}

void SwimNode::on_nack(std::span<const uint8_t> body) {
  ml::NackResp nack;
  if (auto err = ml::decode(body, nack)) {
    ++decode_errors_[static_cast<size_t>(*err)];
    return;
  }
  if (probe_.active && nack.seq_no == probe_.seq && probe_.indirect_sent) {
    ++probe_.nacks;
    ++stats_.nacks_received;
    return;
  }
  ++stats_.ignored;
}

// Relays whose target stayed silent for probe_timeout: a nack to the requester if it asked.
void SwimNode::expire_relays(Time now) {
  for (size_t i = 0; i < relays_.size();) {
    if (relays_[i].expires > now) {
      ++i;
      continue;
    }
    if (relays_[i].nack) {
      ml::NackResp nack;
      nack.seq_no = relays_[i].orig_seq;
      std::vector<uint8_t> msg;
      ml::encode(nack, msg);
      send_with_piggyback(relays_[i].requester, std::move(msg));
    }
    relays_[i] = relays_.back();
    relays_.pop_back();
  }
}

void SwimNode::dispatch(Time now, const Address& from, const ml::PacketPart& part) {
  const auto type = static_cast<size_t>(part.type);
  if (type < MessageCounts::kTypes) {
    ++stats_.received.messages[type];
    stats_.received.bytes[type] += part.body.size() + 1;
  }
  switch (part.type) {
    case ml::MsgType::kPing:
      on_ping(from, part.body);
      return;
    case ml::MsgType::kIndirectPing:
      on_indirect_ping(now, from, part.body);
      return;
    case ml::MsgType::kAck:
      on_ack(now, part.body);
      return;
    case ml::MsgType::kNack:
      on_nack(part.body);
      return;
    case ml::MsgType::kAlive: {
      ml::Alive a;
      if (auto err = ml::decode(part.body, a)) {
        ++decode_errors_[static_cast<size_t>(*err)];
        return;
      }
      on_alive(now, AliveView{a.incarnation, a.node, a.addr.data, a.port, a.meta.data, a.vsn.data});
      return;
    }
    case ml::MsgType::kSuspect: {
      ml::Suspect s;
      if (auto err = ml::decode(part.body, s)) {
        ++decode_errors_[static_cast<size_t>(*err)];
        return;
      }
      on_suspect(now, s.incarnation, s.node, s.from);
      return;
    }
    case ml::MsgType::kDead: {
      ml::Dead d;
      if (auto err = ml::decode(part.body, d)) {
        ++decode_errors_[static_cast<size_t>(*err)];
        return;
      }
      on_dead(now, d.incarnation, d.node, d.from);
      return;
    }
    case ml::MsgType::kUser:
      deliver_user_message(part.body);
      return;
    default:
      // Push-pull and errors never come by UDP.
      ++stats_.ignored;
      return;
  }
}

}  // namespace rumor::core
