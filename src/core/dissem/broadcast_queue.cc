#include "core/dissem/broadcast_queue.h"

#include <iterator>
#include <limits>
#include <utility>

#include "base/assert.h"

namespace rumor::core {

uint32_t retransmit_limit(uint32_t retransmit_mult, size_t n) {
  uint64_t digits = 0;
  for (size_t rest = n; rest > 0; rest /= 10)
    ++digits;
  const uint64_t limit = uint64_t{retransmit_mult} * digits;
  if (limit > std::numeric_limits<uint32_t>::max()) return std::numeric_limits<uint32_t>::max();
  return static_cast<uint32_t>(limit);
}

BroadcastQueue::BroadcastQueue(uint32_t max_entries) : max_entries_(max_entries) {
  RUMOR_ASSERT(max_entries >= 1, "broadcast queue needs room for at least one message");
}

void BroadcastQueue::queue(uint32_t key, std::vector<uint8_t> bytes) {
  RUMOR_ASSERT(!collecting_, "a collect() sink must not queue");
  if (key != kUniqueBroadcast) {
    auto old = by_key_.find(key);
    if (old != by_key_.end()) {
      entries_.erase(old->second);
      by_key_.erase(old);
      ++replaced_;
    }
  }
  if (entries_.size() >= max_entries_) drop_last();
  const Order order{0, bytes.size(), ++next_id_};
  Order* indexed = nullptr;
  if (key != kUniqueBroadcast) {
    indexed = &by_key_[key];
    *indexed = order;
  }
  entries_.emplace(order, Payload{key, std::move(bytes), indexed});
}

BroadcastQueue::Entries::node_type BroadcastQueue::take_fitting(uint32_t& tier, uint64_t free) {
  while (true) {
    // The first message of the tier no longer than `free`: longer ones sort before the probe.
    auto it = entries_.lower_bound(Order{tier, free, std::numeric_limits<uint64_t>::max()});
    if (it == entries_.end()) return {};
    if (it->first.transmits == tier) return entries_.extract(it);
    // Nothing in this tier fits; the tiers in between are empty, so go straight to the next.
    tier = it->first.transmits;
  }
}

size_t BroadcastQueue::collect(size_t overhead, size_t budget, uint32_t transmit_limit,
                               const Sink& sink) {
  RUMOR_ASSERT(!collecting_, "a collect() sink must not collect");
  if (entries_.empty()) return 0;
  reinsert_.clear();
  uint32_t tier = entries_.begin()->first.transmits;
  uint64_t used = 0;
  size_t picked = 0;
  while (used + overhead < budget) {
    Entries::node_type node = take_fitting(tier, budget - used - overhead);
    if (node.empty()) break;
    const Payload& payload = node.mapped();
    collecting_ = true;
    sink(std::span<const uint8_t>(payload.bytes));
    collecting_ = false;
    used += overhead + payload.bytes.size();
    ++picked;
    // Reinserted only after the walk, so a message is never picked twice in one packet.
    if (node.key().transmits + 1 >= transmit_limit) {
      if (payload.key != kUniqueBroadcast) by_key_.erase(payload.key);
    } else {
      ++node.key().transmits;
      if (payload.indexed != nullptr) payload.indexed->transmits = node.key().transmits;
      reinsert_.push_back(std::move(node));
    }
  }
  for (Entries::node_type& node : reinsert_) {
    entries_.insert(std::move(node));
  }
  reinsert_.clear();
  return picked;
}

size_t BroadcastQueue::collect(size_t overhead, size_t budget, uint32_t transmit_limit,
                               std::vector<std::vector<uint8_t>>& out) {
  return collect(overhead, budget, transmit_limit, [&out](std::span<const uint8_t> bytes) {
    out.emplace_back(bytes.begin(), bytes.end());
  });
}

void BroadcastQueue::prune(size_t max_retain) {
  RUMOR_ASSERT(!collecting_, "a collect() sink must not prune");
  while (entries_.size() > max_retain)
    drop_last();
}

void BroadcastQueue::clear() {
  RUMOR_ASSERT(!collecting_, "a collect() sink must not clear");
  entries_.clear();
  by_key_.clear();
}

int64_t BroadcastQueue::transmits(uint32_t key) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return -1;
  return it->second.transmits;
}

void BroadcastQueue::drop_last() {
  auto last = std::prev(entries_.end());
  if (last->second.key != kUniqueBroadcast) by_key_.erase(last->second.key);
  entries_.erase(last);
  ++dropped_;
}

}  // namespace rumor::core
