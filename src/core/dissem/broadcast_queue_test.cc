#include "core/dissem/broadcast_queue.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/prng.h"

namespace rumor::core {
namespace {

std::vector<uint8_t> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

// The picked messages of one collect(), as strings.
std::vector<std::string> take(BroadcastQueue& q, size_t overhead, size_t budget, uint32_t limit) {
  std::vector<std::vector<uint8_t>> out;
  const size_t n = q.collect(overhead, budget, limit, out);
  EXPECT_EQ(n, out.size());
  std::vector<std::string> s;
  for (const auto& b : out)
    s.emplace_back(b.begin(), b.end());
  return s;
}

using Strings = std::vector<std::string>;

TEST(RetransmitLimit, IsMultTimesCeilLog10OfNPlusOne) {
  EXPECT_EQ(retransmit_limit(4, 0), 0u);
  EXPECT_EQ(retransmit_limit(4, 1), 4u);
  EXPECT_EQ(retransmit_limit(4, 2), 4u);  // the wire capture: 4 sends at n = 2
  EXPECT_EQ(retransmit_limit(4, 9), 4u);
  EXPECT_EQ(retransmit_limit(4, 10), 8u);
  EXPECT_EQ(retransmit_limit(4, 99), 8u);
  EXPECT_EQ(retransmit_limit(4, 100), 12u);
  EXPECT_EQ(retransmit_limit(4, 999), 12u);
  EXPECT_EQ(retransmit_limit(4, 1000), 16u);
  EXPECT_EQ(retransmit_limit(2, 1'000'000), 14u);
  EXPECT_EQ(retransmit_limit(1, 10), 2u);  // memberlist's queue tests
  EXPECT_EQ(retransmit_limit(3, 0), 0u);
}

TEST(RetransmitLimit, SaturatesInsteadOfOverflowing) {
  EXPECT_EQ(retransmit_limit(0xffffffffu, 100), 0xffffffffu);
}

TEST(BroadcastQueue, MemberlistLimitScenarioHandsOutThreeThreeTwoThenNothing) {
  // queue_test.go TestTransmitLimited_GetBroadcasts_Limit: 18-byte messages, overhead 3,
  // budget 80 (three fit), limit 2 (RetransmitMult 1, 10 nodes).
  BroadcastQueue q(16);
  q.queue(1, bytes("1. this is a test."));
  q.queue(2, bytes("2. this is a test."));
  q.queue(3, bytes("3. this is a test."));
  q.queue(4, bytes("4. this is a test."));
  const uint32_t limit = retransmit_limit(1, 10);
  EXPECT_EQ(take(q, 3, 80, limit).size(), 3u);
  EXPECT_EQ(take(q, 3, 80, limit).size(), 3u);
  EXPECT_EQ(take(q, 3, 80, limit).size(), 2u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(take(q, 3, 80, limit).size(), 0u);
}

TEST(BroadcastQueue, PicksFewestTransmitsFirstThenLongestThenNewest) {
  BroadcastQueue q(16);
  q.queue(1, bytes("aa"));
  q.queue(2, bytes("bbbb"));
  q.queue(3, bytes("cc"));
  // Everything fits: within the 0-transmit tier, longest first, then newest of equal length.
  EXPECT_EQ(take(q, 0, 100, 10), (Strings{"bbbb", "cc", "aa"}));
  q.queue(4, bytes("d"));
  // "d" has 0 transmits, the rest 1: it goes first although it is the shortest.
  EXPECT_EQ(take(q, 0, 100, 10), (Strings{"d", "bbbb", "cc", "aa"}));
}

TEST(BroadcastQueue, TakesTheLongestMessageThatStillFitsTheRemainingBudget) {
  BroadcastQueue q(16);
  q.queue(1, bytes("12345678"));  // 8 + 2 = 10
  q.queue(2, bytes("1234"));      // 4 + 2 = 6
  q.queue(3, bytes("12"));        // 2 + 2 = 4
  // Budget 11: the 8-byte one (10), then nothing fits the 1 byte left.
  EXPECT_EQ(take(q, 2, 11, 10), (Strings{"12345678"}));
  // Budget 9: the 8-byte one is now in tier 1; tier 0's longest that fits 7 is "1234", then
  // 9 - 6 - 2 = 1 byte free: nothing else fits ("12" needs 2), and tier 1's doesn't either.
  EXPECT_EQ(take(q, 2, 9, 10), (Strings{"1234"}));
  EXPECT_EQ(take(q, 2, 100, 10), (Strings{"12", "12345678", "1234"}));
}

TEST(BroadcastQueue, BudgetNotAboveTheOverheadYieldsNothing) {
  BroadcastQueue q(4);
  q.queue(1, bytes(""));
  EXPECT_TRUE(take(q, 2, 2, 10).empty());
  EXPECT_TRUE(take(q, 2, 0, 10).empty());
  // An empty message fits once one byte is free beyond the overhead, as in memberlist.
  EXPECT_EQ(take(q, 2, 3, 10), (Strings{""}));
}

TEST(BroadcastQueue, SkipsToHigherTierWhenNothingInTheLowerOneFits) {
  BroadcastQueue q(16);
  q.queue(1, bytes("small"));
  for (int i = 0; i < 5; ++i)
    take(q, 0, 100, 100);  // "small" now has 5 transmits
  q.queue(2, bytes("a much longer message"));
  EXPECT_EQ(take(q, 0, 10, 100), (Strings{"small"}));
  EXPECT_EQ(q.transmits(1), 6);
  EXPECT_EQ(q.transmits(2), 0);
}

TEST(BroadcastQueue, AMessageIsPickedAtMostOncePerCollect) {
  BroadcastQueue q(4);
  q.queue(kUniqueBroadcast, bytes("x"));
  EXPECT_EQ(take(q, 0, 1000, 100), (Strings{"x"}));
  EXPECT_EQ(q.size(), 1u);
}

TEST(BroadcastQueue, MessageLeavesOnceItsTransmitsReachTheLimit) {
  BroadcastQueue q(4);
  q.queue(9, bytes("alive"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(take(q, 2, 100, 3), (Strings{"alive"})) << i;
    EXPECT_EQ(q.contains(9), i < 2);
  }
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.transmits(9), -1);
  EXPECT_EQ(q.dropped(), 0u);  // finishing is not dropping
}

TEST(BroadcastQueue, LimitZeroStillSendsEachMessageOnce) {
  BroadcastQueue q(4);
  q.queue(1, bytes("once"));
  EXPECT_EQ(take(q, 0, 100, 0), (Strings{"once"}));
  EXPECT_TRUE(q.empty());
}

TEST(BroadcastQueue, NewBroadcastAboutTheSameKeyReplacesTheQueuedOne) {
  BroadcastQueue q(8);
  q.queue(7, bytes("alive 7 inc 1"));
  take(q, 0, 100, 10);
  EXPECT_EQ(q.transmits(7), 1);
  q.queue(7, bytes("suspect 7"));
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.replaced(), 1u);
  EXPECT_EQ(q.transmits(7), 0);  // a replacement starts afresh
  q.queue(8, bytes("alive 8"));
  EXPECT_EQ(take(q, 0, 100, 10), (Strings{"suspect 7", "alive 8"}));
}

TEST(BroadcastQueue, UniqueBroadcastsAreNeverReplaced) {
  BroadcastQueue q(8);
  q.queue(kUniqueBroadcast, bytes("e1"));
  q.queue(kUniqueBroadcast, bytes("e2"));
  q.queue(kUniqueBroadcast, bytes("e3"));
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.replaced(), 0u);
  EXPECT_FALSE(q.contains(kUniqueBroadcast));
  EXPECT_EQ(take(q, 0, 100, 10), (Strings{"e3", "e2", "e1"}));
}

TEST(BroadcastQueue, OverflowDropsTheMostTransmittedEntryAndKeepsTheNewOne) {
  BroadcastQueue q(3);
  q.queue(1, bytes("one"));
  take(q, 0, 100, 10);  // "one": 1 transmit
  q.queue(2, bytes("two"));
  q.queue(3, bytes("three"));
  q.queue(4, bytes("four"));  // full: "one" goes
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.dropped(), 1u);
  EXPECT_FALSE(q.contains(1));
  EXPECT_TRUE(q.contains(2) && q.contains(3) && q.contains(4));
}

TEST(BroadcastQueue, OverflowAmongEqualTransmitsDropsTheShortestThenTheOldest) {
  BroadcastQueue q(3);
  q.queue(1, bytes("aaaa"));
  q.queue(2, bytes("bb"));
  q.queue(3, bytes("cc"));
  q.queue(4, bytes("d"));  // drops "bb": shortest, older of the two
  EXPECT_FALSE(q.contains(2));
  q.queue(5, bytes("eeeeee"));  // drops "d": now the shortest (only the incoming one is spared)
  EXPECT_FALSE(q.contains(4));
  EXPECT_TRUE(q.contains(1) && q.contains(3) && q.contains(5));
  EXPECT_EQ(q.dropped(), 2u);
}

TEST(BroadcastQueue, ReplacementDoesNotCountAsOverflow) {
  BroadcastQueue q(2);
  q.queue(1, bytes("a"));
  q.queue(2, bytes("b"));
  q.queue(2, bytes("b2"));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.dropped(), 0u);
  EXPECT_EQ(q.replaced(), 1u);
}

TEST(BroadcastQueue, PruneKeepsTheNewestLikeMemberlist) {
  // queue_test.go TestTransmitLimited_Prune: four equal-length messages, keep 2: 3 and 4 stay.
  BroadcastQueue q(16);
  q.queue(1, bytes("1. this is a test."));
  q.queue(2, bytes("2. this is a test."));
  q.queue(3, bytes("3. this is a test."));
  q.queue(4, bytes("4. this is a test."));
  q.prune(2);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.dropped(), 2u);
  EXPECT_TRUE(q.contains(3) && q.contains(4));
  q.prune(5);
  EXPECT_EQ(q.size(), 2u);
  q.prune(0);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.dropped(), 4u);
}

TEST(BroadcastQueue, SinkSeesEachPickedMessageInPlaceInPickOrder) {
  BroadcastQueue q(4);
  q.queue(1, bytes("xy"));
  q.queue(2, bytes("xyz"));
  std::string seen;
  size_t total = 0;
  const size_t n = q.collect(2, 1400, 4, [&](std::span<const uint8_t> m) {
    seen.append(m.begin(), m.end());
    seen.push_back('|');
    total += m.size() + 2;
  });
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(seen, "xyz|xy|");
  EXPECT_EQ(total, 9u);
}

TEST(BroadcastQueue, ClearEmptiesWithoutCounting) {
  BroadcastQueue q(4);
  q.queue(1, bytes("a"));
  q.queue(kUniqueBroadcast, bytes("b"));
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.contains(1));
  EXPECT_EQ(q.dropped(), 0u);
  q.queue(1, bytes("c"));
  EXPECT_EQ(take(q, 0, 10, 4), (Strings{"c"}));
}

// The queue against a straightforward model: a vector searched linearly with memberlist's
// rules. Random queues, replacements and collects with random budgets must agree exactly.
struct ModelEntry {
  uint32_t key;
  std::string msg;
  uint32_t transmits;
  uint64_t id;
};

Strings model_collect(std::vector<ModelEntry>& m, size_t overhead, size_t budget, uint32_t limit) {
  Strings out;
  std::vector<bool> picked(m.size(), false);
  size_t used = 0;
  while (used + overhead < budget) {
    const size_t free = budget - used - overhead;
    int best = -1;
    for (size_t i = 0; i < m.size(); ++i) {
      if (picked[i] || m[i].msg.size() > free) continue;
      if (best < 0) {
        best = static_cast<int>(i);
        continue;
      }
      const ModelEntry& b = m[static_cast<size_t>(best)];
      const ModelEntry& c = m[i];
      const bool better = c.transmits != b.transmits     ? c.transmits < b.transmits
                          : c.msg.size() != b.msg.size() ? c.msg.size() > b.msg.size()
                                                         : c.id > b.id;
      if (better) best = static_cast<int>(i);
    }
    if (best < 0) break;
    picked[static_cast<size_t>(best)] = true;
    out.push_back(m[static_cast<size_t>(best)].msg);
    used += overhead + m[static_cast<size_t>(best)].msg.size();
  }
  std::vector<ModelEntry> next;
  for (size_t i = 0; i < m.size(); ++i) {
    if (!picked[i]) {
      next.push_back(m[i]);
    } else if (m[i].transmits + 1 < limit) {
      next.push_back(m[i]);
      ++next.back().transmits;
    }
  }
  m = next;
  return out;
}

TEST(BroadcastQueue, AgreesWithALinearModelOnRandomWorkloads) {
  Prng prng(20240601);
  for (int round = 0; round < 40; ++round) {
    BroadcastQueue q(1000);
    std::vector<ModelEntry> model;
    uint64_t next_id = 0;
    for (int step = 0; step < 300; ++step) {
      if (prng.uniform(3) != 0) {
        const uint32_t key =
            prng.chance(0.2) ? kUniqueBroadcast : static_cast<uint32_t>(prng.uniform(20));
        const std::string msg(prng.uniform(12), static_cast<char>('a' + step % 26));
        if (key != kUniqueBroadcast) {
          std::erase_if(model, [key](const ModelEntry& e) { return e.key == key; });
        }
        model.push_back({key, msg, 0, ++next_id});
        q.queue(key, bytes(msg));
      } else {
        const size_t budget = prng.uniform(60);
        const auto limit = static_cast<uint32_t>(prng.uniform(5));
        ASSERT_EQ(take(q, 2, budget, limit), model_collect(model, 2, budget, limit))
            << "round " << round << " step " << step;
      }
      ASSERT_EQ(q.size(), model.size());
    }
  }
}

TEST(BroadcastQueue, HandlesAHundredThousandEntries) {
  // Fixed-width messages, so overflow drops the oldest.
  auto msg = [](uint32_t i) {
    std::string s = std::to_string(i);
    return bytes(std::string(6 - s.size(), '0') + s);
  };
  BroadcastQueue q(100'000);
  for (uint32_t i = 0; i < 120'000; ++i)
    q.queue(i, msg(i));  // keys 0..19,999 overflow
  for (uint32_t i = 119'999; i >= 90'000; --i)
    q.queue(i, msg(i));  // all still queued
  EXPECT_EQ(q.size(), 100'000u);
  EXPECT_EQ(q.dropped(), 20'000u);
  EXPECT_EQ(q.replaced(), 30'000u);
  EXPECT_FALSE(q.contains(19'999));
  EXPECT_TRUE(q.contains(20'000));
  size_t sent = 0;
  for (int i = 0; i < 2000; ++i)
    sent += take(q, 2, 1400 - 2, 4).size();
  EXPECT_EQ(sent, 2000u * (1398 / 8));  // 174 eight-byte slots per packet
}

}  // namespace
}  // namespace rumor::core
