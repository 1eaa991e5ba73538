#include "core/outbox.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace rumor::core {
namespace {

Entry make_entry(NodeId origin, uint64_t counter, std::string key) {
  Entry e;
  e.origin = origin;
  e.generation = 1;
  e.counter = counter;
  e.item = make_item(std::move(key), "v");
  return e;
}

std::vector<Digest> digests_of(const MessageView& v) {
  return {v.digests.begin(), v.digests.end()};
}
std::vector<Digest> requests_of(const MessageView& v) {
  return {v.requests.begin(), v.requests.end()};
}
std::vector<std::tuple<NodeId, uint64_t, std::string>> entries_of(const MessageView& v) {
  std::vector<std::tuple<NodeId, uint64_t, std::string>> out;
  for (const Entry& e : v.entries)
    out.emplace_back(e.origin, e.counter, e.key());
  return out;
}

TEST(Outbox, StartsEmpty) {
  Outbox o;
  EXPECT_TRUE(o.empty());
  EXPECT_EQ(o.size(), 0u);
}

TEST(Outbox, BeginAddSendQueuesOneMessageWithItsParts) {
  Outbox o;
  o.begin(3, MessageType::kAck, flags::kPull);
  o.add_digest({1, 1, 5});
  o.add_digest({2, 1, 6});
  o.add_request({4, 2, 1});
  o.add_entry(make_entry(9, 7, "k"));
  o.send(8);
  o.finish();

  ASSERT_EQ(o.size(), 1u);
  EXPECT_FALSE(o.empty());
  EXPECT_EQ(o.from(0), 3u);
  EXPECT_EQ(o.to(0), 8u);
  const MessageView v = o.view(0);
  EXPECT_EQ(v.type, MessageType::kAck);
  EXPECT_EQ(v.flags, flags::kPull);
  EXPECT_EQ(digests_of(v), (std::vector<Digest>{{1, 1, 5}, {2, 1, 6}}));
  EXPECT_EQ(requests_of(v), (std::vector<Digest>{{4, 2, 1}}));
  EXPECT_EQ(entries_of(v), (decltype(entries_of(v)){{9, 7, "k"}}));
}

TEST(Outbox, OpenCountsCoverOnlyTheOpenMessage) {
  Outbox o;
  o.begin(1, MessageType::kSyn, 0);
  o.add_digest({1, 1, 1});
  o.add_entry(make_entry(1, 1, "a"));
  o.send(2);
  o.finish();

  o.begin(1, MessageType::kAck, 0);
  EXPECT_TRUE(o.open_empty());
  EXPECT_EQ(o.open_digests(), 0u);
  o.add_digest({5, 1, 1});
  o.add_request({6, 1, 1});
  o.add_request({7, 1, 1});
  EXPECT_FALSE(o.open_empty());
  EXPECT_EQ(o.open_digests(), 1u);
  EXPECT_EQ(o.open_requests(), 2u);
  EXPECT_EQ(o.open_entries(), 0u);
  o.finish();
}

TEST(Outbox, OneMessageSentToSeveralDestinationsSharesItsContent) {
  Outbox o;
  o.begin(1, MessageType::kRumor, flags::kWantFeedback);
  o.add_entry(make_entry(1, 1, "a"));
  o.add_entry(make_entry(1, 2, "b"));
  for (NodeId to : {4u, 5u, 6u})
    o.send(to);
  o.finish();

  ASSERT_EQ(o.size(), 3u);
  const MessageView first = o.view(0);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(o.to(i), 4u + i);
    EXPECT_EQ(o.from(i), 1u);
    const MessageView v = o.view(i);
    EXPECT_EQ(v.type, MessageType::kRumor);
    EXPECT_EQ(v.flags, flags::kWantFeedback);
    // The same storage, not a copy per destination.
    EXPECT_EQ(v.entries.data(), first.entries.data());
    EXPECT_EQ(v.entries.size(), 2u);
  }
}

TEST(Outbox, ConsecutiveMessagesKeepTheirOwnParts) {
  Outbox o;
  o.begin(1, MessageType::kSyn, flags::kPush);
  o.add_digest({1, 1, 1});
  o.send(2);
  o.finish();
  o.begin(1, MessageType::kAck2, 0);
  o.add_entry(make_entry(3, 3, "x"));
  o.add_digest({9, 9, 9});
  o.send(3);
  o.finish();

  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(digests_of(o.view(0)), (std::vector<Digest>{{1, 1, 1}}));
  EXPECT_TRUE(o.view(0).entries.empty());
  EXPECT_EQ(digests_of(o.view(1)), (std::vector<Digest>{{9, 9, 9}}));
  EXPECT_EQ(entries_of(o.view(1)), (decltype(entries_of(o.view(1))){{3, 3, "x"}}));
  EXPECT_EQ(o.view(1).type, MessageType::kAck2);
}

TEST(Outbox, MessageFinishedWithoutBeingSentIsDiscarded) {
  Outbox o;
  o.begin(1, MessageType::kSyn, 0);
  o.add_digest({1, 1, 1});
  o.send(2);
  o.finish();

  // Built, then abandoned (no peer to send it to).
  const Entry dropped = make_entry(7, 7, "dropped");
  o.begin(1, MessageType::kAck, 0);
  o.add_digest({7, 7, 7});
  o.add_request({8, 8, 8});
  o.add_entry(dropped);
  EXPECT_EQ(dropped.item.use_count(), 2);
  o.finish();
  EXPECT_EQ(o.size(), 1u);
  // Its parts are gone, not just hidden: the outbox no longer holds the entry's item.
  EXPECT_EQ(dropped.item.use_count(), 1);

  // The next message starts clean: none of the abandoned parts leak into it.
  o.begin(1, MessageType::kMail, 0);
  EXPECT_TRUE(o.open_empty());
  o.add_digest({2, 2, 2});
  o.add_entry(make_entry(1, 2, "kept"));
  o.send(5);
  o.finish();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(digests_of(o.view(1)), (std::vector<Digest>{{2, 2, 2}}));
  EXPECT_TRUE(o.view(1).requests.empty());
  EXPECT_EQ(entries_of(o.view(1)), (decltype(entries_of(o.view(1))){{1, 2, "kept"}}));
  // The abandoned digest's slot was reused: the two sent messages sit side by side.
  EXPECT_EQ(o.view(1).digests.data(), o.view(0).digests.data() + 1);
  // And the earlier message is untouched.
  EXPECT_EQ(digests_of(o.view(0)), (std::vector<Digest>{{1, 1, 1}}));
}

TEST(Outbox, EmptyMessageCanBeSent) {
  Outbox o;
  o.begin(2, MessageType::kFeedback, 0);
  o.send(1);
  o.finish();
  ASSERT_EQ(o.size(), 1u);
  const MessageView v = o.view(0);
  EXPECT_EQ(v.type, MessageType::kFeedback);
  EXPECT_TRUE(v.digests.empty());
  EXPECT_TRUE(v.requests.empty());
  EXPECT_TRUE(v.entries.empty());
}

TEST(Outbox, ClearEmptiesItAndReuseGivesCorrectViewsWithoutReallocating) {
  Outbox o;
  const Digest* first_round_storage = nullptr;
  for (int round = 0; round < 3; ++round) {
    o.begin(1, MessageType::kSyn, 0);
    for (NodeId d = 0; d < 4; ++d)
      o.add_digest({d, 1, static_cast<uint64_t>(round)});
    o.add_entry(make_entry(1, 1, "r" + std::to_string(round)));
    o.send(2);
    o.finish();
    o.begin(1, MessageType::kAck, 0);
    o.add_request({5, 5, 5});
    o.send(3);
    o.finish();

    ASSERT_EQ(o.size(), 2u);
    const MessageView v = o.view(0);
    ASSERT_EQ(v.digests.size(), 4u);
    EXPECT_EQ(v.digests[3], (Digest{3, 1, static_cast<uint64_t>(round)}));
    EXPECT_EQ(entries_of(v), (decltype(entries_of(v)){{1, 1, "r" + std::to_string(round)}}));
    EXPECT_TRUE(o.view(1).digests.empty());
    EXPECT_EQ(requests_of(o.view(1)), (std::vector<Digest>{{5, 5, 5}}));

    if (round == 0) first_round_storage = v.digests.data();
    // A cleared outbox keeps its capacity: the same workload lands in the same storage.
    EXPECT_EQ(v.digests.data(), first_round_storage) << "round " << round;

    o.clear();
    EXPECT_TRUE(o.empty());
    EXPECT_EQ(o.size(), 0u);
  }
}

TEST(Outbox, CopyFromCopiesOneSendWithItsSenderAndDestination) {
  Outbox src;
  src.begin(1, MessageType::kSyn, flags::kPush);
  src.add_digest({1, 1, 1});
  src.send(2);
  src.finish();
  src.begin(7, MessageType::kAck, flags::kPull);
  src.add_digest({3, 1, 4});
  src.add_request({5, 9, 2});
  src.add_entry(make_entry(6, 5, "k"));
  src.send(8);
  src.send(9);
  src.finish();

  Outbox dst;
  dst.begin(4, MessageType::kMail, 0);
  dst.add_entry(make_entry(4, 1, "existing"));
  dst.send(5);
  dst.finish();
  dst.copy_from(src, 2);

  ASSERT_EQ(dst.size(), 2u);
  EXPECT_EQ(dst.from(1), 7u);
  EXPECT_EQ(dst.to(1), 9u);
  const MessageView v = dst.view(1);
  EXPECT_EQ(v.type, MessageType::kAck);
  EXPECT_EQ(v.flags, flags::kPull);
  EXPECT_EQ(digests_of(v), (std::vector<Digest>{{3, 1, 4}}));
  EXPECT_EQ(requests_of(v), (std::vector<Digest>{{5, 9, 2}}));
  EXPECT_EQ(entries_of(v), (decltype(entries_of(v)){{6, 5, "k"}}));
  // Entries share their items with the source: copying a message never copies bytes.
  EXPECT_EQ(v.entries[0].item.get(), src.view(2).entries[0].item.get());
  // The earlier message of dst is untouched.
  EXPECT_EQ(entries_of(dst.view(0)), (decltype(entries_of(dst.view(0))){{4, 1, "existing"}}));
}

TEST(Outbox, CopyOutlivesTheSourceBeingClearedAndReused) {
  Outbox src;
  src.begin(1, MessageType::kRumor, 0);
  src.add_entry(make_entry(1, 3, "kept"));
  src.send(2);
  src.finish();
  Outbox dst;
  dst.copy_from(src, 0);
  src.clear();
  src.begin(1, MessageType::kSyn, 0);
  src.add_entry(make_entry(1, 4, "other"));
  src.send(3);
  src.finish();

  ASSERT_EQ(dst.size(), 1u);
  EXPECT_EQ(dst.to(0), 2u);
  EXPECT_EQ(entries_of(dst.view(0)), (decltype(entries_of(dst.view(0))){{1, 3, "kept"}}));
}

TEST(OutboxDeathTest, OnlyOneMessageMayBeOpen) {
  Outbox o;
  o.begin(1, MessageType::kSyn, 0);
  EXPECT_DEATH(o.begin(1, MessageType::kAck, 0), "invariant broken");
}

TEST(OutboxDeathTest, ClearWithAMessageOpenIsABrokenInvariant) {
  Outbox o;
  o.begin(1, MessageType::kSyn, 0);
  EXPECT_DEATH(o.clear(), "invariant broken");
}

}  // namespace
}  // namespace rumor::core
