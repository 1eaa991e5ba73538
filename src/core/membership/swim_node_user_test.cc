// SwimNode's surface for the layer above (swim_node_user.cc) over SwimTestNet: user messages in
// packets and reliable streams, user broadcasts piggybacked after memberlist's own, user state in
// push-pulls, ack payloads with the probe's round trip, and the limits on each queue.
#include <gtest/gtest.h>

#include "core/membership/swim_node.h"
#include "core/membership/swim_test_net.h"
#include "core/wire/memberlist_codec.h"

namespace rumor::core {
namespace {

namespace ml = wire::ml;
using testing::SwimTestNet;
using Bytes = std::vector<uint8_t>;

std::vector<Bytes> user_messages(SwimNode& n) {
  std::vector<Bytes> out;
  Bytes m;
  while (n.poll_user_message(m))
    out.push_back(m);
  return out;
}

TEST(SwimNodeUser, UserMessagesFromPacketsAndReliableStreamsReachTheLayerAbove) {
  SwimTestNet net(2, SwimConfig::lan());
  Bytes packet;
  ml::encode_user(Bytes{0x03, 0x80}, packet);
  net.inject(0, SwimTestNet::addr(1), packet);
  Bytes stream;
  ml::encode_user_stream(Bytes{0x01, 0x81}, stream);
  net.node(0).handle_stream(net.now(), SwimTestNet::addr(1), 7, stream);
  const std::vector<Bytes> got = user_messages(net.node(0));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (Bytes{0x03, 0x80}));
  EXPECT_EQ(got[1], (Bytes{0x01, 0x81}));
  SwimTransmit t;
  EXPECT_FALSE(net.node(0).poll_transmit(t)) << "a reliable user message gets no reply";
}

TEST(SwimNodeUser, UserBroadcastsGoOutAsUserMessagesAndReachEveryMember) {
  SwimTestNet net(4, SwimConfig::lan());
  net.run_for(Duration::seconds(2));  // the start's alive messages are out
  for (size_t i = 0; i < net.size(); ++i)
    user_messages(net.node(i));
  net.node(0).queue_user_broadcast(2, kUniqueBroadcast, Bytes{0x03, 0x42});
  EXPECT_EQ(net.node(0).user_broadcast_depth(2), 1u);
  net.run_for(net.node(0).config().gossip_interval + Duration::millis(5));
  for (size_t i = 1; i < net.size(); ++i) {
    const std::vector<Bytes> got = user_messages(net.node(i));
    ASSERT_FALSE(got.empty()) << "node " << i;
    EXPECT_EQ(got[0], (Bytes{0x03, 0x42})) << "node " << i;
  }
  net.run_for(Duration::seconds(5));
  EXPECT_EQ(net.node(0).user_broadcast_depth(2), 0u) << "gone after its transmit limit";
}

TEST(SwimNodeUser, UserBroadcastUnderAKeyReplacesTheQueuedOne) {
  SwimTestNet net(2, SwimConfig::lan());
  net.node(0).queue_user_broadcast(0, 5, Bytes{0x00, 0x01});
  net.node(0).queue_user_broadcast(0, 5, Bytes{0x00, 0x02});
  EXPECT_EQ(net.node(0).user_broadcast_depth(0), 1u);
  EXPECT_TRUE(net.node(0).user_broadcast_queued(0, 5));
  net.node(0).prune_user_broadcasts(0, 0);
  EXPECT_FALSE(net.node(0).user_broadcast_queued(0, 5));
}

TEST(SwimNodeUser, PushPullCarriesEachSidesUserStateToTheOther) {
  SwimTestNet net(2, SwimConfig::lan(), /*formed=*/false);
  net.node(0).set_user_state(Bytes{0x02, 0xaa});
  net.node(1).set_user_state(Bytes{0x02, 0xbb});
  const Address seed = SwimTestNet::addr(0);
  net.node(1).join(net.now(), {&seed, 1});
  net.run_for(Duration::seconds(2));  // the join goes out at node 1's next call
  SwimUserState s;
  ASSERT_TRUE(net.node(0).poll_user_state(s));
  EXPECT_TRUE(s.join);
  EXPECT_EQ(s.bytes, (Bytes{0x02, 0xbb}));
  ASSERT_TRUE(net.node(1).poll_user_state(s));
  EXPECT_TRUE(s.join);
  EXPECT_EQ(s.bytes, (Bytes{0x02, 0xaa}));
  EXPECT_EQ(net.node(1).joined_count(), 1u);
}

TEST(SwimNodeUser, DirectAckCarriesThePayloadAndTheProbeReportsItsRoundTrip) {
  SwimTestNet net(2, SwimConfig::lan());
  net.node(1).set_ack_payload(Bytes{0x01, 0x02, 0x03});
  net.run_for(Duration::seconds(3));
  SwimPingResult r;
  ASSERT_TRUE(net.node(0).poll_ping_result(r));
  EXPECT_EQ(r.member, net.name(1));
  EXPECT_EQ(r.payload, (Bytes{0x01, 0x02, 0x03}));
  EXPECT_EQ(r.rtt, net.latency * 2) << "one latency each way";
  EXPECT_FALSE(net.node(1).poll_ping_result(r)) << "node 0 sends no payload in its acks";
}

TEST(SwimNodeUser, UserMessageQueueIsBoundedAndCountsWhatItDrops) {
  SwimTestNet net(2, SwimConfig::lan());
  Bytes packet;
  ml::encode_user(Bytes{0x03}, packet);
  for (size_t i = 0; i < SwimNode::kMaxUserMessages + 5; ++i)
    net.node(0).handle_packet(net.now(), SwimTestNet::addr(1), packet);
  EXPECT_EQ(net.node(0).stats().user_dropped, 5u);
  EXPECT_EQ(user_messages(net.node(0)).size(), SwimNode::kMaxUserMessages);
}

}  // namespace
}  // namespace rumor::core
