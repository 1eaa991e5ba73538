#include "core/wire/memberlist_codec.h"

#include "core/wire/compress_message.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace rumor::core::wire::ml {
namespace {

using Buf = std::vector<uint8_t>;
constexpr size_t kManyNodes = 1000;

// Raw bytes of a string (no header).
Buf raw(std::string_view s) {
  return Buf(s.begin(), s.end());
}
// A fixstr: header and bytes (s shorter than 32 bytes).
Buf fs(std::string_view s) {
  Buf b(1 + s.size());
  b[0] = static_cast<uint8_t>(0xa0 | s.size());
  for (size_t i = 0; i < s.size(); ++i)
    b[1 + i] = static_cast<uint8_t>(s[i]);
  return b;
}
Buf cat(std::initializer_list<Buf> parts) {
  Buf out;
  for (const Buf& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes bytes(Buf b) {
  return Bytes(std::move(b));
}

template <typename T>
Buf enc(const T& m) {
  Buf out;
  encode(m, out);
  return out;
}
std::span<const uint8_t> body_of(const Buf& msg) {
  return std::span(msg).subspan(1);
}

// Encodes, checks the type byte, decodes the body, and expects the same struct back.
template <typename T>
void expect_round_trip(const T& m, MsgType type) {
  const Buf msg = enc(m);
  ASSERT_FALSE(msg.empty());
  EXPECT_EQ(msg[0], static_cast<uint8_t>(type));
  T back;
  const auto e = decode(body_of(msg), back);
  ASSERT_FALSE(e.has_value()) << ml_error_name(*e);
  EXPECT_EQ(back, m);
}

template <typename T>
std::optional<MlError> decode_buf(const Buf& body) {
  T out;
  return decode(body, out);
}

PushNodeState node_state(std::string name, WireState state) {
  PushNodeState s;
  s.name = std::move(name);
  s.addr = bytes({10, 0, 0, 7});
  s.port = 7946;
  s.meta = bytes(cat({{0xff, 0x81}, fs("role"), fs("web")}));
  s.incarnation = 3;
  s.state = state;
  s.vsn = bytes({1, 5, 2, 2, 5, 5});
  return s;
}

PushPull sample_push_pull() {
  PushPull pp;
  pp.join = true;
  pp.nodes = {node_state("a", WireState::kAlive), node_state("b", WireState::kSuspect),
              node_state("c", WireState::kDead), node_state("d", WireState::kLeft)};
  pp.user_state = {0x02, 0x86, 0x01, 0x02, 0x03};
  return pp;
}

struct Unwrapped {
  std::vector<PacketPart> parts;
  MlErrorCounts errors{};
  uint64_t count(MlError e) const { return errors[static_cast<size_t>(e)]; }
  uint64_t total() const {
    uint64_t n = 0;
    for (uint64_t c : errors)
      n += c;
    return n;
  }
};

Unwrapped unwrap(const Buf& packet, std::string_view label = "") {
  Unwrapped u;
  unwrap_packet(packet, label, u.parts, u.errors);
  return u;
}

// Expects unwrapping to drop the packet with exactly one error, e.
void expect_dropped(const Buf& packet, MlError e, std::string_view label = "") {
  const Unwrapped u = unwrap(packet, label);
  EXPECT_TRUE(u.parts.empty());
  EXPECT_EQ(u.count(e), 1u) << ml_error_name(e);
  EXPECT_EQ(u.total(), 1u);
}

std::optional<MlError> stream(const Buf& bytes, StreamMessage& out, std::string_view label = "",
                              size_t max_nodes = kManyNodes) {
  MlErrorCounts errors{};
  const auto e = decode_stream(bytes, label, out, errors, max_nodes);
  uint64_t total = 0;
  for (uint64_t c : errors)
    total += c;
  EXPECT_EQ(total, e ? 1u : 0u);
  if (e) {
    EXPECT_EQ(errors[static_cast<size_t>(*e)], 1u);
  }
  return e;
}

std::optional<MlError> stream_error(const Buf& bytes, std::string_view label = "",
                                    size_t max_nodes = kManyNodes) {
  StreamMessage out;
  return stream(bytes, out, label, max_nodes);
}

// --- exact bytes ---------------------------------------------------------------------------------

TEST(MemberlistCodec, PingMatchesTheFiftyNineByteWireExample) {
  Ping p;
  p.seq_no = 1;
  p.node = "b";
  p.source_addr = bytes({0x7f, 0, 0, 1});
  p.source_port = 17946;
  p.source_node = "a";
  const Buf expected = cat({{0x00, 0x85},
                            fs("Node"),
                            fs("b"),
                            fs("SeqNo"),
                            {0x01},
                            fs("SourceAddr"),
                            {0xa4, 0x7f, 0x00, 0x00, 0x01},
                            fs("SourceNode"),
                            fs("a"),
                            fs("SourcePort"),
                            {0xcd, 0x46, 0x1a}});
  EXPECT_EQ(expected.size(), 59u);
  EXPECT_EQ(enc(p), expected);
}

TEST(MemberlistCodec, PingLeavesOutZeroOmitemptyFields) {
  Ping p;
  p.seq_no = 3;
  p.node = "x";
  p.source_addr = Bytes(Buf{});  // empty but not nil: omitempty still leaves it out
  EXPECT_EQ(enc(p), cat({{0x00, 0x82}, fs("Node"), fs("x"), fs("SeqNo"), {0x03}}));
}

TEST(MemberlistCodec, IndirectPingKeysAreSortedAndNilTargetIsNil) {
  IndirectPingReq r;
  r.seq_no = 9;
  r.node = "t";
  r.port = 7946;
  r.nack = true;
  EXPECT_EQ(enc(r), cat({{0x01, 0x85},
                         fs("Nack"),
                         {0xc3},
                         fs("Node"),
                         fs("t"),
                         fs("Port"),
                         {0xcd, 0x1f, 0x0a},
                         fs("SeqNo"),
                         {0x09},
                         fs("Target"),
                         {0xc0}}));
}

TEST(MemberlistCodec, AliveVsnGoesOutAsASixByteStr) {
  Alive a;
  a.incarnation = 1;
  a.node = "n1";
  a.addr = bytes({10, 0, 0, 1});
  a.port = 7946;
  a.vsn = bytes({1, 5, 2, 2, 5, 5});
  const Buf expected = cat({{0x04, 0x86},
                            fs("Addr"),
                            {0xa4, 10, 0, 0, 1},
                            fs("Incarnation"),
                            {0x01},
                            fs("Meta"),
                            {0xc0},
                            fs("Node"),
                            fs("n1"),
                            fs("Port"),
                            {0xcd, 0x1f, 0x0a},
                            fs("Vsn"),
                            {0xa6, 0x01, 0x05, 0x02, 0x02, 0x05, 0x05}});
  EXPECT_EQ(enc(a), expected);
}

TEST(MemberlistCodec, NilBytesGoOutAsNilAndEmptyBytesAsAnEmptyStr) {
  AckResp nil_payload;
  nil_payload.seq_no = 5;
  EXPECT_EQ(enc(nil_payload), cat({{0x02, 0x82}, fs("Payload"), {0xc0}, fs("SeqNo"), {0x05}}));
  AckResp empty_payload;
  empty_payload.seq_no = 5;
  empty_payload.payload = Bytes(Buf{});
  EXPECT_EQ(enc(empty_payload), cat({{0x02, 0x82}, fs("Payload"), {0xa0}, fs("SeqNo"), {0x05}}));
}

TEST(MemberlistCodec, BytesHoldingDataAreNeverNil) {
  AckResp a;
  a.payload.data = {1, 2};  // is_nil left true by mistake: the data still goes out
  EXPECT_EQ(enc(a), cat({{0x02, 0x82}, fs("Payload"), {0xa2, 1, 2}, fs("SeqNo"), {0x00}}));
}

TEST(MemberlistCodec, ThirtyTwoByteStringUsesStr16NeverStr8) {
  Suspect s;
  s.node = std::string(32, 'n');
  s.from = "f";
  const Buf msg = enc(s);
  const Buf expected = cat({{0x03, 0x83},
                            fs("From"),
                            fs("f"),
                            fs("Incarnation"),
                            {0x00},
                            fs("Node"),
                            {0xda, 0x00, 0x20},
                            raw(s.node)});
  EXPECT_EQ(msg, expected);
}

TEST(MemberlistCodec, DeadAndSuspectKeysAreSorted) {
  Dead d;
  d.incarnation = 300;
  d.node = "x";
  d.from = "x";
  EXPECT_EQ(enc(d), cat({{0x05, 0x83},
                         fs("From"),
                         fs("x"),
                         fs("Incarnation"),
                         {0xcd, 0x01, 0x2c},
                         fs("Node"),
                         fs("x")}));
}

TEST(MemberlistCodec, NackAndErrHaveOneField) {
  EXPECT_EQ(enc(NackResp{70000}), cat({{0x0b, 0x81}, fs("SeqNo"), {0xce, 0x00, 0x01, 0x11, 0x70}}));
  EXPECT_EQ(enc(ErrResp{"bad"}), cat({{0x0d, 0x81}, fs("Error"), fs("bad")}));
}

TEST(MemberlistCodec, PushPullIsHeaderThenStatesThenRawUserState) {
  PushPull pp;
  pp.join = false;
  PushNodeState s;
  s.name = "a";
  s.addr = bytes({127, 0, 0, 1});
  s.port = 1;
  s.incarnation = 1;
  s.state = WireState::kDead;
  pp.nodes = {s};
  pp.user_state = {0xde, 0xad};
  const Buf expected = cat({{0x06, 0x83},
                            fs("Join"),
                            {0xc2},
                            fs("Nodes"),
                            {0x01},
                            fs("UserStateLen"),
                            {0x02},
                            {0x87},
                            fs("Addr"),
                            {0xa4, 127, 0, 0, 1},
                            fs("Incarnation"),
                            {0x01},
                            fs("Meta"),
                            {0xc0},
                            fs("Name"),
                            fs("a"),
                            fs("Port"),
                            {0x01},
                            fs("State"),
                            {0x02},
                            fs("Vsn"),
                            {0xc0},
                            {0xde, 0xad}});
  EXPECT_EQ(enc(pp), expected);
  Buf state_body;
  encode_body(s, state_body);
  EXPECT_EQ(state_body, Buf(expected.begin() + 1 + 1 + 5 + 1 + 6 + 1 + 13 + 1, expected.end() - 2));
}

TEST(MemberlistCodec, JoinIntentWithCrcMatchesTheWireExample) {
  const Buf serf_join_intent = cat({{0x01, 0x82}, fs("LTime"), {0x01}, fs("Node"), fs("b")});
  Buf user;
  encode_user(serf_join_intent, user);
  Buf wrapped;
  wrap_crc(user, wrapped);
  EXPECT_EQ(wrapped, cat({{0x0c, 0x13, 0x9a, 0xa5, 0x5a, 0x08}, serf_join_intent}));
}

TEST(MemberlistCodec, UserStreamMessageHasALengthHeaderAndNoExtraTypeByte) {
  Buf out;
  encode_user_stream(Buf{0x03, 0x04}, out);
  EXPECT_EQ(out, cat({{0x08, 0x81}, fs("UserMsgLen"), {0x02}, {0x03, 0x04}}));
}

TEST(MemberlistCodec, CompoundIsCountLengthsThenParts) {
  const Buf a = {0x00, 0x80};
  const Buf b = {0x0b, 0x80, 0x01};
  const std::span<const uint8_t> parts[] = {a, b};
  Buf out = {0xee};  // appended, not replaced
  encode_compound(parts, out);
  EXPECT_EQ(out, (Buf{0xee, 0x07, 0x02, 0x00, 0x02, 0x00, 0x03, 0x00, 0x80, 0x0b, 0x80, 0x01}));
  EXPECT_EQ(compound_overhead(2), out.size() - 1 - a.size() - b.size());
}

TEST(MemberlistCodec, EncodePacketEqualsCompoundThenCrcAndOneMessageGoesAlone) {
  const Buf a = {0x00, 0x80};
  const Buf b = {0x0b, 0x80, 0x01};
  const Buf bodies = {0x00, 0x80, 0x0b, 0x80, 0x01};
  const std::vector<size_t> both = {2, 3};
  const std::span<const uint8_t> parts[] = {a, b};
  Buf compound;
  encode_compound(parts, compound);
  Buf wrapped;
  wrap_crc(compound, wrapped);

  Buf out = {0xee};  // replaced, not appended
  encode_packet(bodies, both, /*with_crc=*/false, out);
  EXPECT_EQ(out, compound);
  encode_packet(bodies, both, /*with_crc=*/true, out);
  EXPECT_EQ(out, wrapped);

  const std::vector<size_t> one = {2};
  encode_packet(a, one, /*with_crc=*/false, out);
  EXPECT_EQ(out, a);
  Buf a_wrapped;
  wrap_crc(a, a_wrapped);
  encode_packet(a, one, /*with_crc=*/true, out);
  EXPECT_EQ(out, a_wrapped);
}

TEST(MemberlistCodec, LabelHeaderIsF4LengthLabelAndNothingForNoLabel) {
  Buf out;
  wrap_label("dc1", Buf{0x00}, out);
  EXPECT_EQ(out, (Buf{0xf4, 0x03, 'd', 'c', '1', 0x00}));
  EXPECT_EQ(label_overhead("dc1"), 5u);
  Buf none;
  append_label_header("", none);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(label_overhead(""), 0u);
}

// --- round trips -------------------------------------------------------------------------------

TEST(MemberlistCodec, EveryPacketMessageRoundTrips) {
  Ping p;
  p.seq_no = 0xffffffff;
  p.node = std::string(300, 'p');
  p.source_addr = bytes(Buf(16, 0xab));
  p.source_port = 65535;
  p.source_node = "src";
  expect_round_trip(p, MsgType::kPing);

  IndirectPingReq r;
  r.seq_no = 77;
  r.target = bytes({10, 1, 2, 3});
  r.port = 80;
  r.node = "target";
  r.nack = true;
  r.source_addr = bytes({10, 9, 9, 9});
  r.source_port = 7946;
  r.source_node = "me";
  expect_round_trip(r, MsgType::kIndirectPing);

  AckResp ack;
  ack.seq_no = 128;
  ack.payload = bytes(Buf(130, 0x3f));
  expect_round_trip(ack, MsgType::kAck);
  expect_round_trip(AckResp{}, MsgType::kAck);
  expect_round_trip(NackResp{65536}, MsgType::kNack);

  Suspect s;
  s.incarnation = 256;
  s.node = "x";
  s.from = "y";
  expect_round_trip(s, MsgType::kSuspect);

  Alive a;
  a.incarnation = 1;
  a.node = "alive";
  a.addr = bytes(Buf(16, 0));
  a.port = 7946;
  a.meta = bytes(Buf(512, 0x55));
  a.vsn = bytes({1, 5, 2, 2, 5, 5});
  expect_round_trip(a, MsgType::kAlive);
  expect_round_trip(Alive{}, MsgType::kAlive);

  Dead d;
  d.incarnation = 0xffffffff;
  d.node = "gone";
  d.from = "gone";
  expect_round_trip(d, MsgType::kDead);
  expect_round_trip(ErrResp{std::string(70000, 'e')}, MsgType::kErr);
}

TEST(MemberlistCodec, PushPullRoundTripsThroughBodyAndStreamDecoders) {
  const PushPull pp = sample_push_pull();
  const Buf msg = enc(pp);
  PushPull back;
  ASSERT_FALSE(decode_push_pull(body_of(msg), back, kManyNodes).has_value());
  EXPECT_EQ(back, pp);
  StreamMessage sm;
  ASSERT_FALSE(stream(msg, sm).has_value());
  EXPECT_EQ(sm.type, MsgType::kPushPull);
  EXPECT_EQ(sm.push_pull, pp);
}

TEST(MemberlistCodec, PushPullOfManyNodesRoundTrips) {
  PushPull pp;
  for (int i = 0; i < 500; ++i) {
    pp.nodes.push_back(node_state("node-" + std::to_string(i), WireState::kAlive));
  }
  const Buf msg = enc(pp);
  PushPull back;
  ASSERT_FALSE(decode_push_pull(body_of(msg), back, kManyNodes).has_value());
  EXPECT_EQ(back, pp);
  EXPECT_EQ(stream_frame_size(msg), msg.size());
}

TEST(MemberlistCodec, StreamCarriesPingAckErrAndUserMessages) {
  StreamMessage sm;
  Ping p;
  p.seq_no = 4;
  p.node = "b";
  ASSERT_FALSE(stream(enc(p), sm).has_value());
  EXPECT_EQ(sm.type, MsgType::kPing);
  EXPECT_EQ(sm.ping, p);

  AckResp a;
  a.seq_no = 4;
  ASSERT_FALSE(stream(enc(a), sm).has_value());
  EXPECT_EQ(sm.type, MsgType::kAck);
  EXPECT_EQ(sm.ack, a);

  ASSERT_FALSE(stream(enc(ErrResp{"no"}), sm).has_value());
  EXPECT_EQ(sm.type, MsgType::kErr);
  EXPECT_EQ(sm.err.error, "no");

  Buf user;
  encode_user_stream(Buf{0x01, 0x82}, user);
  ASSERT_FALSE(stream(user, sm).has_value());
  EXPECT_EQ(sm.type, MsgType::kUser);
  EXPECT_EQ(sm.user, (Buf{0x01, 0x82}));
}

// ---- lenient decoding ----

TEST(MemberlistCodec, DecoderAcceptsStr8AndBinForStringsAndBytes) {
  const Buf body = cat({{0x84},
                        {0xd9, 0x04},
                        raw("Node"),
                        {0xd9, 0x02},
                        raw("n1"),
                        fs("Addr"),
                        {0xc4, 0x04, 10, 0, 0, 1},
                        {0xc4, 0x03},
                        raw("Vsn"),
                        {0xc4, 0x01, 0x07},
                        fs("Meta"),
                        {0xd9, 0x01, 0x09}});
  Alive a;
  ASSERT_FALSE(decode(body, a).has_value());
  EXPECT_EQ(a.node, "n1");
  EXPECT_EQ(a.addr, bytes({10, 0, 0, 1}));
  EXPECT_EQ(a.vsn, bytes({7}));
  EXPECT_EQ(a.meta, bytes({9}));
}

TEST(MemberlistCodec, DecoderAcceptsEveryIntegerWidthThatFits) {
  for (const Buf& v : {Buf{0x2a}, Buf{0xcc, 0x2a}, Buf{0xcd, 0x00, 0x2a}, Buf{0xce, 0, 0, 0, 0x2a},
                       Buf{0xcf, 0, 0, 0, 0, 0, 0, 0, 0x2a}, Buf{0xd0, 0x2a}, Buf{0xd1, 0x00, 0x2a},
                       Buf{0xd2, 0, 0, 0, 0x2a}, Buf{0xd3, 0, 0, 0, 0, 0, 0, 0, 0x2a}}) {
    NackResp n;
    ASSERT_FALSE(decode(cat({{0x81}, fs("SeqNo"), v}), n).has_value());
    EXPECT_EQ(n.seq_no, 42u);
  }
}

TEST(MemberlistCodec, DecoderSkipsUnknownKeysAndLeavesMissingKeysZero) {
  const Buf body = cat({{0x83},
                        fs("Future"),
                        {0x92, 0x81, 0xa1, 'k', 0xc3, 0xcb},
                        Buf(8, 0),
                        fs("SeqNo"),
                        {0x07},
                        fs("Extra"),
                        fs("x")});
  Ping p;
  p.node = "stale";
  ASSERT_FALSE(decode(body, p).has_value());
  EXPECT_EQ(p.seq_no, 7u);
  EXPECT_EQ(p.node, "");
  EXPECT_TRUE(p.source_addr.is_nil);
}

TEST(MemberlistCodec, DecoderTakesNilAsTheZeroValue) {
  const Buf body = cat({{0x86},
                        fs("Addr"),
                        {0xc0},
                        fs("Incarnation"),
                        {0xc0},
                        fs("Meta"),
                        {0xc0},
                        fs("Node"),
                        {0xc0},
                        fs("Port"),
                        {0xc0},
                        fs("Vsn"),
                        {0xc0}});
  Alive a;
  ASSERT_FALSE(decode(body, a).has_value());
  EXPECT_EQ(a, Alive{});
  Alive from_nil_body;
  ASSERT_FALSE(decode(Buf{0xc0}, from_nil_body).has_value());
  EXPECT_EQ(from_nil_body, Alive{});
}

TEST(MemberlistCodec, DecoderAcceptsAStructAsAnArrayInGoFieldOrder) {
  // suspect{Incarnation, Node, From} in declaration order, as go-msgpack's StructToArray.
  const Buf body = cat({{0x93, 0x05}, fs("node"), fs("from")});
  Suspect s;
  ASSERT_FALSE(decode(body, s).has_value());
  EXPECT_EQ(s.incarnation, 5u);
  EXPECT_EQ(s.node, "node");
  EXPECT_EQ(s.from, "from");
}

TEST(MemberlistCodec, DecoderIgnoresBytesAfterTheBody) {
  Buf msg = enc(NackResp{3});
  msg.push_back(0xc1);
  NackResp n;
  ASSERT_FALSE(decode(body_of(msg), n).has_value());
  EXPECT_EQ(n.seq_no, 3u);
}

TEST(MemberlistCodec, EmptyOmitemptyBytesDecodeAsNilSoTheValueReencodesToItself) {
  // An empty SourceAddr is left off the wire like a nil one: reading it as nil keeps
  // decode(encode(x)) == x for every decoded x.
  const Buf body =
      cat({{0x83}, fs("Node"), fs("n"), fs("SeqNo"), {0x01}, fs("SourceAddr"), {0xa0}});
  Ping p;
  ASSERT_FALSE(decode(body, p).has_value());
  EXPECT_TRUE(p.source_addr.is_nil);
  Ping again;
  ASSERT_FALSE(decode(body_of(enc(p)), again).has_value());
  EXPECT_EQ(again, p);
  // A field that is not omitempty keeps empty and nil apart, as the wire does.
  AckResp a;
  ASSERT_FALSE(decode(cat({{0x81}, fs("Payload"), {0xa0}}), a).has_value());
  EXPECT_FALSE(a.payload.is_nil);
}

TEST(MemberlistCodec, DecoderTakesAVsnWrittenAsAnIntArray) {
  const Buf body = cat({{0x81}, fs("Vsn"), {0x96, 1, 5, 2, 2, 5, 5}});
  Alive a;
  ASSERT_FALSE(decode(body, a).has_value());
  EXPECT_EQ(a.vsn, bytes({1, 5, 2, 2, 5, 5}));
}

// --- one error each --------------------------------------------------------------------------

TEST(MemberlistCodec, EmptyPacketIsEmpty) {
  expect_dropped(Buf{}, MlError::kEmpty);
}

TEST(MemberlistCodec, MessageWithoutBodyIsTruncated) {
  EXPECT_EQ(decode_buf<Ping>(Buf{}), MlError::kTruncated);
}

TEST(MemberlistCodec, BodyCutAnywhereIsTruncated) {
  Alive a;
  a.node = "node";
  a.addr = bytes({1, 2, 3, 4});
  a.vsn = bytes({1, 5, 2, 2, 5, 5});
  const Buf msg = enc(a);
  for (size_t n = 1; n < msg.size(); ++n) {
    EXPECT_EQ(decode_buf<Alive>(Buf(msg.begin() + 1, msg.begin() + n)), MlError::kTruncated) << n;
  }
}

TEST(MemberlistCodec, BytesThatAreNotMsgpackAreBadMsgpack) {
  EXPECT_EQ(decode_buf<Ping>(Buf{0xc1}), MlError::kBadMsgpack);
  EXPECT_EQ(decode_buf<Ping>(cat({{0x81}, fs("SeqNo"), {0xc1}})), MlError::kBadMsgpack);
}

TEST(MemberlistCodec, HugeUnknownArrayIsMsgpackLimit) {
  Buf body = cat({{0x81}, fs("Future"), {0xdc, 0x07, 0xd0}});  // 2000 elements
  body.insert(body.end(), 2000, 0x00);
  EXPECT_EQ(decode_buf<Ping>(body), MlError::kMsgpackLimit);
}

TEST(MemberlistCodec, DeeplyNestedValueIsMsgpackTooDeep) {
  Buf body = cat({{0x81}, fs("Future")});
  body.insert(body.end(), 20, 0x91);
  body.push_back(0x00);
  EXPECT_EQ(decode_buf<Ping>(body), MlError::kMsgpackTooDeep);
}

TEST(MemberlistCodec, FieldOfTheWrongTypeIsWrongFieldType) {
  EXPECT_EQ(decode_buf<Ping>(cat({{0x81}, fs("SeqNo"), fs("one")})), MlError::kWrongFieldType);
  EXPECT_EQ(decode_buf<Ping>(cat({{0x81}, fs("Node"), {0x01}})), MlError::kWrongFieldType);
  EXPECT_EQ(decode_buf<Ping>(Buf{0x07}), MlError::kWrongFieldType);  // a body that is no struct
  EXPECT_EQ(decode_buf<Ping>(Buf{0x81, 0x01, 0x02}), MlError::kWrongFieldType);  // integer key
}

TEST(MemberlistCodec, IntegerOutsideItsFieldIsFieldRange) {
  EXPECT_EQ(decode_buf<Alive>(cat({{0x81}, fs("Port"), {0xce, 0x00, 0x01, 0x00, 0x00}})),
            MlError::kFieldRange);
  EXPECT_EQ(decode_buf<Ping>(cat({{0x81}, fs("SeqNo"), {0xff}})), MlError::kFieldRange);
  EXPECT_EQ(decode_buf<Ping>(cat({{0x81}, fs("SeqNo"), {0xcf, 0, 0, 0, 1, 0, 0, 0, 0}})),
            MlError::kFieldRange);
}

TEST(MemberlistCodec, UnknownNodeStateIsFieldRange) {
  Buf pp = cat({{0x06, 0x83},
                fs("Join"),
                {0xc2},
                fs("Nodes"),
                {0x01},
                fs("UserStateLen"),
                {0x00},
                {0x81},
                fs("State"),
                {0x04}});
  EXPECT_EQ(stream_error(pp), MlError::kFieldRange);
}

TEST(MemberlistCodec, PacketOver64KiBIsPacketTooLarge) {
  Buf big = enc(NackResp{1});
  big.resize(kMaxPacketBytes + 1);
  expect_dropped(big, MlError::kPacketTooLarge);
  big.resize(kMaxPacketBytes);
  EXPECT_EQ(unwrap(big).parts.size(), 1u);
}

TEST(MemberlistCodec, NameOver512BytesIsNameTooLong) {
  Suspect s;
  s.node = std::string(kMaxNameBytes, 'n');
  const Buf at_limit = enc(s);
  EXPECT_FALSE(decode_buf<Suspect>(Buf(at_limit.begin() + 1, at_limit.end())).has_value());
  s.from = std::string(kMaxNameBytes + 1, 'f');
  const Buf msg = enc(s);
  EXPECT_EQ(decode_buf<Suspect>(Buf(msg.begin() + 1, msg.end())), MlError::kNameTooLong);
  Ping p;
  p.source_node = std::string(kMaxNameBytes + 1, 's');
  const Buf ping = enc(p);
  EXPECT_EQ(decode_buf<Ping>(Buf(ping.begin() + 1, ping.end())), MlError::kNameTooLong);
}

TEST(MemberlistCodec, MetaOver512BytesIsMetaTooLong) {
  Alive a;
  a.meta = bytes(Buf(kMaxMetaBytes + 1, 1));
  const Buf msg = enc(a);
  EXPECT_EQ(decode_buf<Alive>(Buf(msg.begin() + 1, msg.end())), MlError::kMetaTooLong);
  PushPull pp;
  pp.nodes = {node_state("m", WireState::kAlive)};
  pp.nodes[0].meta = bytes(Buf(kMaxMetaBytes + 1, 1));
  EXPECT_EQ(stream_error(enc(pp)), MlError::kMetaTooLong);
}

TEST(MemberlistCodec, DeclaredUserStateOver20MiBIsStreamTooLarge) {
  const Buf pp = cat({{0x06, 0x83},
                      fs("Join"),
                      {0xc2},
                      fs("Nodes"),
                      {0x00},
                      fs("UserStateLen"),
                      {0xce, 0x01, 0x40, 0x00, 0x01}});  // 20 MiB + 1
  EXPECT_EQ(stream_error(pp), MlError::kStreamTooLarge);
  const Buf user = cat({{0x08, 0x81}, fs("UserMsgLen"), {0xce, 0x01, 0x40, 0x00, 0x00}});
  EXPECT_EQ(stream_error(user), MlError::kStreamTooLarge);  // 20 MiB plus the header
}

TEST(MemberlistCodec, StreamMessageOver20MiBIsStreamTooLarge) {
  Buf big = enc(ErrResp{"x"});
  big.resize(kMaxStreamBytes + 1);
  EXPECT_EQ(stream_error(big), MlError::kStreamTooLarge);
}

TEST(MemberlistCodec, PushPullWithMoreNodesThanAllowedIsTooManyNodes) {
  const Buf msg = enc(sample_push_pull());
  EXPECT_EQ(stream_error(msg, "", 3), MlError::kTooManyNodes);
  EXPECT_FALSE(stream_error(msg, "", 4).has_value());
}

TEST(MemberlistCodec, PushPullWithANegativeCountIsFieldRange) {
  const Buf pp =
      cat({{0x06, 0x83}, fs("Join"), {0xc2}, fs("Nodes"), {0xff}, fs("UserStateLen"), {0x00}});
  EXPECT_EQ(stream_error(pp), MlError::kFieldRange);
}

TEST(MemberlistCodec, PushPullClaimingMoreStatesThanBytesIsTruncated) {
  const Buf pp = cat({{0x06, 0x83},
                      fs("Join"),
                      {0xc2},
                      fs("Nodes"),
                      {0xcd, 0x03, 0xe8},
                      fs("UserStateLen"),
                      {0x00},
                      {0x80}});
  EXPECT_EQ(stream_error(pp), MlError::kTruncated);
}

TEST(MemberlistCodec, PushPullUserStateCutShortIsTruncated) {
  Buf msg = enc(sample_push_pull());
  msg.pop_back();
  EXPECT_EQ(stream_error(msg), MlError::kTruncated);
}

TEST(MemberlistCodec, CrcMismatchDropsThePacket) {
  Buf wrapped;
  wrap_crc(enc(NackResp{1}), wrapped);
  EXPECT_EQ(unwrap(wrapped).parts.size(), 1u);
  wrapped.back() ^= 0x01;
  expect_dropped(wrapped, MlError::kBadCrc);
}

TEST(MemberlistCodec, CrcHeaderCutShortIsTruncated) {
  expect_dropped(Buf{0x0c, 0x01, 0x02}, MlError::kTruncated);
}

TEST(MemberlistCodec, UnknownTypeByteIsUnknownType) {
  expect_dropped(Buf{0x0e, 0x80}, MlError::kUnknownType);
  expect_dropped(Buf{0xf3}, MlError::kUnknownType);
  EXPECT_EQ(stream_error(Buf{0x42}), MlError::kUnknownType);
}

TEST(MemberlistCodec, StreamOnlyTypesInAPacketAreUnexpectedType) {
  expect_dropped(enc(sample_push_pull()), MlError::kUnexpectedType);
  expect_dropped(enc(ErrResp{"x"}), MlError::kUnexpectedType);
}

TEST(MemberlistCodec, PacketOnlyTypesOnAStreamAreUnexpectedType) {
  EXPECT_EQ(stream_error(enc(Alive{})), MlError::kUnexpectedType);
  Buf compound;
  const Buf nack = enc(NackResp{1});
  const std::span<const uint8_t> parts[] = {nack};
  encode_compound(parts, compound);
  EXPECT_EQ(stream_error(compound), MlError::kUnexpectedType);
}

TEST(MemberlistCodec, CrcIsHonouredOnlyAtTheOutermostLayer) {
  Buf inner;
  wrap_crc(enc(NackResp{1}), inner);
  const std::span<const uint8_t> parts[] = {inner};
  Buf compound;
  encode_compound(parts, compound);
  expect_dropped(compound, MlError::kUnexpectedType);
}

TEST(MemberlistCodec, LabelledPacketWithTheExpectedLabelUnwraps) {
  Buf crc;
  wrap_crc(enc(NackResp{8}), crc);
  Buf packet;
  wrap_label("dc1", crc, packet);
  const Unwrapped u = unwrap(packet, "dc1");
  EXPECT_EQ(u.total(), 0u);
  ASSERT_EQ(u.parts.size(), 1u);
  EXPECT_EQ(u.parts[0].type, MsgType::kNack);
  StreamMessage sm;
  Buf labelled_stream;
  wrap_label("dc1", enc(ErrResp{"e"}), labelled_stream);
  EXPECT_FALSE(stream(labelled_stream, sm, "dc1").has_value());
  EXPECT_EQ(sm.err.error, "e");
}

TEST(MemberlistCodec, UnlabelledPacketWhenALabelIsExpectedIsMissingLabel) {
  expect_dropped(enc(NackResp{1}), MlError::kMissingLabel, "dc1");
  EXPECT_EQ(stream_error(enc(ErrResp{"e"}), "dc1"), MlError::kMissingLabel);
}

TEST(MemberlistCodec, LabelledPacketWhenNoneIsExpectedIsUnexpectedLabel) {
  Buf packet;
  wrap_label("dc1", enc(NackResp{1}), packet);
  expect_dropped(packet, MlError::kUnexpectedLabel);
  EXPECT_EQ(stream_error(packet), MlError::kUnexpectedLabel);
}

TEST(MemberlistCodec, PacketWithAnotherLabelIsWrongLabel) {
  Buf packet;
  wrap_label("dc2", enc(NackResp{1}), packet);
  expect_dropped(packet, MlError::kWrongLabel, "dc1");
  expect_dropped(packet, MlError::kWrongLabel, "dc");
}

TEST(MemberlistCodec, ZeroLengthOrCutShortLabelIsBadLabel) {
  expect_dropped(Buf{0xf4, 0x00, 0x0b, 0x80}, MlError::kBadLabel, "dc1");
  expect_dropped(Buf{0xf4}, MlError::kBadLabel, "dc1");
  expect_dropped(Buf{0xf4, 0x05, 'd', 'c'}, MlError::kBadLabel, "dc1");
  EXPECT_EQ(stream_error(Buf{0xf4, 0x00, 0x0b}), MlError::kBadLabel);
}

TEST(MemberlistCodec, LabelInsideACompoundIsUnexpectedType) {
  Buf labelled;
  wrap_label("dc1", enc(NackResp{1}), labelled);
  const std::span<const uint8_t> parts[] = {labelled};
  Buf compound;
  encode_compound(parts, compound);
  expect_dropped(compound, MlError::kUnexpectedType);
}

TEST(MemberlistCodec, CompoundWithoutItsCountIsCompoundBadHeader) {
  expect_dropped(Buf{0x07}, MlError::kCompoundBadHeader);
}

TEST(MemberlistCodec, CompoundWithItsLengthTableCutShortIsCompoundBadHeader) {
  expect_dropped(Buf{0x07, 0x02, 0x00, 0x03, 0x00}, MlError::kCompoundBadHeader);
}

TEST(MemberlistCodec, CompoundKeepsPartsBeforeATruncatedTail) {
  const Buf first = enc(NackResp{1});
  Ping p;
  p.seq_no = 2;
  const Buf second = enc(p);
  const Buf third = enc(NackResp{3});
  const std::span<const uint8_t> parts[] = {first, second, third};
  Buf compound;
  encode_compound(parts, compound);
  compound.resize(compound.size() - 1);  // the third part is cut short
  const Unwrapped u = unwrap(compound);
  ASSERT_EQ(u.parts.size(), 2u);
  EXPECT_EQ(u.parts[0].type, MsgType::kNack);
  EXPECT_EQ(u.parts[1].type, MsgType::kPing);
  Ping back;
  ASSERT_FALSE(decode(u.parts[1].body, back).has_value());
  EXPECT_EQ(back, p);
  EXPECT_EQ(u.count(MlError::kCompoundTruncated), 1u);
  EXPECT_EQ(u.total(), 1u);
}

TEST(MemberlistCodec, CompoundReturnsEveryPartInOrderAsViews) {
  Alive a;
  a.node = "n";
  const Buf m0 = enc(a);
  const Buf m1 = enc(Dead{1, "n", "n"});
  Buf m2;
  encode_user(Buf{0x01, 0x80}, m2);
  const std::span<const uint8_t> parts[] = {m0, m1, m2};
  Buf compound;
  encode_compound(parts, compound);
  Buf packet;
  wrap_crc(compound, packet);
  Unwrapped u;
  u.parts.push_back(PacketPart{MsgType::kNack, {}});  // unwrap appends
  unwrap_packet(packet, "", u.parts, u.errors);
  EXPECT_EQ(u.total(), 0u);
  ASSERT_EQ(u.parts.size(), 4u);
  EXPECT_EQ(u.parts[1].type, MsgType::kAlive);
  EXPECT_EQ(u.parts[2].type, MsgType::kDead);
  EXPECT_EQ(u.parts[3].type, MsgType::kUser);
  EXPECT_EQ(Buf(u.parts[3].body.begin(), u.parts[3].body.end()), (Buf{0x01, 0x80}));
  EXPECT_GE(u.parts[1].body.data(), packet.data());
  EXPECT_LT(u.parts[3].body.data(), packet.data() + packet.size());
}

TEST(MemberlistCodec, CompoundWithinACompoundUnwrapsBothLevels) {
  const Buf nack = enc(NackResp{1});
  const std::span<const uint8_t> inner_parts[] = {nack, nack};
  Buf inner;
  encode_compound(inner_parts, inner);
  const std::span<const uint8_t> outer_parts[] = {inner, nack};
  Buf outer;
  encode_compound(outer_parts, outer);
  const Unwrapped u = unwrap(outer);
  EXPECT_EQ(u.total(), 0u);
  EXPECT_EQ(u.parts.size(), 3u);
}

TEST(MemberlistCodec, CompoundsNestedBeyondTheLimitAreCompoundTooDeep) {
  Buf msg = enc(NackResp{1});
  for (int i = 0; i < kMaxNesting + 1; ++i) {
    const std::span<const uint8_t> parts[] = {msg};
    Buf wrapped;
    encode_compound(parts, wrapped);
    msg = std::move(wrapped);
  }
  expect_dropped(msg, MlError::kCompoundTooDeep);
}

TEST(MemberlistCodec, ZeroLengthCompoundPartIsEmpty) {
  const Buf nack = enc(NackResp{1});
  const std::span<const uint8_t> parts[] = {{}, nack};
  Buf compound;
  encode_compound(parts, compound);
  const Unwrapped u = unwrap(compound);
  EXPECT_EQ(u.parts.size(), 1u);
  EXPECT_EQ(u.count(MlError::kEmpty), 1u);
}

TEST(MemberlistCodec, CompressedPacketPartsDecompressIntoTheCallersScratch) {
  const Buf nack = enc(NackResp{7});
  const Buf ack = enc(AckResp{8, Bytes()});
  const std::span<const uint8_t> inner[] = {nack, ack};
  Buf compound, compressed;
  encode_compound(inner, compound);
  encode_compressed(compound, compressed);
  expect_dropped(compressed, MlError::kCompressed);  // nowhere to put the plain bytes
  UnwrapScratch scratch;
  Unwrapped u;
  unwrap_packet(compressed, "", u.parts, u.errors, &scratch);
  ASSERT_EQ(u.parts.size(), 2u);
  EXPECT_EQ(u.total(), 0u);
  EXPECT_EQ(u.parts[0].type, MsgType::kNack);
  EXPECT_EQ(u.parts[1].type, MsgType::kAck);
  AckResp got;
  ASSERT_FALSE(decode(u.parts[1].body, got));
  EXPECT_EQ(got.seq_no, 8u);
}

TEST(MemberlistCodec, CorruptCompressedPacketIsCountedAndDropped) {
  // compress{Algo: 0, Buf: a code beyond the table}, then one with an unknown algorithm.
  const Buf bad_lzw = cat({{0x09, 0x82}, fs("Algo"), {0x00}, fs("Buf"), {0xa2, 0xff, 0xff}});
  const Buf bad_algo = cat({{0x09, 0x82}, fs("Algo"), {0x07}, fs("Buf"), {0xa3, 0x00, 0x03, 0x02}});
  for (const Buf& packet : {bad_lzw, bad_algo}) {
    UnwrapScratch scratch;
    Unwrapped u;
    unwrap_packet(packet, "", u.parts, u.errors, &scratch);
    EXPECT_TRUE(u.parts.empty());
    EXPECT_EQ(u.count(MlError::kCompressed), 1u);
    EXPECT_EQ(stream_error(packet), MlError::kCompressed);
  }
}

TEST(MemberlistCodec, CompressedStreamDecodesAsTheMessageInside) {
  Buf plain, compressed;
  encode(sample_push_pull(), plain);
  encode_compressed(plain, compressed);
  StreamMessage out;
  ASSERT_FALSE(stream(compressed, out));
  EXPECT_EQ(out.type, MsgType::kPushPull);
  EXPECT_EQ(out.push_pull, sample_push_pull());
  EXPECT_EQ(stream_frame_size(compressed), compressed.size());
  Buf twice;
  encode_compressed(compressed, twice);
  EXPECT_EQ(stream_error(twice), MlError::kUnexpectedType) << "memberlist reads one layer";
  // LZW of nothing: the stream carried no message.
  const Buf empty = cat({{0x09, 0x82}, fs("Algo"), {0x00}, fs("Buf"), {0xa3, 0x00, 0x03, 0x02}});
  EXPECT_EQ(stream_error(empty), MlError::kEmpty);
}

TEST(MemberlistCodec, EncryptedMessageIsCountedUnsupported) {
  const Buf encrypted = {0x0a, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02};
  EXPECT_EQ(stream_error(encrypted), MlError::kEncrypted);
  expect_dropped(encrypted, MlError::kEncrypted);
}

TEST(MemberlistCodec, EmptyStreamIsEmpty) {
  EXPECT_EQ(stream_error(Buf{}), MlError::kEmpty);
  Buf only_label;
  append_label_header("dc1", only_label);
  EXPECT_EQ(stream_error(only_label, "dc1"), MlError::kEmpty);
}

// --- stream framing ------------------------------------------------------------------------------

std::vector<Buf> sample_streams() {
  std::vector<Buf> out;
  out.push_back(enc(sample_push_pull()));
  Ping p;
  p.seq_no = 1;
  p.node = "b";
  out.push_back(enc(p));
  out.push_back(enc(AckResp{1, {}}));
  out.push_back(enc(ErrResp{"remote error"}));
  Buf user;
  encode_user_stream(Buf(40, 0x07), user);
  out.push_back(user);
  Buf labelled;
  wrap_label("dc1", enc(p), labelled);
  out.push_back(labelled);
  out.push_back(Buf{0x0a, 0x00, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03});
  return out;
}

TEST(MemberlistCodec, StreamFrameSizeIsKnownOnceTheWholeMessageArrived) {
  for (const Buf& whole : sample_streams()) {
    std::optional<MlError> malformed;
    EXPECT_EQ(stream_frame_size(whole, &malformed), whole.size());
    EXPECT_FALSE(malformed.has_value());
    Buf longer = whole;
    longer.insert(longer.end(), {0x00, 0x85, 0xc1});  // the next bytes do not count
    EXPECT_EQ(stream_frame_size(longer), whole.size());
  }
}

TEST(MemberlistCodec, StreamFrameSizeNeedsMoreForEveryProperPrefix) {
  for (const Buf& whole : sample_streams()) {
    for (size_t n = 0; n < whole.size(); ++n) {
      std::optional<MlError> malformed;
      const Buf prefix(whole.begin(), whole.begin() + n);
      EXPECT_EQ(stream_frame_size(prefix, &malformed), std::nullopt) << n;
      EXPECT_FALSE(malformed.has_value()) << n << " " << ml_error_name(*malformed);
    }
  }
}

TEST(MemberlistCodec, StreamFrameSizeReportsMalformedBytes) {
  std::optional<MlError> malformed;
  EXPECT_EQ(stream_frame_size(Buf{0x00, 0xc1}, &malformed), std::nullopt);
  EXPECT_EQ(malformed, MlError::kBadMsgpack);
  EXPECT_EQ(stream_frame_size(Buf{0x42}, &malformed), std::nullopt);
  EXPECT_EQ(malformed, MlError::kUnknownType);
  EXPECT_EQ(stream_frame_size(Buf{0x04}, &malformed), std::nullopt);
  EXPECT_EQ(malformed, MlError::kUnexpectedType);
  EXPECT_EQ(stream_frame_size(Buf{0xf4, 0x00}, &malformed), std::nullopt);
  EXPECT_EQ(malformed, MlError::kBadLabel);
  EXPECT_EQ(stream_frame_size(Buf{0x0a, 0x01, 0x40, 0x00, 0x01}, &malformed), std::nullopt);
  EXPECT_EQ(malformed, MlError::kStreamTooLarge);
  const Buf header_over_limit = cat({{0x06, 0x83},
                                     fs("Join"),
                                     {0xc2},
                                     fs("Nodes"),
                                     {0x00},
                                     fs("UserStateLen"),
                                     {0xce, 0x01, 0x40, 0x00, 0x00}});
  EXPECT_EQ(stream_frame_size(header_over_limit, &malformed), std::nullopt);
  EXPECT_EQ(malformed, MlError::kStreamTooLarge);
}

TEST(MemberlistCodec, StreamFrameSizeGivesUpPast20MiB) {
  // A string that never ends within the stream limit.
  Buf big = {0x0d, 0x81, 0xa5, 'E', 'r', 'r', 'o', 'r', 0xdb, 0x02, 0x00, 0x00, 0x00};
  big.resize(kMaxStreamBytes + 10, 'x');
  std::optional<MlError> malformed;
  EXPECT_EQ(stream_frame_size(big, &malformed), std::nullopt);
  EXPECT_EQ(malformed, MlError::kStreamTooLarge);
}

// ---- names ----

TEST(MemberlistCodec, EveryErrorHasItsOwnName) {
  std::set<std::string> names;
  for (size_t i = 0; i < kMlErrorCount; ++i) {
    const std::string name = ml_error_name(static_cast<MlError>(i));
    EXPECT_NE(name, "unknown") << i;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), kMlErrorCount);
  EXPECT_EQ(static_cast<size_t>(MlError::kEncrypted) + 1, kMlErrorCount);
}

}  // namespace
}  // namespace rumor::core::wire::ml
