#include "core/antientropy/entry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <tuple>
#include <vector>

namespace rumor::core {
namespace {

// merge() is a pure function over a small state, so it is checked exhaustively: every
// generation in {0,1,2} x counter in {1,2,3} x value in {"", "a", "b"}, and every pair and
// triple of those. 27 entries, 729 pairs, 19683 triples: a few milliseconds.
constexpr NodeId kOrigin = 7;

Entry make_entry(uint32_t generation, uint64_t counter, std::string value) {
  Entry e;
  e.origin = kOrigin;
  e.generation = generation;
  e.counter = counter;
  e.item = make_item("k", std::move(value));
  return e;
}

std::vector<Entry> domain() {
  std::vector<Entry> all;
  for (uint32_t g : {0u, 1u, 2u}) {
    for (uint64_t c : {1u, 2u, 3u}) {
      for (const char* v : {"", "a", "b"})
        all.push_back(make_entry(g, c, v));
    }
  }
  return all;
}

// What a replica ends up holding after merging `incoming` into `local`.
const Entry& kept(const Entry& local, const Entry& incoming) {
  return merge(local, incoming) == Winner::kLocal ? local : incoming;
}

// The content a replica holds: two entries with equal content are interchangeable, whichever
// item pointer they carry.
using Content = std::tuple<uint32_t, uint64_t, std::string>;
Content content(const Entry& e) {
  return {e.generation, e.counter, e.value()};
}

// A fresh copy with its own item, so tests can tell "same content" from "same item".
Entry copy_of(const Entry& e) {
  Entry c = e;
  c.item = make_item(e.key(), e.value());
  return c;
}

std::string describe(const Entry& e) {
  return "{gen " + std::to_string(e.generation) + ", counter " + std::to_string(e.counter) +
         ", value \"" + e.value() + "\"}";
}

TEST(Version, ComparesGenerationBeforeCounter) {
  EXPECT_LT((Version{1, 100}), (Version{2, 1}));
  EXPECT_LT((Version{2, 1}), (Version{2, 2}));
  EXPECT_EQ((Version{3, 4}), (Version{3, 4}));
}

TEST(Entry, StaysThirtyTwoBytesSoLargeStoresStaySmall) {
  EXPECT_EQ(sizeof(Entry), 32u);
}

TEST(Merge, HigherVersionAlwaysWinsWhateverTheValues) {
  const auto all = domain();
  for (const Entry& a : all) {
    for (const Entry& b : all) {
      if (a.version() == b.version()) continue;
      const Entry& higher = a.version() > b.version() ? a : b;
      EXPECT_EQ(&kept(a, b), &higher) << describe(a) << " <- " << describe(b);
    }
  }
}

TEST(Merge, HigherGenerationWinsOverHigherCounter) {
  const Entry restarted = make_entry(2, 1, "a");
  const Entry old = make_entry(1, 3, "b");
  EXPECT_EQ(merge(old, restarted), Winner::kIncoming);
  EXPECT_EQ(merge(restarted, old), Winner::kLocal);
}

TEST(Merge, EqualVersionsWithDifferentValuesKeepTheByteWiseLargerValue) {
  const auto all = domain();
  int checked = 0;
  for (const Entry& a : all) {
    for (const Entry& b : all) {
      if (a.version() != b.version() || a.value() == b.value()) continue;
      EXPECT_EQ(kept(a, b).value(), std::max(a.value(), b.value()))
          << describe(a) << " <- " << describe(b);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 9 * 6);  // 9 versions, 6 ordered pairs of distinct values each
}

TEST(Merge, ComparesValuesAsUnsignedBytesOnEveryPlatform) {
  // A signed-char comparison would rank 0x80 below 0x7f and replicas built with different
  // compilers would then disagree on the winner.
  const Entry high = make_entry(1, 1, std::string("\x80", 1));
  const Entry low = make_entry(1, 1, std::string("\x7f", 1));
  EXPECT_EQ(merge(low, high), Winner::kIncoming);
  EXPECT_EQ(merge(high, low), Winner::kLocal);
}

TEST(Merge, LongerValueWinsOverItsOwnPrefixAndEmbeddedNulCounts) {
  const Entry prefix = make_entry(1, 1, "ab");
  const Entry longer = make_entry(1, 1, "abc");
  EXPECT_EQ(merge(prefix, longer), Winner::kIncoming);
  EXPECT_EQ(merge(longer, prefix), Winner::kLocal);

  // Values are bytes, not C strings: a trailing NUL makes a value larger.
  const Entry with_nul = make_entry(1, 1, std::string("ab\0", 3));
  EXPECT_EQ(merge(prefix, with_nul), Winner::kIncoming);
}

TEST(Merge, IsCommutativeOverEveryPair) {
  const auto all = domain();
  for (const Entry& a : all) {
    for (const Entry& b : all) {
      EXPECT_EQ(content(kept(a, b)), content(kept(b, a))) << describe(a) << ", " << describe(b);
    }
  }
}

TEST(Merge, IsAssociativeOverEveryTriple) {
  const auto all = domain();
  for (const Entry& a : all) {
    for (const Entry& b : all) {
      for (const Entry& c : all) {
        const Content left = content(kept(kept(a, b), c));
        const Content right = content(kept(a, kept(b, c)));
        ASSERT_EQ(left, right) << describe(a) << ", " << describe(b) << ", " << describe(c);
      }
    }
  }
}

TEST(Merge, ArrivalOrderOfThreeCopiesDoesNotChangeTheResult) {
  // A replica sees copies one at a time, folding each into what it holds: every one of the six
  // arrival orders must end in the same content.
  const auto all = domain();
  for (const Entry& a : all) {
    for (const Entry& b : all) {
      for (const Entry& c : all) {
        const std::array<const Entry*, 3> copies{&a, &b, &c};
        std::array<int, 3> order{0, 1, 2};
        std::vector<Content> results;
        do {
          const Entry& first = *copies[order[0]];
          const Entry& second = *copies[order[1]];
          const Entry& third = *copies[order[2]];
          results.push_back(content(kept(kept(first, second), third)));
        } while (std::next_permutation(order.begin(), order.end()));
        ASSERT_EQ(results.size(), 6u);
        for (const Content& r : results)
          ASSERT_EQ(r, results.front())
              << describe(a) << ", " << describe(b) << ", " << describe(c);
      }
    }
  }
}

TEST(Merge, IsIdempotentAndKeepsTheLocalCopyOfIdenticalContent) {
  for (const Entry& a : domain()) {
    EXPECT_EQ(merge(a, a), Winner::kLocal) << describe(a);
    // An identical copy that arrived by another path (its own item) changes nothing either.
    EXPECT_EQ(merge(a, copy_of(a)), Winner::kLocal) << describe(a);
  }
}

TEST(Merge, ResultIsAtLeastAsNewAsBothCopiesAndAbsorbsThem) {
  const auto all = domain();
  for (const Entry& a : all) {
    for (const Entry& b : all) {
      const Entry& k = kept(a, b);
      EXPECT_GE(k.version(), a.version());
      EXPECT_GE(k.version(), b.version());
      // Merging the result with either input again keeps the result (it is the join).
      EXPECT_EQ(content(kept(k, a)), content(k));
      EXPECT_EQ(content(kept(k, b)), content(k));
    }
  }
}

TEST(MergeDeathTest, CopiesOfDifferentKeysAreABrokenInvariant) {
  Entry a = make_entry(1, 1, "v");
  Entry b = a;
  b.item = make_item("other", "v");
  EXPECT_DEATH((void)merge(a, b), "invariant broken");
}

}  // namespace
}  // namespace rumor::core
