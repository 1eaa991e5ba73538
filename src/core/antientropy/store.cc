#include "core/antientropy/store.h"

#include <algorithm>

#include "base/assert.h"

namespace rumor::core {
namespace {

bool entry_before(const Entry& e, NodeId origin, std::string_view key) {
  return e.origin != origin ? e.origin < origin : std::string_view(e.key()) < key;
}

}  // namespace

std::pair<size_t, size_t> Store::origin_range(NodeId origin) const {
  auto first = std::lower_bound(entries_.begin(), entries_.end(), origin,
                                [](const Entry& e, NodeId o) { return e.origin < o; });
  auto last = std::upper_bound(first, entries_.end(), origin,
                               [](NodeId o, const Entry& e) { return o < e.origin; });
  return {static_cast<size_t>(first - entries_.begin()),
          static_cast<size_t>(last - entries_.begin())};
}

const Entry* Store::find(NodeId origin, std::string_view key) const {
  auto it = std::lower_bound(
      entries_.begin(), entries_.end(), key,
      [origin](const Entry& e, std::string_view k) { return entry_before(e, origin, k); });
  if (it == entries_.end() || it->origin != origin || it->key() != key) return nullptr;
  return &*it;
}

Version Store::version_of(NodeId origin) const {
  auto [first, last] = origin_range(origin);
  Version v;
  for (size_t i = first; i < last; ++i)
    v = std::max(v, entries_[i].version());
  return v;
}

ApplyResult Store::apply(const Entry& incoming, size_t max_entries) {
  RUMOR_ASSERT(incoming.item != nullptr, "an entry always carries an item");
  auto [first, last] = origin_range(incoming.origin);
  if (first != last) {
    const uint32_t held_generation = entries_[first].generation;
    if (incoming.generation < held_generation) return ApplyResult::kStale;
    if (incoming.generation > held_generation) {
      // The origin restarted: its previous incarnation's entries are superseded as a whole,
      // and the incoming entry takes their place. Refuse before erasing anything, so a refused
      // entry leaves the store as it was.
      if (entries_.size() - (last - first) >= max_entries) return ApplyResult::kFull;
      entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(first),
                     entries_.begin() + static_cast<std::ptrdiff_t>(last));
      entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(first), incoming);
      return ApplyResult::kChanged;
    }
  }
  auto it = std::lower_bound(
      entries_.begin(), entries_.end(), incoming.key(),
      [&](const Entry& e, std::string_view k) { return entry_before(e, incoming.origin, k); });
  if (it != entries_.end() && it->origin == incoming.origin && it->key() == incoming.key()) {
    if (merge(*it, incoming) == Winner::kLocal) return ApplyResult::kUnchanged;
    *it = incoming;
    return ApplyResult::kChanged;
  }
  if (entries_.size() >= max_entries) return ApplyResult::kFull;
  entries_.insert(it, incoming);
  return ApplyResult::kChanged;
}

Entry Store::write(NodeId self, uint32_t generation, std::string key, std::string value) {
  const Version held = version_of(self);
  RUMOR_ASSERT(held.generation <= generation, "a node never writes in an older generation");
  Entry e;
  e.origin = self;
  e.generation = generation;
  e.counter = held.generation == generation ? held.counter + 1 : 1;
  e.item = make_item(std::move(key), std::move(value));
  const ApplyResult r = apply(e, static_cast<size_t>(-1));
  RUMOR_ASSERT(r == ApplyResult::kChanged, "an origin's own write always lands");
  return e;
}

void Store::digests(std::vector<Digest>& out) const {
  for (size_t i = 0; i < entries_.size();) {
    Digest d{entries_[i].origin, entries_[i].generation, 0};
    for (; i < entries_.size() && entries_[i].origin == d.origin; ++i) {
      d.counter = std::max(d.counter, entries_[i].counter);
    }
    out.push_back(d);
  }
}

void Store::collect_newer(NodeId origin, Version than, std::vector<Entry>& out) const {
  auto [first, last] = origin_range(origin);
  const size_t start = out.size();
  for (size_t i = first; i < last; ++i) {
    if (entries_[i].version() > than) out.push_back(entries_[i]);
  }
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(),
            [](const Entry& a, const Entry& b) { return a.counter < b.counter; });
}

}  // namespace rumor::core
