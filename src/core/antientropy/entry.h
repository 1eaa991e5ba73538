// Versioned state: the unit of replication every gossip style moves around.
//
// A node's state is a set of entries keyed by (origin, key): the origin is the node that wrote
// the entry, and only the origin ever writes its own keys. Each entry carries a Version of
// (generation, counter), Cassandra's model: the generation changes when the origin restarts, the
// counter is the origin's logical clock, raised by one for every write it makes to any key, so
// within a generation no two entries of one origin share a counter and "the highest counter I
// hold for origin O" summarises everything I know of O (that is the digest).
//
// merge() decides which of two copies of the same (origin, key) a replica keeps. It is a pure
// function, and it is a join (commutative, associative, idempotent), which is what lets every
// replica converge whatever order the copies arrive in:
//   1. the higher version wins, comparing generation first and then counter;
//   2. at equal versions with different values (which only a misbehaving origin can produce),
//      the value that is larger byte-wise (std::string comparison) wins, so every replica makes
//      the same choice;
//   3. identical copies: the local one is kept (nothing changes).
//
// Items (key and value bytes) are immutable and shared between replicas by reference count, so
// copying an entry into a message or a store never copies its bytes.
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <string>

#include "core/node_id.h"

namespace rumor::core {

struct Version {
  uint32_t generation = 0;
  uint64_t counter = 0;
  auto operator<=>(const Version&) const = default;
};

struct Item {
  std::string key;
  std::string value;
};
using ItemRef = std::shared_ptr<const Item>;

ItemRef make_item(std::string key, std::string value);

// 32 bytes: the layout is kept flat (no nested Version) so a store of a million nodes stays small.
struct Entry {
  NodeId origin = kNoNode;
  uint32_t generation = 0;
  uint64_t counter = 0;
  ItemRef item;

  Version version() const { return {generation, counter}; }
  const std::string& key() const { return item->key; }
  const std::string& value() const { return item->value; }
};

enum class Winner { kLocal, kIncoming };

// Which copy of one (origin, key) a replica keeps; see the rules above. Both entries must have
// the same origin and key.
Winner merge(const Entry& local, const Entry& incoming);

}  // namespace rumor::core

namespace rumor::core {

// What a node holds of one origin: the origin's current generation and the highest counter held
// in it. {0, 0} means "nothing"; real counters start at 1.
struct Digest {
  NodeId origin = kNoNode;
  uint32_t generation = 0;
  uint64_t counter = 0;

  Version version() const { return {generation, counter}; }
  bool operator==(const Digest&) const = default;
};

}  // namespace rumor::core
