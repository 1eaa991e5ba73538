#include "core/wire/transport.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/wire/memberlist_codec.h"

namespace rumor::core::wire::ml {
namespace {

using Buf = std::vector<uint8_t>;

Key key_of(uint8_t fill) {
  Key k(32);
  for (size_t i = 0; i < k.size(); ++i)
    k[i] = static_cast<uint8_t>(fill + i);
  return k;
}

TransportOptions with(void (*set)(TransportOptions&)) {
  TransportOptions o;
  set(o);
  return o;
}

// A gossip packet: a hasCrc compound of alive messages, repetitive enough to compress well.
Buf gossip_packet() {
  Buf bodies;
  std::vector<size_t> lens;
  for (int i = 0; i < 8; ++i) {
    Alive a;
    a.incarnation = 1;
    a.node = "node-" + std::to_string(i);
    a.addr = Bytes(Buf{10, 0, 0, static_cast<uint8_t>(i)});
    a.port = 7946;
    a.vsn = Bytes(Buf(kDefaultVsn.begin(), kDefaultVsn.end()));
    const size_t before = bodies.size();
    encode(a, bodies);
    lens.push_back(bodies.size() - before);
  }
  Buf out;
  encode_packet(bodies, lens, /*with_crc=*/true, out);
  return out;
}

// The messages a packet carries, after the transport and the codec.
std::vector<Buf> messages_of(std::span<const uint8_t> packet) {
  std::vector<PacketPart> parts;
  MlErrorCounts errors{};
  UnwrapScratch scratch;
  unwrap_packet(packet, "", parts, errors, &scratch);
  std::vector<Buf> out;
  for (const auto& p : parts) {
    Buf m{static_cast<uint8_t>(p.type)};
    m.insert(m.end(), p.body.begin(), p.body.end());
    out.push_back(m);
  }
  return out;
}

TEST(Transport, WithNothingConfiguredPacketsAndStreamsPassUnchanged) {
  Transport t;
  Prng prng(1);
  const Buf original = gossip_packet();
  Buf bytes = original;
  ASSERT_TRUE(t.seal_packet(bytes, prng));
  EXPECT_EQ(bytes, original);
  auto opened = t.open_packet(bytes);
  ASSERT_TRUE(opened);
  EXPECT_EQ(Buf(opened->begin(), opened->end()), original);
  EXPECT_EQ(t.packet_overhead(), 0u);
}

TEST(Transport, CompressionShrinksAPacketAndKeepsTheCrcOutermost) {
  Transport t(with([](TransportOptions& o) { o.compress = true; }));
  Prng prng(1);
  const Buf original = gossip_packet();
  Buf bytes = original;
  ASSERT_TRUE(t.seal_packet(bytes, prng));
  EXPECT_LT(bytes.size(), original.size());
  EXPECT_EQ(bytes[0], 12);  // hasCrc, over the compressed message
  EXPECT_EQ(bytes[5], 9);   // compress
  EXPECT_EQ(messages_of(bytes), messages_of(original));
}

TEST(Transport, CompressionLeavesAPacketAloneWhenItWouldGrow) {
  Transport t(with([](TransportOptions& o) { o.compress = true; }));
  Prng prng(1);
  Buf ping;
  encode(Ping{1, "n", Bytes(), 0, ""}, ping);
  Buf bytes = ping;
  ASSERT_TRUE(t.seal_packet(bytes, prng));
  EXPECT_EQ(bytes, ping);
}

TEST(Transport, LabelIsAddedAndAnyOtherLabelOrNoneIsRefusedAndCounted) {
  Transport a(with([](TransportOptions& o) { o.label = "prod"; }));
  Transport b(with([](TransportOptions& o) { o.label = "test"; }));
  Transport none;
  Prng prng(1);
  Buf bytes = gossip_packet();
  ASSERT_TRUE(a.seal_packet(bytes, prng));
  EXPECT_EQ(bytes[0], 0xf4);
  EXPECT_TRUE(a.open_packet(bytes));
  EXPECT_FALSE(b.open_packet(bytes));
  EXPECT_FALSE(none.open_packet(bytes));
  EXPECT_EQ(b.stats().label_refused, 1u);
  EXPECT_EQ(none.stats().label_refused, 1u);
  EXPECT_FALSE(a.open_packet(gossip_packet()));  // no label where one is expected
  EXPECT_EQ(a.stats().label_refused, 1u);
}

TEST(Transport, AnEncryptedPacketOpensWithTheKeyAndIsRefusedWithAnother) {
  Transport a;
  Transport b;
  ASSERT_TRUE(a.install_key(key_of(1)));
  ASSERT_TRUE(b.install_key(key_of(2)));
  Prng prng(7);
  const Buf original = gossip_packet();
  Buf bytes = original;
  ASSERT_TRUE(a.seal_packet(bytes, prng));
  EXPECT_EQ(bytes.size(), original.size() + kEncryptOverheadV1);
  auto opened = a.open_packet(bytes);
  ASSERT_TRUE(opened);
  EXPECT_EQ(Buf(opened->begin(), opened->end()), original);
  EXPECT_FALSE(b.open_packet(bytes));
  EXPECT_EQ(b.stats().decrypt_failed, 1u);
  ASSERT_TRUE(b.install_key(key_of(1)));  // a second key: every installed key is tried
  EXPECT_TRUE(b.open_packet(bytes));
}

TEST(Transport, PlaintextIsRefusedWithKeysUnlessVerifyIncomingIsOff) {
  Transport strict;
  Transport lenient(with([](TransportOptions& o) { o.verify_incoming = false; }));
  ASSERT_TRUE(strict.install_key(key_of(1)));
  ASSERT_TRUE(lenient.install_key(key_of(1)));
  const Buf plain = gossip_packet();
  EXPECT_FALSE(strict.open_packet(plain));
  EXPECT_EQ(strict.stats().decrypt_failed, 1u);
  auto opened = lenient.open_packet(plain);
  ASSERT_TRUE(opened);
  EXPECT_EQ(Buf(opened->begin(), opened->end()), plain);
}

TEST(Transport, VerifyOutgoingOffSendsPlaintextEvenWithKeys) {
  Transport t(with([](TransportOptions& o) { o.verify_outgoing = false; }));
  ASSERT_TRUE(t.install_key(key_of(1)));
  Prng prng(1);
  const Buf original = gossip_packet();
  Buf bytes = original;
  ASSERT_TRUE(t.seal_packet(bytes, prng));
  EXPECT_EQ(bytes, original);
  EXPECT_EQ(t.packet_overhead(), 0u);
}

TEST(Transport, PacketOverheadCountsTheLabelAndEncryption) {
  Transport t(with([](TransportOptions& o) { o.label = "abc"; }));
  EXPECT_EQ(t.packet_overhead(), 5u);
  ASSERT_TRUE(t.install_key(key_of(1)));
  EXPECT_EQ(t.packet_overhead(), 5u + kEncryptOverheadV1);
}

TEST(Transport, AStreamWithEveryLayerOpensBackToItsMessage) {
  const TransportOptions options = with([](TransportOptions& o) {
    o.label = "prod";
    o.compress = true;
  });
  Transport a(options);
  Transport b(options);
  ASSERT_TRUE(a.install_key(key_of(3)));
  ASSERT_TRUE(b.install_key(key_of(3)));
  Prng prng(9);
  Buf msg;
  encode(Ping{42, "node-b", Bytes(Buf{127, 0, 0, 1}), 7946, "node-a"}, msg);
  Buf bytes = msg;
  ASSERT_TRUE(a.seal_stream(bytes, prng));
  EXPECT_EQ(bytes[0], 0xf4);             // the label first of all
  EXPECT_EQ(bytes[2 + 4], 10);           // then the encrypted frame
  auto size = stream_frame_size(bytes);  // a driver can frame it
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, bytes.size());
  auto opened = b.open_stream(bytes);
  ASSERT_TRUE(opened);
  Buf scratch;
  std::span<const uint8_t> plain;
  ASSERT_FALSE(unwrap_stream(*opened, "", scratch, plain));  // decompresses
  EXPECT_EQ(Buf(plain.begin(), plain.end()), msg);
}

TEST(Transport, APlainStreamIsRefusedWithKeysAndASealedOneWithout) {
  Transport keyed;
  Transport plain;
  ASSERT_TRUE(keyed.install_key(key_of(1)));
  Prng prng(1);
  Buf msg;
  encode(Ping{1, "n", Bytes(), 0, ""}, msg);
  EXPECT_FALSE(keyed.open_stream(msg));
  EXPECT_EQ(keyed.stats().plaintext_refused, 1u);
  Buf sealed = msg;
  ASSERT_TRUE(keyed.seal_stream(sealed, prng));
  EXPECT_FALSE(plain.open_stream(sealed));
  EXPECT_EQ(plain.stats().encrypted_refused, 1u);
}

TEST(Transport, AfterAKeyRotationTheOldKeyStillOpensUntilRemoved) {
  Transport sender;
  Transport receiver;
  ASSERT_TRUE(sender.install_key(key_of(1)));
  ASSERT_TRUE(receiver.install_key(key_of(1)));
  ASSERT_TRUE(receiver.install_key(key_of(2)));
  ASSERT_TRUE(receiver.use_key(key_of(2)));
  Prng prng(1);
  Buf bytes = gossip_packet();
  ASSERT_TRUE(sender.seal_packet(bytes, prng));  // still under key 1
  EXPECT_TRUE(receiver.open_packet(bytes));
  ASSERT_TRUE(receiver.remove_key(key_of(1)));
  EXPECT_FALSE(receiver.open_packet(bytes));
  EXPECT_FALSE(receiver.remove_key(key_of(2)));  // the primary cannot be removed
}

}  // namespace
}  // namespace rumor::core::wire::ml
