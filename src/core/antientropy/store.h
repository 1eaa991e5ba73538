// Store: one node's replica of the versioned state (see entry.h for the model).
//
// Entries are kept in one vector sorted by (origin, key), so a node that holds a single entry
// costs one small allocation, and scans by origin (digests, "what is newer than X") are linear.
// Invariants, checked by the tests:
//   - at most one entry per (origin, key);
//   - all entries of one origin share one generation: when an entry of a newer generation
//     arrives, the origin restarted and every entry of its older generation is dropped (its old
//     incarnation's state is gone, as in Cassandra);
//   - size() never exceeds the max_entries given to apply(): a new key beyond it is refused.
// Owned by one engine; not thread-safe (nothing in the core is).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "core/antientropy/entry.h"

namespace rumor::core {

enum class ApplyResult {
  kChanged,    // inserted, replaced by a newer version, or an older generation dropped
  kUnchanged,  // we already held this version or a newer one
  kStale,      // from an older generation than the one we hold for the origin
  kFull,       // a new key, but the store is at its entry limit
};

class Store {
 public:
  // Merges one incoming entry (entry.h's rules). max_entries bounds the number of entries.
  ApplyResult apply(const Entry& incoming, size_t max_entries);

  // Writes key=value as origin `self` in `generation`, with the next counter of self's clock.
  // The origin's own writes are never refused for space: a node always holds its own state.
  Entry write(NodeId self, uint32_t generation, std::string key, std::string value);

  const Entry* find(NodeId origin, std::string_view key) const;
  // What we hold of `origin` ({0,0} when nothing).
  Version version_of(NodeId origin) const;

  // One digest per origin held, ascending by origin.
  void digests(std::vector<Digest>& out) const;
  // Entries of `origin` whose version is newer than `than`, ascending by counter (so a
  // truncated prefix of them still leaves the receiver with everything up to its last entry).
  void collect_newer(NodeId origin, Version than, std::vector<Entry>& out) const;

  std::span<const Entry> entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear() { entries_.clear(); }

 private:
  // [first, last) of the origin's entries.
  std::pair<size_t, size_t> origin_range(NodeId origin) const;

  std::vector<Entry> entries_;
};

}  // namespace rumor::core
