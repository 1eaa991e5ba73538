// CallbackSlots: the loop's callbacks by small integer id (Deadlines, UdpWatch).
//
// Each id carries a generation that changes whenever what was pending for it is replaced or
// the id is removed, so a stale reference to it (a timer heap entry, an epoll token) is
// recognised by live(id, gen) and skipped. Invariants: an id removed while callbacks run (a
// turn) is reused only after the turn, and the slots live in a deque, so neither reuse nor
// growth ever moves or overwrites the callback that is running.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace rumor::net {

template <typename Fn>
class CallbackSlots {
 public:
  using Id = uint32_t;
  struct Slot {
    Fn fn;
    uint32_t gen = 0;
    bool used = false;
  };

  Id add(Fn fn) {
    Id id;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
    } else {
      id = static_cast<Id>(slots_.size());
      slots_.emplace_back();
    }
    Slot& s = slots_[id];
    s.fn = std::move(fn);  // the old callback (if any) ran in an earlier turn
    s.used = true;
    return id;
  }
  // False if the id was not in use. Its callback is kept until the id is reused.
  bool remove(Id id) {
    Slot& s = slots_.at(id);
    if (!s.used) return false;
    s.used = false;
    ++s.gen;
    (in_turn_ ? free_later_ : free_).push_back(id);
    return true;
  }
  Slot& at(Id id) { return slots_.at(id); }
  bool live(Id id, uint32_t gen) const { return slots_[id].used && slots_[id].gen == gen; }

  // Brackets a run of callbacks: ids removed inside are reused only after end_turn().
  void begin_turn() { in_turn_ = true; }
  void end_turn() {
    in_turn_ = false;
    free_.insert(free_.end(), free_later_.begin(), free_later_.end());
    free_later_.clear();
  }

 private:
  std::deque<Slot> slots_;
  std::vector<Id> free_;
  std::vector<Id> free_later_;
  bool in_turn_ = false;
};

}  // namespace rumor::net
