// SwimNode's surface for the layer above (Serf): what memberlist offers its Delegate and
// PingDelegate, as queues and values instead of callbacks (swim_node.h). Every output queue is
// bounded; an overflow drops the newest item and counts it in SwimStats::user_dropped.
#include <algorithm>

#include "core/membership/swim_node.h"

namespace rumor::core {

namespace ml = wire::ml;

namespace {

// Appends to a bounded queue; false (nothing appended) when it is full.
template <typename T>
bool push_bounded(std::deque<T>& q, size_t limit, T item) {
  if (q.size() >= limit) return false;
  q.push_back(std::move(item));
  return true;
}

template <typename T>
bool pop_front(std::deque<T>& q, T& out) {
  if (q.empty()) return false;
  out = std::move(q.front());
  q.pop_front();
  return true;
}

}  // namespace

void SwimNode::queue_user_broadcast(size_t queue, uint32_t key, std::vector<uint8_t> bytes) {
  RUMOR_ASSERT(queue < kUserQueues, "a user broadcast queue index is below kUserQueues");
  user_broadcasts_[queue].queue(key, std::move(bytes));
}

void SwimNode::prune_user_broadcasts(size_t queue, size_t max_retain) {
  RUMOR_ASSERT(queue < kUserQueues, "a user broadcast queue index is below kUserQueues");
  user_broadcasts_[queue].prune(max_retain);
}

bool SwimNode::user_broadcast_queued(size_t queue, uint32_t key) const {
  RUMOR_ASSERT(queue < kUserQueues, "a user broadcast queue index is below kUserQueues");
  return user_broadcasts_[queue].contains(key);
}

size_t SwimNode::user_broadcast_depth(size_t queue) const {
  RUMOR_ASSERT(queue < kUserQueues, "a user broadcast queue index is below kUserQueues");
  return user_broadcasts_[queue].size();
}

// memberlist SendToAddress: the message as a user message (08 + bytes) in a packet of its own,
// with nothing piggybacked and no CRC (the destination is an address, not a known node).
void SwimNode::send_user_packet(const Address& to, std::span<const uint8_t> msg) {
  std::vector<uint8_t> packet;
  ml::encode_user(msg, packet);
  send_packet(to, std::move(packet));
}

bool SwimNode::poll_user_message(std::vector<uint8_t>& out) {
  return pop_front(user_messages_, out);
}

bool SwimNode::poll_user_state(SwimUserState& out) {
  return pop_front(user_states_, out);
}

bool SwimNode::poll_ping_result(SwimPingResult& out) {
  return pop_front(ping_results_, out);
}

// memberlist getBroadcasts: the layer above's messages go in the room memberlist's own left,
// each framed as a user message (one more byte of overhead), queue 0 first; each queue gets
// the budget the queues before it left.
void SwimNode::collect_user_broadcasts(size_t budget) {
  // memberlist's compoundOverhead (a part's u16 length) plus userMsgOverhead (the type byte).
  constexpr size_t kOverhead = ml::kCompoundPartOverhead + 1;
  const uint32_t limit = transmit_limit();
  for (BroadcastQueue& q : user_broadcasts_) {
    if (budget <= kOverhead) return;
    if (q.empty()) continue;
    q.collect(kOverhead, budget, limit, [this, &budget, kOverhead](std::span<const uint8_t> m) {
      bodies_.push_back(static_cast<uint8_t>(ml::MsgType::kUser));
      bodies_.insert(bodies_.end(), m.begin(), m.end());
      lens_.push_back(m.size() + 1);
      budget -= std::min(budget, m.size() + kOverhead);
    });
  }
}

void SwimNode::deliver_user_message(std::span<const uint8_t> msg) {
  if (msg.empty()) return;  // memberlist's NotifyMsg ignores empty messages too (Serf does)
  if (!push_bounded(user_messages_, kMaxUserMessages, std::vector<uint8_t>(msg.begin(), msg.end())))
    ++stats_.user_dropped;
}

void SwimNode::deliver_user_state(bool join, std::span<const uint8_t> bytes) {
  SwimUserState s{join, std::vector<uint8_t>(bytes.begin(), bytes.end())};
  if (!push_bounded(user_states_, kMaxUserStates, std::move(s))) ++stats_.user_dropped;
}

void SwimNode::deliver_ping_result(NameId member, Duration rtt, std::span<const uint8_t> payload) {
  SwimPingResult r{member, rtt, std::vector<uint8_t>(payload.begin(), payload.end())};
  if (!push_bounded(ping_results_, kMaxPingResults, std::move(r))) ++stats_.user_dropped;
}

}  // namespace rumor::core
