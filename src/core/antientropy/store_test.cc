#include "core/antientropy/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "base/prng.h"

namespace rumor::core {
namespace {

constexpr size_t kUnlimited = static_cast<size_t>(-1);

Entry make_entry(NodeId origin, uint32_t generation, uint64_t counter, std::string key,
                 std::string value = "v") {
  Entry e;
  e.origin = origin;
  e.generation = generation;
  e.counter = counter;
  e.item = make_item(std::move(key), std::move(value));
  return e;
}

// Everything a store holds, in its order, by content (item pointers do not matter).
using Row = std::tuple<NodeId, std::string, uint32_t, uint64_t, std::string>;
std::vector<Row> rows(const Store& s) {
  std::vector<Row> out;
  for (const Entry& e : s.entries())
    out.emplace_back(e.origin, e.key(), e.generation, e.counter, e.value());
  return out;
}

std::vector<uint64_t> counters(const std::vector<Entry>& es) {
  std::vector<uint64_t> out;
  for (const Entry& e : es)
    out.push_back(e.counter);
  return out;
}

std::vector<std::string> keys_of(const Store& s, NodeId origin) {
  std::vector<std::string> out;
  for (const Entry& e : s.entries()) {
    if (e.origin == origin) out.push_back(e.key());
  }
  return out;
}

// ---- apply: one entry per (origin, key) ----

TEST(Store, NewKeyIsInsertedAndFound) {
  Store s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.apply(make_entry(1, 1, 1, "a", "x"), kUnlimited), ApplyResult::kChanged);
  ASSERT_EQ(s.size(), 1u);
  const Entry* e = s.find(1, "a");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->value(), "x");
  EXPECT_EQ(e->version(), (Version{1, 1}));
}

TEST(Store, FindMissesOtherOriginsAndOtherKeys) {
  Store s;
  ASSERT_EQ(s.apply(make_entry(2, 1, 1, "b"), kUnlimited), ApplyResult::kChanged);
  EXPECT_EQ(s.find(1, "b"), nullptr);
  EXPECT_EQ(s.find(3, "b"), nullptr);
  EXPECT_EQ(s.find(2, "a"), nullptr);
  EXPECT_EQ(s.find(2, "bb"), nullptr);
  EXPECT_EQ(s.find(2, ""), nullptr);
  EXPECT_NE(s.find(2, "b"), nullptr);
}

TEST(Store, HoldsOneEntryPerOriginAndKey) {
  Store s;
  for (uint64_t c = 1; c <= 5; ++c) {
    ASSERT_EQ(s.apply(make_entry(1, 1, c, "a", "v" + std::to_string(c)), kUnlimited),
              ApplyResult::kChanged);
  }
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.find(1, "a")->counter, 5u);
  EXPECT_EQ(s.find(1, "a")->value(), "v5");
  // The same key under another origin is a different entry.
  ASSERT_EQ(s.apply(make_entry(2, 1, 1, "a"), kUnlimited), ApplyResult::kChanged);
  EXPECT_EQ(s.size(), 2u);
}

TEST(Store, KeepsEntriesSortedByOriginThenKeyWhateverTheArrivalOrder) {
  Store s;
  const std::vector<std::pair<NodeId, std::string>> arrivals = {
      {3, "b"}, {1, "z"}, {3, "a"}, {0xfffffffe, ""}, {1, "a"}, {0, "m"}, {1, ""}, {3, "ab"}};
  uint64_t counter = 0;
  for (const auto& [origin, key] : arrivals)
    ASSERT_EQ(s.apply(make_entry(origin, 1, ++counter, key), kUnlimited), ApplyResult::kChanged);
  std::vector<std::pair<NodeId, std::string>> held;
  for (const Entry& e : s.entries())
    held.emplace_back(e.origin, e.key());
  auto expected = arrivals;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(held, expected);
  for (const auto& [origin, key] : arrivals)
    EXPECT_NE(s.find(origin, key), nullptr) << origin << "/" << key;
}

TEST(Store, OlderOrEqualVersionIsUnchanged) {
  Store s;
  ASSERT_EQ(s.apply(make_entry(1, 1, 5, "a", "x"), kUnlimited), ApplyResult::kChanged);
  const auto before = rows(s);
  EXPECT_EQ(s.apply(make_entry(1, 1, 4, "a", "zzz"), kUnlimited), ApplyResult::kUnchanged);
  EXPECT_EQ(s.apply(make_entry(1, 1, 5, "a", "x"), kUnlimited), ApplyResult::kUnchanged);
  // A smaller value at an equal version loses the tie-break.
  EXPECT_EQ(s.apply(make_entry(1, 1, 5, "a", "w"), kUnlimited), ApplyResult::kUnchanged);
  EXPECT_EQ(rows(s), before);
}

TEST(Store, EqualVersionWithLargerValueReplaces) {
  Store s;
  ASSERT_EQ(s.apply(make_entry(1, 1, 5, "a", "x"), kUnlimited), ApplyResult::kChanged);
  EXPECT_EQ(s.apply(make_entry(1, 1, 5, "a", "y"), kUnlimited), ApplyResult::kChanged);
  EXPECT_EQ(s.find(1, "a")->value(), "y");
}

TEST(Store, ReplacedEntrySharesTheIncomingItem) {
  // Items are shared by reference: storing an entry must not copy its bytes.
  Store s;
  const Entry e = make_entry(1, 1, 1, "a", std::string(4096, 'x'));
  ASSERT_EQ(s.apply(e, kUnlimited), ApplyResult::kChanged);
  EXPECT_EQ(s.find(1, "a")->item.get(), e.item.get());
}

// ---- the generation rule ----

TEST(Store, NewerGenerationDropsOlderEntries) {
  Store s;
  for (const char* k : {"a", "b", "c"})
    ASSERT_EQ(s.apply(make_entry(1, 1, 10, k), kUnlimited), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(2, 1, 1, "a"), kUnlimited), ApplyResult::kChanged);

  EXPECT_EQ(s.apply(make_entry(1, 2, 1, "d"), kUnlimited), ApplyResult::kChanged);
  EXPECT_EQ(keys_of(s, 1), std::vector<std::string>{"d"});
  EXPECT_EQ(s.version_of(1), (Version{2, 1}));
  // Other origins are untouched.
  EXPECT_EQ(keys_of(s, 2), std::vector<std::string>{"a"});
}

TEST(Store, NewerGenerationReplacesTheSameKeyEvenWithALowerCounter) {
  Store s;
  ASSERT_EQ(s.apply(make_entry(1, 1, 9, "a", "old"), kUnlimited), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(1, 1, 10, "b"), kUnlimited), ApplyResult::kChanged);
  EXPECT_EQ(s.apply(make_entry(1, 2, 1, "a", "new"), kUnlimited), ApplyResult::kChanged);
  EXPECT_EQ(keys_of(s, 1), std::vector<std::string>{"a"});
  EXPECT_EQ(s.find(1, "a")->value(), "new");
  EXPECT_EQ(s.find(1, "a")->version(), (Version{2, 1}));
}

TEST(Store, StaleGenerationIsRefusedEvenForANewKeyOrAHigherCounter) {
  Store s;
  ASSERT_EQ(s.apply(make_entry(1, 3, 1, "a"), kUnlimited), ApplyResult::kChanged);
  const auto before = rows(s);
  EXPECT_EQ(s.apply(make_entry(1, 2, 100, "a"), kUnlimited), ApplyResult::kStale);
  EXPECT_EQ(s.apply(make_entry(1, 2, 100, "new-key"), kUnlimited), ApplyResult::kStale);
  EXPECT_EQ(s.apply(make_entry(1, 0, 1, "a"), kUnlimited), ApplyResult::kStale);
  EXPECT_EQ(rows(s), before);
}

TEST(Store, AllEntriesOfAnOriginShareOneGeneration) {
  Prng prng(11);
  Store s;
  for (int i = 0; i < 500; ++i) {
    const auto origin = static_cast<NodeId>(prng.uniform(3));
    const auto gen = static_cast<uint32_t>(prng.uniform(4));
    const uint64_t counter = 1 + prng.uniform(5);
    const std::string key(1, static_cast<char>('a' + prng.uniform(4)));
    (void)s.apply(make_entry(origin, gen, counter, key), kUnlimited);
    for (const Entry& e : s.entries())
      ASSERT_EQ(e.generation, s.version_of(e.origin).generation) << "after apply " << i;
  }
}

// ---- the entry limit ----

TEST(Store, NewKeyAtMaxEntriesIsRefusedAsFull) {
  Store s;
  ASSERT_EQ(s.apply(make_entry(1, 1, 1, "a"), 2), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(2, 1, 1, "a"), 2), ApplyResult::kChanged);
  const auto before = rows(s);
  EXPECT_EQ(s.apply(make_entry(1, 1, 2, "b"), 2), ApplyResult::kFull);
  EXPECT_EQ(s.apply(make_entry(3, 1, 1, "a"), 2), ApplyResult::kFull);
  EXPECT_EQ(rows(s), before);
  EXPECT_EQ(s.size(), 2u);
}

TEST(Store, ZeroMaxEntriesRefusesEveryNewKey) {
  Store s;
  EXPECT_EQ(s.apply(make_entry(1, 1, 1, "a"), 0), ApplyResult::kFull);
  EXPECT_TRUE(s.empty());
}

TEST(Store, ReplacementsAreAllowedAtMaxEntries) {
  Store s;
  ASSERT_EQ(s.apply(make_entry(1, 1, 1, "a"), 2), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(2, 1, 1, "a"), 2), ApplyResult::kChanged);
  EXPECT_EQ(s.apply(make_entry(1, 1, 2, "a", "newer"), 2), ApplyResult::kChanged);
  EXPECT_EQ(s.find(1, "a")->value(), "newer");
  EXPECT_EQ(s.apply(make_entry(2, 1, 1, "a", "zz"), 2), ApplyResult::kChanged);
  EXPECT_EQ(s.find(2, "a")->value(), "zz");
  // Old, equal and stale copies are still classified as such, not as full.
  EXPECT_EQ(s.apply(make_entry(1, 1, 1, "a"), 2), ApplyResult::kUnchanged);
  EXPECT_EQ(s.apply(make_entry(1, 0, 9, "zzz"), 2), ApplyResult::kStale);
  EXPECT_EQ(s.size(), 2u);
}

TEST(Store, NewerGenerationAtMaxEntriesReusesTheDroppedEntriesRoom) {
  Store s;
  ASSERT_EQ(s.apply(make_entry(1, 1, 1, "a"), 2), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(2, 1, 1, "a"), 2), ApplyResult::kChanged);
  EXPECT_EQ(s.apply(make_entry(1, 2, 1, "other"), 2), ApplyResult::kChanged);
  EXPECT_EQ(keys_of(s, 1), std::vector<std::string>{"other"});
  EXPECT_EQ(s.size(), 2u);
}

TEST(Store, RefusedAsFullLeavesTheStoreUnchangedEvenOverTheLimit) {
  // A node's own writes are never refused, so its store can hold more than max_entries. An
  // entry of a newer generation that then finds no room must not drop the older generation's
  // entries and report kFull: kFull promises nothing changed, and the engine records no change
  // for it.
  Store s;
  ASSERT_EQ(s.apply(make_entry(1, 1, 1, "a"), 2), ApplyResult::kChanged);
  (void)s.write(0, 1, "own1", "v");
  (void)s.write(0, 1, "own2", "v");
  ASSERT_EQ(s.size(), 3u);
  const auto before = rows(s);
  const ApplyResult r = s.apply(make_entry(1, 2, 1, "b"), 2);
  if (r == ApplyResult::kFull) {
    EXPECT_EQ(rows(s), before) << "kFull returned but origin 1's entries were dropped";
  } else {
    EXPECT_EQ(r, ApplyResult::kChanged);
  }
}

TEST(Store, SizeNeverExceedsMaxEntriesUnderRandomApplies) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Prng prng(seed);
    Store s;
    const size_t max = 1 + prng.uniform(6);
    for (int i = 0; i < 200; ++i) {
      const auto origin = static_cast<NodeId>(prng.uniform(4));
      const auto gen = static_cast<uint32_t>(prng.uniform(3));
      const std::string key(1, static_cast<char>('a' + prng.uniform(4)));
      const auto before = rows(s);
      const ApplyResult r = s.apply(make_entry(origin, gen, 1 + prng.uniform(4), key), max);
      ASSERT_LE(s.size(), max) << "seed " << seed;
      // kChanged exactly when the content changed.
      ASSERT_EQ(r == ApplyResult::kChanged, rows(s) != before) << "seed " << seed << " i " << i;
    }
  }
}

// ---- write ----

TEST(Store, WriteCountersGoOneTwoThreePerOrigin) {
  Store s;
  EXPECT_EQ(s.write(1, 5, "a", "x").counter, 1u);
  EXPECT_EQ(s.write(1, 5, "b", "x").counter, 2u);
  EXPECT_EQ(s.write(2, 5, "a", "x").counter, 1u);
  EXPECT_EQ(s.write(1, 5, "a", "y").counter, 3u);
  EXPECT_EQ(s.write(2, 5, "a", "y").counter, 2u);
  EXPECT_EQ(s.version_of(1), (Version{5, 3}));
  EXPECT_EQ(s.version_of(2), (Version{5, 2}));
  EXPECT_EQ(s.find(1, "a")->value(), "y");
  EXPECT_EQ(s.find(1, "a")->counter, 3u);
}

TEST(Store, WriteReturnsTheEntryItStored) {
  Store s;
  const Entry e = s.write(4, 2, "k", "v");
  EXPECT_EQ(e.origin, 4u);
  EXPECT_EQ(e.version(), (Version{2, 1}));
  EXPECT_EQ(e.key(), "k");
  EXPECT_EQ(e.value(), "v");
  EXPECT_EQ(s.find(4, "k")->item.get(), e.item.get());
}

TEST(Store, WriteInGenerationZeroStartsAtCounterOne) {
  // {0, 0} means "nothing held", so the first write of generation 0 must still be counter 1.
  Store s;
  EXPECT_EQ(s.write(1, 0, "a", "x").counter, 1u);
  EXPECT_EQ(s.write(1, 0, "b", "x").counter, 2u);
}

TEST(Store, WriteInANewGenerationRestartsAtOneAndDropsTheOldGeneration) {
  Store s;
  (void)s.write(1, 1, "a", "x");
  (void)s.write(1, 1, "b", "x");
  (void)s.write(1, 1, "c", "x");
  const Entry e = s.write(1, 2, "b", "y");
  EXPECT_EQ(e.version(), (Version{2, 1}));
  EXPECT_EQ(keys_of(s, 1), std::vector<std::string>{"b"});
  EXPECT_EQ(s.write(1, 2, "a", "z").counter, 2u);
}

TEST(Store, WriteContinuesFromTheCounterLearnedByGossip) {
  // A node that restarts within its generation and learns its own state back from a peer must
  // not reuse a counter it already used.
  Store s;
  ASSERT_EQ(s.apply(make_entry(1, 3, 7, "a"), kUnlimited), ApplyResult::kChanged);
  EXPECT_EQ(s.write(1, 3, "b", "x").counter, 8u);
}

TEST(Store, WriteIsNeverRefusedForSpace) {
  Store s;
  ASSERT_EQ(s.apply(make_entry(2, 1, 1, "a"), 1), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(3, 1, 1, "a"), 1), ApplyResult::kFull);
  for (int i = 0; i < 10; ++i)
    (void)s.write(1, 1, "k" + std::to_string(i), "v");
  EXPECT_EQ(s.size(), 11u);
  EXPECT_EQ(keys_of(s, 1).size(), 10u);
}

TEST(StoreDeathTest, WriteInAnOlderGenerationIsABrokenInvariant) {
  Store s;
  (void)s.write(1, 5, "a", "x");
  EXPECT_DEATH((void)s.write(1, 4, "a", "x"), "invariant broken");
}

// ---- version_of, digests ----

TEST(Store, VersionOfIsTheHighestVersionHeldOrZeroForNothing) {
  Store s;
  EXPECT_EQ(s.version_of(1), (Version{0, 0}));
  ASSERT_EQ(s.apply(make_entry(1, 2, 4, "a"), kUnlimited), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(1, 2, 9, "b"), kUnlimited), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(1, 2, 6, "c"), kUnlimited), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(0, 7, 100, "c"), kUnlimited), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(2, 1, 50, "c"), kUnlimited), ApplyResult::kChanged);
  EXPECT_EQ(s.version_of(1), (Version{2, 9}));
  EXPECT_EQ(s.version_of(3), (Version{0, 0}));
}

TEST(Store, DigestsAreAscendingByOriginOneEachWithTheMaxCounter) {
  Store s;
  ASSERT_EQ(s.apply(make_entry(9, 1, 3, "a"), kUnlimited), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(2, 4, 8, "x"), kUnlimited), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(9, 1, 12, "b"), kUnlimited), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(2, 4, 2, "y"), kUnlimited), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(0, 0, 1, "z"), kUnlimited), ApplyResult::kChanged);
  ASSERT_EQ(s.apply(make_entry(9, 1, 5, "c"), kUnlimited), ApplyResult::kChanged);
  std::vector<Digest> d;
  s.digests(d);
  const std::vector<Digest> expected = {{0, 0, 1}, {2, 4, 8}, {9, 1, 12}};
  EXPECT_EQ(d, expected);
}

TEST(Store, DigestsOfAnEmptyStoreAreEmpty) {
  Store s;
  std::vector<Digest> d;
  s.digests(d);
  EXPECT_TRUE(d.empty());
}

TEST(Store, ClearForgetsEverything) {
  Store s;
  (void)s.write(1, 1, "a", "x");
  s.clear();
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.find(1, "a"), nullptr);
  EXPECT_EQ(s.version_of(1), (Version{0, 0}));
}

// ---- collect_newer ----

Store store_with_writes(NodeId origin, uint32_t generation, int n) {
  Store s;
  // Rewriting keys out of order leaves the vector's key order different from counter order,
  // so the ascending-counter promise is actually exercised.
  const std::vector<std::string> keys = {"m", "c", "x", "a", "c", "q", "a", "b"};
  for (int i = 0; i < n; ++i)
    (void)s.write(origin, generation, keys[static_cast<size_t>(i) % keys.size()], "v");
  return s;
}

TEST(Store, CollectNewerReturnsOnlyNewerEntriesAscendingByCounter) {
  const Store s = store_with_writes(1, 3, 8);
  // Held after the rewrites: m=1, x=3, c=5, q=6, a=7, b=8.
  std::vector<Entry> out;
  s.collect_newer(1, {3, 0}, out);
  EXPECT_EQ(counters(out), (std::vector<uint64_t>{1, 3, 5, 6, 7, 8}));
  out.clear();
  s.collect_newer(1, {3, 5}, out);
  EXPECT_EQ(counters(out), (std::vector<uint64_t>{6, 7, 8}));
  out.clear();
  s.collect_newer(1, {3, 8}, out);
  EXPECT_TRUE(out.empty());
  out.clear();
  s.collect_newer(1, {3, 100}, out);
  EXPECT_TRUE(out.empty());
}

TEST(Store, CollectNewerThanAnOlderGenerationReturnsEverything) {
  const Store s = store_with_writes(1, 3, 5);
  std::vector<Entry> out;
  // The asker knows a high counter of an old generation: all of the new generation is newer.
  s.collect_newer(1, {2, 1000}, out);
  EXPECT_EQ(counters(out), (std::vector<uint64_t>{1, 3, 4, 5}));
  out.clear();
  s.collect_newer(1, {0, 0}, out);
  EXPECT_EQ(out.size(), 4u);
}

TEST(Store, CollectNewerThanANewerGenerationReturnsNothing) {
  // The asker already holds a later incarnation of the origin: nothing we hold can help it.
  const Store s = store_with_writes(1, 3, 5);
  std::vector<Entry> out;
  s.collect_newer(1, {4, 0}, out);
  EXPECT_TRUE(out.empty());
}

TEST(Store, CollectNewerOnlyLooksAtTheGivenOrigin) {
  Store s = store_with_writes(1, 1, 3);
  (void)s.write(0, 1, "z", "v");
  (void)s.write(2, 1, "z", "v");
  std::vector<Entry> out;
  s.collect_newer(1, {0, 0}, out);
  ASSERT_EQ(out.size(), 3u);
  for (const Entry& e : out)
    EXPECT_EQ(e.origin, 1u);
  out.clear();
  s.collect_newer(7, {0, 0}, out);
  EXPECT_TRUE(out.empty());
}

TEST(Store, CollectNewerAppendsWithoutReorderingEarlierOutput) {
  // Engines collect several origins into one list; each origin's run must stay where it is.
  Store s = store_with_writes(1, 1, 4);
  (void)s.write(2, 1, "k", "v");
  std::vector<Entry> out;
  s.collect_newer(2, {0, 0}, out);
  s.collect_newer(1, {0, 0}, out);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].origin, 2u);
  std::vector<Entry> tail(out.begin() + 1, out.end());
  EXPECT_EQ(counters(tail), (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST(Store, AnyPrefixOfCollectNewerLeavesTheReceiverCompleteUpToItsLastCounter) {
  // Messages are cut to a size limit, so a receiver may get only a prefix of what it asked for.
  // Because the list ascends by counter, after applying any prefix the receiver's digest
  // (version_of) honestly summarises it: everything up to that counter is there.
  Prng prng(5);
  Store source;
  for (int i = 0; i < 40; ++i)
    (void)source.write(1, 2, std::string(1, static_cast<char>('a' + prng.uniform(12))), "v");
  std::vector<Entry> all;
  source.collect_newer(1, {0, 0}, all);
  for (size_t cut = 0; cut <= all.size(); ++cut) {
    Store receiver;
    for (size_t i = 0; i < cut; ++i)
      ASSERT_EQ(receiver.apply(all[i], kUnlimited), ApplyResult::kChanged);
    const Version v = receiver.version_of(1);
    for (const Entry& e : source.entries()) {
      if (e.version() > v) continue;
      const Entry* held = receiver.find(1, e.key());
      ASSERT_NE(held, nullptr) << "cut " << cut << " key " << e.key();
      EXPECT_EQ(held->version(), e.version()) << "cut " << cut << " key " << e.key();
    }
    // Asking again from the receiver's digest delivers exactly the rest.
    std::vector<Entry> rest;
    source.collect_newer(1, v, rest);
    EXPECT_EQ(rest.size(), all.size() - cut);
    for (const Entry& e : rest)
      ASSERT_EQ(receiver.apply(e, kUnlimited), ApplyResult::kChanged);
    EXPECT_EQ(rows(receiver), rows(source)) << "cut " << cut;
  }
}

// ---- convergence: order does not matter, and a reference model agrees ----

// The reference: what a replica must hold after receiving a set of entries, computed from the
// set alone. Per origin, only its highest generation survives; per key in it, the merge winner
// (highest counter, then byte-wise largest value).
std::vector<Row> reference(const std::vector<Entry>& received) {
  std::map<NodeId, uint32_t> generation;
  for (const Entry& e : received) {
    auto [it, inserted] = generation.try_emplace(e.origin, e.generation);
    if (!inserted) it->second = std::max(it->second, e.generation);
  }
  std::map<std::pair<NodeId, std::string>, std::pair<uint64_t, std::string>> best;
  for (const Entry& e : received) {
    if (e.generation != generation[e.origin]) continue;
    const std::pair<uint64_t, std::string> candidate{e.counter, e.value()};
    auto [it, inserted] = best.try_emplace({e.origin, e.key()}, candidate);
    if (!inserted) it->second = std::max(it->second, candidate);
  }
  std::vector<Row> out;
  for (const auto& [id, v] : best)
    out.emplace_back(id.first, id.second, generation[id.first], v.first, v.second);
  return out;
}

std::vector<Entry> random_entries(Prng& prng) {
  // A small domain, so that collisions (same key, same version, other generations) are common.
  static const char* const kValues[] = {"", "x", "y"};
  std::vector<Entry> out;
  const size_t n = 1 + prng.uniform(40);
  for (size_t i = 0; i < n; ++i) {
    if (!out.empty() && prng.chance(0.2)) {
      out.push_back(out[prng.uniform(out.size())]);  // a duplicate delivery
      continue;
    }
    out.push_back(make_entry(static_cast<NodeId>(prng.uniform(4)),
                             static_cast<uint32_t>(prng.uniform(3)), 1 + prng.uniform(4),
                             std::string(1, static_cast<char>('a' + prng.uniform(3))),
                             kValues[prng.uniform(3)]));
  }
  return out;
}

void shuffle(std::vector<Entry>& v, Prng& prng) {
  for (size_t i = v.size(); i > 1; --i)
    std::swap(v[i - 1], v[prng.uniform(i)]);
}

TEST(StoreProperty, ReplicasConvergeWhateverTheArrivalOrderAndMatchTheReference) {
  for (uint64_t seed = 0; seed < 500; ++seed) {
    Prng prng(seed);
    std::vector<Entry> entries = random_entries(prng);
    Store a, b;
    for (const Entry& e : entries)
      (void)a.apply(e, kUnlimited);
    shuffle(entries, prng);
    for (const Entry& e : entries)
      (void)b.apply(e, kUnlimited);

    const auto expected = reference(entries);
    ASSERT_EQ(rows(a), rows(b)) << "seed " << seed;
    ASSERT_EQ(rows(a), expected) << "seed " << seed;

    std::vector<Digest> da, db;
    a.digests(da);
    b.digests(db);
    ASSERT_EQ(da, db) << "seed " << seed;
    for (const Digest& d : da) {
      uint64_t max_counter = 0;
      for (const Row& r : expected) {
        if (std::get<0>(r) == d.origin) {
          ASSERT_EQ(std::get<2>(r), d.generation) << "seed " << seed;
          max_counter = std::max(max_counter, std::get<3>(r));
        }
      }
      ASSERT_EQ(d.counter, max_counter) << "seed " << seed;
      ASSERT_EQ(a.version_of(d.origin), d.version()) << "seed " << seed;
    }
  }
}

TEST(StoreProperty, ReapplyingEverythingChangesNothing) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    Prng prng(seed);
    std::vector<Entry> entries = random_entries(prng);
    Store s;
    for (const Entry& e : entries)
      (void)s.apply(e, kUnlimited);
    const auto before = rows(s);
    shuffle(entries, prng);
    for (const Entry& e : entries) {
      const ApplyResult r = s.apply(e, kUnlimited);
      ASSERT_TRUE(r == ApplyResult::kUnchanged || r == ApplyResult::kStale) << "seed " << seed;
    }
    ASSERT_EQ(rows(s), before) << "seed " << seed;
  }
}

// One origin's write history: every entry it ever wrote, in order, restarting into a new
// generation now and then.
std::vector<Entry> random_history(NodeId origin, Prng& prng) {
  Store scratch;
  std::vector<Entry> out;
  uint32_t generation = static_cast<uint32_t>(prng.uniform(2));
  const size_t n = prng.uniform(25);
  for (size_t i = 0; i < n; ++i) {
    if (prng.chance(0.1)) ++generation;
    out.push_back(scratch.write(origin, generation,
                                std::string(1, static_cast<char>('a' + prng.uniform(5))),
                                std::to_string(i)));
  }
  return out;
}

TEST(StoreProperty, ExchangingCollectNewerBothWaysMakesTwoReplicasEqual) {
  // The digest exchange in miniature. Each replica has seen some prefix of every origin's
  // history (what a replica fed by anti-entropy holds); each side then sends, per origin, what
  // is newer than the other's digest. Afterwards both hold the state of the longer prefix.
  for (uint64_t seed = 0; seed < 200; ++seed) {
    Prng prng(seed);
    Store a, b, expected;
    for (NodeId origin = 0; origin < 3; ++origin) {
      const std::vector<Entry> history = random_history(origin, prng);
      const size_t pa = prng.uniform(history.size() + 1);
      const size_t pb = prng.uniform(history.size() + 1);
      for (size_t i = 0; i < history.size(); ++i) {
        if (i < pa) (void)a.apply(history[i], kUnlimited);
        if (i < pb) (void)b.apply(history[i], kUnlimited);
        if (i < std::max(pa, pb)) (void)expected.apply(history[i], kUnlimited);
      }
    }
    auto send_newer = [](const Store& from, Store& to) {
      std::vector<Digest> ds;
      from.digests(ds);
      std::vector<Entry> out;
      for (const Digest& d : ds)
        from.collect_newer(d.origin, to.version_of(d.origin), out);
      for (const Entry& e : out)
        (void)to.apply(e, kUnlimited);
    };
    const Store a_before = a;
    send_newer(a_before, b);
    send_newer(b, a);
    ASSERT_EQ(rows(a), rows(b)) << "seed " << seed;
    ASSERT_EQ(rows(a), rows(expected)) << "seed " << seed;
  }
}

}  // namespace
}  // namespace rumor::core
