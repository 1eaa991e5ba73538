// Deadlines: the deadlines of every host on a Loop behind one OS timer.
//
// A SWIM node wants to be woken about six times a second (gossip, probe, probe timeout, ...);
// a process hosting thousands of nodes would otherwise arm and fire thousands of OS timers a
// second, each a separate wake-up of the thread. Here every deadline is rounded *up* to the
// next multiple of `slack` (LoopOptions: a quarter of the gossip interval), so the deadlines
// that fall into one slot are run from a single wake-up, and one asio::steady_timer is armed
// at the earliest slot.
//
// Invariants: a callback never runs before its deadline (rounding only delays it, by less than
// `slack`); each id has at most one pending deadline (setting a new one replaces it); a
// removed id's callback never runs again. Replaced deadlines stay in the heap as stale entries
// (skipped when they surface) and the heap is rebuilt when they outnumber the live ones, so
// its size stays within a small multiple of the ids in use.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "base/time.h"
#include "net/callback_slots.h"

namespace rumor::net {

class Deadlines {
 public:
  using Id = uint32_t;
  Deadlines(asio::io_context& io, Duration slack);
  Deadlines(const Deadlines&) = delete;
  Deadlines& operator=(const Deadlines&) = delete;

  // A new id whose deadlines run `fire(now)` on the loop thread (`now`: the clock read once for
  // the whole wake-up). No deadline is set yet.
  Id add(std::function<void(Time now)> fire);
  // `fire` runs once, at `at` rounded up to the slack (or at the next wake-up if that is past).
  // Time::never() clears it.
  void set(Id id, Time at);
  // Forgets the id; its callback never runs again, even from a wake-up under way.
  void remove(Id id);

  Duration slack() const { return slack_; }
  size_t heap_size() const { return heap_.size(); }  // live and stale entries, for tests
  uint64_t wakeups() const { return wakeups_; }      // OS timer expiries handled so far

 private:
  struct Entry {
    Time at;
    Id id;
    uint32_t gen;
    bool operator>(const Entry& o) const { return at > o.at; }
  };
  Time round_up(Time t) const;
  void push(Entry e);
  void pop();
  void drop_stale_top();
  void arm();
  void on_timer();
  void compact();

  asio::steady_timer timer_;
  Duration slack_;
  // Each id's generation is bumped on every set and remove, so older heap entries are stale.
  CallbackSlots<std::function<void(Time)>> slots_;
  std::vector<Time> due_at_;  // by id: the rounded deadline, never when none is pending
  std::vector<Entry> heap_;   // a min-heap on `at` (std::push_heap with greater)
  size_t live_ = 0;           // ids with a pending deadline
  Time armed_ = Time::never();
  uint64_t wakeups_ = 0;
  std::vector<std::pair<Id, uint32_t>> due_;  // scratch for on_timer: (id, gen)
};

}  // namespace rumor::net
