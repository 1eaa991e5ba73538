// Serf's key management end to end over SerfTestNet: the _serf_*-key queries change every
// member's keyring and KeyTally counts the answers as keymanager.go does.
#include <gtest/gtest.h>

#include "core/serf/key_manager.h"
#include "core/serf/serf_node.h"
#include "core/serf/serf_test_net.h"
#include "core/wire/keyring.h"

namespace rumor::core::serf {
namespace {

using testing::SerfTestNet;

wire::ml::Key key_of(uint8_t fill) {
  return wire::ml::Key(32, fill);
}

// A formed cluster whose members all hold `key` (or none when fill is 0).
void form(SerfTestNet& net, uint8_t fill) {
  if (fill != 0) {
    for (size_t i = 0; i < net.size(); ++i)
      ASSERT_TRUE(net.node(i).transport().install_key(key_of(fill)).is_ok());
  }
  net.join_all();
}

// Runs one key operation from n0 to its end and tallies the answers.
KeyTally key_op(SerfTestNet& net, KeyOp op, const wire::ml::Key& key) {
  KeyTally tally;
  tally.num_nodes = static_cast<int>(net.node(0).swim().count(SwimState::kAlive));
  const size_t seen = net.events().size();
  auto handle = net.node(0).query(net.now(), key_query_name(op), key_query_payload(key), {});
  EXPECT_TRUE(handle.is_ok()) << handle.message();
  net.drain(0);
  net.run_for(Duration::seconds(3));
  for (size_t i = seen; i < net.events().size(); ++i) {
    const auto& e = net.events()[i];
    if (e.observer == 0 && e.event.kind == SerfEventKind::kQueryResponse &&
        e.event.query_id == handle.value()) {
      tally.add(e.event.from, e.event.payload);
    }
  }
  return tally;
}

TEST(SerfKeys, InstallUseRemoveRotateEveryMembersKeyring) {
  SerfTestNet net(3, SerfConfig{});
  form(net, 1);
  KeyTally t = key_op(net, KeyOp::kInstall, key_of(2));
  EXPECT_EQ(t.error(), "");
  EXPECT_EQ(t.num_resp, 3);
  t = key_op(net, KeyOp::kUse, key_of(2));
  EXPECT_EQ(t.error(), "");
  t = key_op(net, KeyOp::kRemove, key_of(1));
  EXPECT_EQ(t.error(), "");
  for (size_t i = 0; i < net.size(); ++i) {
    const auto& ring = net.node(i).swim().transport().keyring();
    ASSERT_EQ(ring.size(), 1u) << "node " << i;
    EXPECT_EQ(ring.keys()[0], key_of(2)) << "node " << i;
    EXPECT_EQ(net.count(i, SerfEventKind::kKeyringChanged), 3u) << "node " << i;
  }
  // Still one cluster, now under the new key only.
  net.run_for(Duration::seconds(10));
  for (size_t i = 0; i < net.size(); ++i)
    EXPECT_EQ(net.node(i).swim().count(SwimState::kAlive), 3u) << "node " << i;
}

TEST(SerfKeys, ListCountsEachKeyAcrossMembers) {
  SerfTestNet net(3, SerfConfig{});
  form(net, 1);
  ASSERT_TRUE(net.node(1).transport().install_key(key_of(5)).is_ok());
  const KeyTally t = key_op(net, KeyOp::kList, {});
  EXPECT_EQ(t.error(), "");
  EXPECT_EQ(t.keys.at(wire::ml::encode_key_base64(key_of(1))), 3);
  EXPECT_EQ(t.keys.at(wire::ml::encode_key_base64(key_of(5))), 1);
  EXPECT_EQ(t.primary_keys.at(wire::ml::encode_key_base64(key_of(1))), 3);
}

TEST(SerfKeys, RemovingThePrimaryKeyFailsOnEveryMemberWithItsReason) {
  SerfTestNet net(3, SerfConfig{});
  form(net, 1);
  const KeyTally t = key_op(net, KeyOp::kRemove, key_of(1));
  EXPECT_EQ(t.num_err, 3);
  EXPECT_EQ(t.error(), "3/3 nodes reported failure");
  ASSERT_EQ(t.messages.size(), 3u);
  EXPECT_FALSE(t.messages.at("n1").empty());
  EXPECT_EQ(net.node(1).swim().transport().keyring().size(), 1u);
}

TEST(SerfKeys, WithoutEncryptionEveryMemberSaysSoAsSerfDoes) {
  SerfTestNet net(2, SerfConfig{});
  form(net, 0);
  KeyTally t = key_op(net, KeyOp::kInstall, key_of(2));
  EXPECT_EQ(t.num_err, 2);
  EXPECT_EQ(t.messages.at("n1"), "No keyring to modify (encryption not enabled)");
  t = key_op(net, KeyOp::kList, {});
  EXPECT_EQ(t.messages.at("n0"), "Keyring is empty (encryption not enabled)");
}

TEST(SerfKeys, AnAnswerThatIsNotAKeyResponseIsAnError) {
  KeyTally t;
  t.num_nodes = 1;
  t.add("n9", std::vector<uint8_t>{0x01, 0x02});
  EXPECT_EQ(t.num_err, 1);
  EXPECT_EQ(t.messages.at("n9"), "Invalid key query response type");
  EXPECT_EQ(t.error(), "1/1 nodes reported failure");
}

}  // namespace
}  // namespace rumor::core::serf
