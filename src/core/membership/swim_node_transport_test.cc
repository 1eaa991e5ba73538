// The SWIM node with memberlist's transport layers on (wire/transport.h): encryption keys,
// labels and compression, end to end over SwimTestNet. Each test names what a cluster
// operator relies on.
#include <gtest/gtest.h>

#include "core/membership/swim_node.h"
#include "core/membership/swim_test_net.h"

namespace rumor::core {
namespace {

using testing::SwimTestNet;

wire::ml::Key key_of(uint8_t fill) {
  return wire::ml::Key(32, fill);
}

// Every node but n0 joins n0; then the cluster runs for a while.
void join_all(SwimTestNet& net) {
  const Address seed = SwimTestNet::addr(0);
  for (size_t i = 1; i < net.size(); ++i) {
    net.node(i).join(net.now(), {&seed, 1});
    net.run_for(Duration::millis(100));
  }
  net.run_for(Duration::seconds(10));
}

void install(SwimTestNet& net, size_t i, const wire::ml::Key& key) {
  ASSERT_TRUE(net.node(i).transport().install_key(key).is_ok());
}

TEST(SwimNodeTransport, NodesSharingAKeyFormAClusterOverEncryptedTraffic) {
  SwimTestNet net(4, SwimConfig::lan(), /*formed=*/false);
  bool all_sealed = true;
  net.filter = [&all_sealed](size_t, size_t, const std::vector<uint8_t>& bytes) {
    // A sealed packet starts with the encryption version (1); a plain one with a message type.
    all_sealed = all_sealed && !bytes.empty() && bytes[0] == 1;
    return true;
  };
  for (size_t i = 0; i < net.size(); ++i)
    install(net, i, key_of(7));
  join_all(net);
  for (size_t i = 0; i < net.size(); ++i)
    EXPECT_EQ(net.node(i).count(SwimState::kAlive), 4u) << "node " << i;
  EXPECT_TRUE(all_sealed);
}

TEST(SwimNodeTransport, ANodeWithTheWrongKeyCannotJoinAndIsCountedNotCrashed) {
  SwimTestNet net(3, SwimConfig::lan(), /*formed=*/false);
  install(net, 0, key_of(1));
  install(net, 1, key_of(1));
  install(net, 2, key_of(2));
  join_all(net);
  EXPECT_EQ(net.node(0).count(SwimState::kAlive), 2u);
  EXPECT_EQ(net.node(2).count(SwimState::kAlive), 1u);  // only itself
  EXPECT_EQ(net.node(2).joined_count(), 0u);
  EXPECT_GT(net.node(0).transport().stats().decrypt_failed, 0u);
}

TEST(SwimNodeTransport, APlaintextNodeIsRefusedByAnEncryptedCluster) {
  SwimTestNet net(3, SwimConfig::lan(), /*formed=*/false);
  install(net, 0, key_of(1));
  install(net, 1, key_of(1));
  join_all(net);
  EXPECT_EQ(net.node(0).count(SwimState::kAlive), 2u);
  EXPECT_EQ(net.node(2).joined_count(), 0u);
  EXPECT_GT(net.node(0).transport().stats().plaintext_refused, 0u);
}

TEST(SwimNodeTransport, VerifyIncomingOffLetsPlaintextAndEncryptedNodesMix) {
  SwimConfig lenient = SwimConfig::lan();
  lenient.gossip_verify_incoming = false;
  lenient.gossip_verify_outgoing = false;
  SwimTestNet net(3, lenient, /*formed=*/false);
  install(net, 0, key_of(1));  // holds the key but neither requires nor uses it yet
  join_all(net);
  for (size_t i = 0; i < net.size(); ++i)
    EXPECT_EQ(net.node(i).count(SwimState::kAlive), 3u) << "node " << i;
}

TEST(SwimNodeTransport, NodesWithDifferentLabelsNeverMerge) {
  SwimConfig a = SwimConfig::lan();
  a.label = "blue";
  SwimTestNet net(3, a, /*formed=*/false);
  join_all(net);
  for (size_t i = 0; i < net.size(); ++i)
    EXPECT_EQ(net.node(i).count(SwimState::kAlive), 3u) << "a labelled cluster still forms";

  SwimConfig b = SwimConfig::lan();
  b.label = "green";
  SwimTestNet other(2, b, /*formed=*/false);
  // n0 of the green cluster hears a blue node's traffic: refused, counted, nothing learnt.
  const Address seed = SwimTestNet::addr(0);
  net.node(1).join(net.now(), {&seed, 1});
  SwimTransmit t;
  size_t fed = 0;
  while (net.node(1).poll_transmit(t)) {
    if (t.channel == Channel::kPacket) {
      other.node(0).handle_packet(other.now(), SwimTestNet::addr(1), t.bytes);
    } else {
      other.node(0).handle_stream(other.now(), SwimTestNet::addr(1), 1, t.bytes);
    }
    ++fed;
  }
  ASSERT_GT(fed, 0u);
  EXPECT_EQ(other.node(0).transport().stats().label_refused, fed);
  EXPECT_EQ(other.node(0).count(SwimState::kAlive), 1u);
}

TEST(SwimNodeTransport, CompressingNodesFormAClusterWithNodesThatDoNot) {
  SwimConfig compress = SwimConfig::lan();
  compress.compress = true;
  SwimTestNet net(4, compress, /*formed=*/false);
  join_all(net);
  for (size_t i = 0; i < net.size(); ++i)
    EXPECT_EQ(net.node(i).count(SwimState::kAlive), 4u) << "node " << i;
}

TEST(SwimNodeTransport, AKeyRotationKeepsTheClusterWhole) {
  SwimTestNet net(3, SwimConfig::lan(), /*formed=*/false);
  for (size_t i = 0; i < net.size(); ++i)
    install(net, i, key_of(1));
  join_all(net);
  for (size_t i = 0; i < net.size(); ++i)
    install(net, i, key_of(2));
  net.run_for(Duration::seconds(5));
  for (size_t i = 0; i < net.size(); ++i)
    ASSERT_TRUE(net.node(i).transport().use_key(key_of(2)).is_ok());
  net.run_for(Duration::seconds(5));
  for (size_t i = 0; i < net.size(); ++i)
    ASSERT_TRUE(net.node(i).transport().remove_key(key_of(1)).is_ok());
  net.run_for(Duration::seconds(30));
  for (size_t i = 0; i < net.size(); ++i) {
    EXPECT_EQ(net.node(i).count(SwimState::kAlive), 3u) << "node " << i;
    EXPECT_EQ(net.node(i).transport().stats().decrypt_failed, 0u) << "node " << i;
  }
}

}  // namespace
}  // namespace rumor::core
