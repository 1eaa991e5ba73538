// SlotPool: reusable slots for things in flight (messages between send and delivery).
//
// A vector of T and a free list of indices: acquire() hands out a free slot (growing the vector
// only when none is free) and release() returns it, so a run that keeps a steady number of
// messages in flight allocates nothing once warmed up, and a slot keeps the capacity its T had
// grown (its message vectors) for the next use. Indices stay valid until released; references
// do not survive an acquire() that grows the pool.
#pragma once

#include <cstdint>
#include <vector>

namespace rumor::sim {

template <typename T>
class SlotPool {
 public:
  uint32_t acquire() {
    if (free_.empty()) {
      items_.emplace_back();
      return static_cast<uint32_t>(items_.size() - 1);
    }
    const uint32_t slot = free_.back();
    free_.pop_back();
    return slot;
  }
  void release(uint32_t slot) { free_.push_back(slot); }
  T& operator[](uint32_t slot) { return items_[slot]; }

 private:
  std::vector<T> items_;
  std::vector<uint32_t> free_;
};

}  // namespace rumor::sim
