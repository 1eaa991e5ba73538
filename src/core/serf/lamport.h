// LamportClock: Serf's logical clock (serf/lamport.go; Lamport 1978). Serf keeps three, one
// each for member intents, user events and queries, and orders everything it gossips by them.
//
// Invariants: the time never goes down; it starts at 1 (the first event, query and intent a
// Serf node sends carry LTime 1; fact sheet memberlist-serf-wire.md §8). Not thread-safe: like
// the rest of the core, one owner drives it.
#pragma once

#include <cstdint>

namespace rumor::core::serf {

using LamportTime = uint64_t;

class LamportClock {
 public:
  LamportTime time() const { return t_; }
  // Moves to the next time and returns it.
  LamportTime increment() { return ++t_; }
  // Seen a message stamped v: the clock moves past it (to v + 1) unless it is already there.
  void witness(LamportTime v) {
    if (v >= t_) t_ = v + 1;
  }

 private:
  LamportTime t_ = 1;
};

}  // namespace rumor::core::serf
