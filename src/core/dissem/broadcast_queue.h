// BroadcastQueue: memberlist's TransmitLimitedQueue (queue.go, 0.2.2), the piggyback queue.
//
// SWIM disseminates membership updates by piggybacking them on its pings and acks and on
// gossip packets (Das et al. 2002, §4.1): each update is sent a bounded number of times,
// retransmit_limit() = retransmit_mult x ceil(log10(n + 1)) (fact sheet memberlist-serf-wire.md
// §2.8). The node encodes each alive/suspect/dead message once and queues its bytes under the
// member's key (NameId): a newer broadcast about the same member replaces the queued one, and
// the replaced one is never sent again. kUniqueBroadcast marks a message that replaces nothing.
//
// collect() picks what fits into a packet, exactly as GetBroadcasts does: the fewest transmits
// first; within that tier the longest message that still fits; among equal lengths the newest.
// Each picked message costs len + overhead bytes of the budget, is sent at most once per call,
// has its transmit count raised, and leaves the queue once it reaches the limit. A packet
// carrying message M of len(M) bytes in a compound uses
//   collect(/*overhead=*/2, udp_buffer_size - len(M) - 2, limit, ...)
// (memberlist's compoundOverhead and compoundHeaderOverhead; a gossip packet has len(M) = 0).
//
// Limits: at most max_entries messages. A full queue makes room for a new message by dropping
// the one collect() would pick last (most transmits, then shortest, then oldest: what
// memberlist's Prune drops), counted in dropped(). Every operation is O(log n) (a std::map keyed
// by the selection order, plus a hash index by key), except that collect() is O(m log n) for m
// messages picked. One deliberate difference: memberlist resets its id counter whenever the
// queue empties, even in the middle of GetBroadcasts, so a new message can share an id with one
// waiting to be reinserted and replace it in the btree; our ids only grow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <unordered_map>
#include <vector>

namespace rumor::core {

// The key of a message that never replaces, and is never replaced by, another.
inline constexpr uint32_t kUniqueBroadcast = 0xffffffffu;

// queue.go retransmitLimit: retransmit_mult x ceil(log10(n + 1)); 0 for n = 0. Computed with
// integers (ceil(log10(n + 1)) is the number of decimal digits of n), which equals Go's
// floating-point result for every n memberlist can hold. Saturates at UINT32_MAX.
uint32_t retransmit_limit(uint32_t retransmit_mult, size_t n);

class BroadcastQueue {
 public:
  // Called once per picked message, in pick order; the bytes are valid only during the call,
  // and the sink must not touch the queue (asserted).
  using Sink = std::function<void(std::span<const uint8_t>)>;

  // max_entries >= 1 (asserted; SwimConfig::max_broadcasts).
  explicit BroadcastQueue(uint32_t max_entries);

  // Queues `bytes` with 0 transmits. A message already queued under the same key (unless the
  // key is kUniqueBroadcast) is removed first and counted in replaced().
  void queue(uint32_t key, std::vector<uint8_t> bytes);

  // Picks messages for one packet: `budget` bytes in all, each costing len + overhead; a
  // message leaves once its transmits reach `transmit_limit` (a limit of 0 still sends each
  // message once, as memberlist does). Returns the number of messages picked.
  size_t collect(size_t overhead, size_t budget, uint32_t transmit_limit, const Sink& sink);
  // The same, appending copies of the picked messages to `out`.
  size_t collect(size_t overhead, size_t budget, uint32_t transmit_limit,
                 std::vector<std::vector<uint8_t>>& out);

  // queue.go Prune: drops messages, the one collect() would pick last first, until at most
  // `max_retain` remain; each counts in dropped().
  void prune(size_t max_retain);
  // Drops everything (not counted).
  void clear();

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  bool contains(uint32_t key) const { return by_key_.contains(key); }
  // The transmits so far of the message queued under `key`; -1 if none.
  int64_t transmits(uint32_t key) const;
  uint32_t max_entries() const { return max_entries_; }
  // Messages dropped by overflow or prune().
  uint64_t dropped() const { return dropped_; }
  // Messages replaced by a newer one under the same key.
  uint64_t replaced() const { return replaced_; }

 private:
  // The selection order: transmits ascending, then length descending, then id descending.
  struct Order {
    uint32_t transmits = 0;
    uint64_t len = 0;
    uint64_t id = 0;
  };
  struct OrderLess {
    bool operator()(const Order& a, const Order& b) const {
      if (a.transmits != b.transmits) return a.transmits < b.transmits;
      if (a.len != b.len) return a.len > b.len;
      return a.id > b.id;
    }
  };
  struct Payload {
    uint32_t key = kUniqueBroadcast;
    std::vector<uint8_t> bytes;
    // The by_key_ entry of a keyed message (unordered_map elements never move), so a
    // transmit updates it without a hash lookup; null for kUniqueBroadcast.
    Order* indexed = nullptr;
  };
  using Entries = std::map<Order, Payload, OrderLess>;

  void drop_last();
  // Extracts the next message to send from tier >= `tier` that fits `free` bytes; updates
  // `tier` to the tier searched. Empty when nothing fits.
  Entries::node_type take_fitting(uint32_t& tier, uint64_t free);

  uint32_t max_entries_;
  uint64_t next_id_ = 0;
  uint64_t dropped_ = 0;
  uint64_t replaced_ = 0;
  bool collecting_ = false;
  Entries entries_;
  std::unordered_map<uint32_t, Order> by_key_;
  std::vector<Entries::node_type> reinsert_;  // scratch for collect()
};

}  // namespace rumor::core
