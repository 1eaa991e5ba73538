#include "core/wire/gossip_codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "base/prng.h"

namespace rumor::core::wire {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr size_t kNoLimit = std::numeric_limits<size_t>::max();
constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();
constexpr uint8_t kSyn = static_cast<uint8_t>(MessageType::kSyn);
constexpr uint8_t kAck = static_cast<uint8_t>(MessageType::kAck);
constexpr uint8_t kFeedback = static_cast<uint8_t>(MessageType::kFeedback);
constexpr uint8_t kMail = static_cast<uint8_t>(MessageType::kMail);

const MessageType kAllTypes[] = {MessageType::kSyn,   MessageType::kAck,      MessageType::kAck2,
                                 MessageType::kRumor, MessageType::kFeedback, MessageType::kMail};

Entry make_entry(NodeId origin, uint32_t generation, uint64_t counter, std::string key,
                 std::string value) {
  Entry e;
  e.origin = origin;
  e.generation = generation;
  e.counter = counter;
  e.item = make_item(std::move(key), std::move(value));
  return e;
}

Bytes encode_message(const Message& m) {
  Bytes b;
  encode(m.view(), b);
  return b;
}

DecodeError decode_bytes(const Bytes& b, Message& out, size_t max_bytes = kNoLimit) {
  return decode(b, max_bytes, out);
}

DecodeError decode_bytes(const Bytes& b) {
  Message m;
  return decode(b, kNoLimit, m);
}

// Content of an entry, so messages compare by value rather than by item pointer.
using EntryRow = std::tuple<NodeId, uint32_t, uint64_t, std::string, std::string>;
std::vector<EntryRow> rows(const std::vector<Entry>& es) {
  std::vector<EntryRow> out;
  for (const Entry& e : es)
    out.emplace_back(e.origin, e.generation, e.counter, e.key(), e.value());
  return out;
}

void expect_same(const Message& a, const Message& b) {
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.flags, b.flags);
  EXPECT_EQ(a.digests, b.digests);
  EXPECT_EQ(a.requests, b.requests);
  EXPECT_EQ(rows(a.entries), rows(b.entries));
}

// Hand-built bytes, written with the test's own LEB128 writer so that crafted inputs do not
// depend on the encoder under test.
class Raw {
 public:
  Raw(uint8_t type, uint8_t flags = 0, uint8_t version = kFormatVersion)
      : b_{version, type, flags} {}
  Raw& v(uint64_t x) {
    while (x >= 0x80) {
      b_.push_back(static_cast<uint8_t>((x & 0x7f) | 0x80));
      x >>= 7;
    }
    b_.push_back(static_cast<uint8_t>(x));
    return *this;
  }
  Raw& raw(std::initializer_list<uint8_t> bytes) {
    b_.insert(b_.end(), bytes);
    return *this;
  }
  Raw& digest(uint64_t origin, uint64_t generation, uint64_t counter) {
    return v(origin).v(generation).v(counter);
  }
  Raw& str(const std::string& s) {
    v(s.size());
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  Raw& entry(uint64_t origin, uint64_t generation, uint64_t counter, const std::string& key,
             const std::string& value) {
    return v(origin).v(generation).v(counter).str(key).str(value);
  }
  const Bytes& bytes() const { return b_; }

 private:
  Bytes b_;
};

// A message that exercises every part, with multi-byte varints in every field.
Message rich_message(MessageType type) {
  Message m;
  m.type = type;
  m.flags = type == MessageType::kSyn     ? flags::kPush | flags::kPull | flags::kPartial
            : type == MessageType::kRumor ? flags::kWantFeedback
                                          : 0;
  m.digests = {{0, 0, 0}, {130, 1, 300}, {70000, 0xffffffffu, kMaxU64}, {0xfffffffeu, 9, 1}};
  m.requests = {{3, 4, 5}, {0xfffffffeu, 0, 0}};
  m.entries = {make_entry(0, 0, 1, "", ""), make_entry(200, 7, 1ull << 40, "key", "value"),
               make_entry(0xfffffffeu, 0xffffffffu, kMaxU64, std::string("a\0b", 3),
                          std::string(300, '\xff'))};
  return m;
}

// ---- round trips and sizes ----

TEST(GossipCodec, EveryMessageTypeRoundTripsWithAllItsParts) {
  for (MessageType t : kAllTypes) {
    const Message m = rich_message(t);
    const Bytes b = encode_message(m);
    Message out;
    ASSERT_EQ(decode_bytes(b, out), DecodeError::kNone) << message_type_name(t);
    expect_same(out, m);
  }
}

TEST(GossipCodec, EmptyMessageOfEveryTypeRoundTripsInSixBytes) {
  for (MessageType t : kAllTypes) {
    Message m;
    m.type = t;
    const Bytes b = encode_message(m);
    EXPECT_EQ(b.size(), 6u);
    Message out;
    ASSERT_EQ(decode_bytes(b, out), DecodeError::kNone);
    expect_same(out, m);
  }
}

TEST(GossipCodec, ExtremeFieldValuesRoundTrip) {
  Message m;
  m.type = MessageType::kMail;
  m.flags = flags::kAll;
  std::string every_byte;
  for (int i = 0; i < 256; ++i)
    every_byte.push_back(static_cast<char>(i));
  m.entries = {
      make_entry(0, 0, 1, "", ""),
      make_entry(1, 0xffffffffu, kMaxU64, std::string(kMaxKeyBytes, 'k'), every_byte),
      make_entry(2, 1, 1, "v", std::string(kMaxValueBytes, 'v')),
      make_entry(0xfffffffeu, 0xffffffffu, kMaxU64, every_byte, ""),
  };
  m.requests = {{0, 0xffffffffu, kMaxU64}, {0xfffffffeu, 0, 0}};
  const Bytes b = encode_message(m);
  Message out;
  ASSERT_EQ(decode_bytes(b, out), DecodeError::kNone);
  expect_same(out, m);
}

TEST(GossipCodec, EncodingMatchesTheDocumentedLayoutByteForByte) {
  // Pins the wire format: a change here breaks every deployed peer.
  Message m;
  m.type = MessageType::kAck;
  m.flags = flags::kPull;
  m.digests = {{1, 2, 3}};
  m.entries = {make_entry(300, 1, 128, "k", "vv")};
  const Bytes expected = {
      1,    2,    2,       // version, type ACK, flags kPull
      1,    1,    2,   3,  // one digest {1, 2, 3}
      0,                   // no requests
      1,                   // one entry:
      0xac, 0x02,          //   origin 300 (LEB128, low group first)
      1,                   //   generation 1
      0x80, 0x01,          //   counter 128
      1,    'k',           //   key
      2,    'v',  'v',     //   value
  };
  EXPECT_EQ(encode_message(m), expected);
  EXPECT_EQ(encoded_size(m.view()), expected.size());
}

TEST(GossipCodec, EncodeAppendsToTheOutputBuffer) {
  // A driver may put its own framing (a packet header, a length prefix) in front of the message
  // in the same buffer, so encode must not clear or overwrite what is already there.
  Message m = rich_message(MessageType::kAck);
  Bytes b = {0xaa, 0xbb};
  encode(m.view(), b);
  ASSERT_EQ(b.size(), 2 + encoded_size(m.view()));
  EXPECT_EQ(b[0], 0xaa);
  EXPECT_EQ(Bytes(b.begin() + 2, b.end()), encode_message(m));
}

TEST(GossipCodec, VarintSizeChangesAtEverySevenBitBoundary) {
  EXPECT_EQ(varint_size(0), 1u);
  for (int bits = 7; bits < 64; bits += 7) {
    const uint64_t edge = uint64_t{1} << bits;
    EXPECT_EQ(varint_size(edge - 1), static_cast<size_t>(bits / 7)) << bits;
    EXPECT_EQ(varint_size(edge), static_cast<size_t>(bits / 7 + 1)) << bits;
  }
  EXPECT_EQ(varint_size(kMaxU64), 10u);
}

TEST(GossipCodec, PartSizesAddUpToTheEncodedSize) {
  const Message m = rich_message(MessageType::kSyn);
  size_t parts = 3 + varint_size(m.digests.size()) + varint_size(m.requests.size()) +
                 varint_size(m.entries.size());
  for (const Digest& d : m.digests)
    parts += digest_size(d);
  for (const Digest& d : m.requests)
    parts += digest_size(d);
  for (const Entry& e : m.entries)
    parts += entry_size(e);
  EXPECT_EQ(parts, encode_message(m).size());
}

// A random, valid message: sorted digests and requests, fields of every magnitude.
Message random_message(Prng& prng) {
  auto magnitude = [&prng](uint64_t max_bits) -> uint64_t {
    const uint64_t bits = prng.uniform(max_bits + 1);
    return bits == 0 ? 0 : prng.next_u64() >> (64 - bits);
  };
  auto sorted_digests = [&](size_t n) {
    std::vector<Digest> out;
    uint64_t origin = prng.uniform(3);
    for (size_t i = 0; i < n && origin < kNoNode; ++i) {
      out.push_back(
          {static_cast<NodeId>(origin), static_cast<uint32_t>(magnitude(32)), magnitude(64)});
      origin += 1 + magnitude(20);
    }
    return out;
  };
  Message m;
  m.type = static_cast<MessageType>(1 + prng.uniform(kMaxMessageType));
  m.flags = static_cast<uint8_t>(prng.uniform(flags::kAll + 1));
  m.digests = sorted_digests(prng.uniform(6));
  m.requests = sorted_digests(prng.uniform(6));
  const size_t n = prng.uniform(6);
  for (size_t i = 0; i < n; ++i) {
    std::string key(prng.uniform(200), 'k');
    std::string value(prng.uniform(prng.chance(0.1) ? 20000 : 200), 'v');
    for (char& c : value)
      c = static_cast<char>(prng.uniform(256));
    m.entries.push_back(make_entry(static_cast<NodeId>(magnitude(31)),
                                   static_cast<uint32_t>(magnitude(32)), 1 + magnitude(63),
                                   std::move(key), std::move(value)));
  }
  return m;
}

TEST(GossipCodec, EncodedSizeEqualsEncodeLengthAndRandomMessagesRoundTrip) {
  Prng prng(2024);
  for (int i = 0; i < 2000; ++i) {
    const Message m = random_message(prng);
    const Bytes b = encode_message(m);
    ASSERT_EQ(encoded_size(m.view()), b.size()) << "message " << i;
    Message out;
    ASSERT_EQ(decode_bytes(b, out), DecodeError::kNone) << "message " << i;
    expect_same(out, m);
  }
}

TEST(GossipCodec, EncodedSizeEqualsEncodeLengthEvenForMessagesDecodeWouldRefuse) {
  // Engines size messages before building them; the size must not depend on validity.
  Message m;
  m.type = MessageType::kSyn;
  m.digests = {{9, 1, 1}, {3, 1, 1}, {3, 1, 1}, {kNoNode, 0, 0}};
  m.entries = {make_entry(kNoNode, 0, 0, std::string(kMaxKeyBytes + 1, 'k'), "")};
  EXPECT_EQ(encoded_size(m.view()), encode_message(m).size());
}

TEST(GossipCodec, DecodeReplacesWhateverTheOutputHeld) {
  Message out;
  ASSERT_EQ(decode_bytes(encode_message(rich_message(MessageType::kSyn)), out), DecodeError::kNone);
  Message small;
  small.type = MessageType::kAck2;
  small.entries = {make_entry(1, 1, 1, "k", "v")};
  ASSERT_EQ(decode_bytes(encode_message(small), out), DecodeError::kNone);
  expect_same(out, small);
}

TEST(GossipCodec, FailedDecodeLeavesNoPartsBehind) {
  Message out;
  ASSERT_EQ(decode_bytes(encode_message(rich_message(MessageType::kAck)), out), DecodeError::kNone);
  ASSERT_EQ(decode_bytes(Raw(kAck, 0, 9).v(0).v(0).v(0).bytes(), out), DecodeError::kBadVersion);
  EXPECT_TRUE(out.digests.empty());
  EXPECT_TRUE(out.requests.empty());
  EXPECT_TRUE(out.entries.empty());
}

TEST(GossipCodec, NonMinimalVarintsAreAccepted) {
  // "Minimal length not required": 0 written as 0x80 0x00 and 5 as 0x85 0x80 0x00.
  const Bytes b = Raw(kSyn).v(1).raw({0x80, 0x00}).raw({0x85, 0x80, 0x00}).v(7).v(0).v(0).bytes();
  Message out;
  ASSERT_EQ(decode_bytes(b, out), DecodeError::kNone);
  ASSERT_EQ(out.digests.size(), 1u);
  EXPECT_EQ(out.digests[0], (Digest{0, 5, 7}));
}

TEST(GossipCodec, TenByteVarintsUpToTwoToTheSixtyFourMinusOneAreAccepted) {
  // Counter 2^63: nine continuation bytes of zero bits and a tenth byte of 1.
  const Bytes b = Raw(kSyn)
                      .v(2)
                      .v(1)
                      .v(0)
                      .raw({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})
                      .v(2)
                      .v(0)
                      .raw({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
                      .v(0)
                      .v(0)
                      .bytes();
  Message out;
  ASSERT_EQ(decode_bytes(b, out), DecodeError::kNone);
  ASSERT_EQ(out.digests.size(), 2u);
  EXPECT_EQ(out.digests[0].counter, uint64_t{1} << 63);
  EXPECT_EQ(out.digests[1].counter, kMaxU64);
}

// ---- each DecodeError from a crafted input ----

TEST(GossipCodec, EveryProperPrefixOfAValidMessageIsTruncated) {
  for (MessageType t : kAllTypes) {
    const Bytes b = encode_message(rich_message(t));
    for (size_t cut = 0; cut < b.size(); ++cut) {
      const Bytes prefix(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(cut));
      ASSERT_EQ(decode_bytes(prefix), DecodeError::kTruncated)
          << message_type_name(t) << " cut at " << cut << " of " << b.size();
    }
  }
}

TEST(GossipCodec, InputOverMaxBytesIsOversizeAndExactlyMaxBytesIsAccepted) {
  const Bytes b = encode_message(rich_message(MessageType::kRumor));
  Message out;
  EXPECT_EQ(decode_bytes(b, out, b.size()), DecodeError::kNone);
  EXPECT_EQ(decode_bytes(b, out, b.size() - 1), DecodeError::kOversize);
  EXPECT_EQ(decode_bytes(b, out, 0), DecodeError::kOversize);
}

TEST(GossipCodec, BytesAfterTheLastEntryAreTrailing) {
  Bytes b = encode_message(rich_message(MessageType::kMail));
  b.push_back(0);
  EXPECT_EQ(decode_bytes(b), DecodeError::kTrailingBytes);
}

TEST(GossipCodec, UnknownFormatVersionIsRefused) {
  const uint8_t kVersions[] = {0, 2, 255};
  for (uint8_t version : kVersions) {
    EXPECT_EQ(decode_bytes(Raw(kSyn, 0, version).v(0).v(0).v(0).bytes()), DecodeError::kBadVersion)
        << int{version};
  }
}

TEST(GossipCodec, TypeZeroAndTypesAboveMailAreRefused) {
  const uint8_t kBadTypes[] = {0, 7, 255};
  for (uint8_t type : kBadTypes)
    EXPECT_EQ(decode_bytes(Raw(type).v(0).v(0).v(0).bytes()), DecodeError::kBadType) << int{type};
  for (uint8_t type = 1; type <= kMaxMessageType; ++type)
    EXPECT_EQ(decode_bytes(Raw(type).v(0).v(0).v(0).bytes()), DecodeError::kNone) << int{type};
}

TEST(GossipCodec, UnknownFlagBitsAreRefusedAndKnownOnesAccepted) {
  const uint8_t kUnknownBits[] = {128};
  for (uint8_t bit : kUnknownBits)
    EXPECT_EQ(decode_bytes(Raw(kSyn, bit).v(0).v(0).v(0).bytes()), DecodeError::kBadFlags)
        << int{bit};
  EXPECT_EQ(decode_bytes(Raw(kSyn, flags::kAll | 128).v(0).v(0).v(0).bytes()),
            DecodeError::kBadFlags);
  EXPECT_EQ(decode_bytes(Raw(kSyn, flags::kAll).v(0).v(0).v(0).bytes()), DecodeError::kNone);
}

TEST(GossipCodec, ElevenByteVarintOverflows) {
  const Bytes b = Raw(kSyn)
                      .raw({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00})
                      .v(0)
                      .v(0)
                      .bytes();
  EXPECT_EQ(decode_bytes(b), DecodeError::kVarintOverflow);
}

TEST(GossipCodec, TenthVarintByteAboveOneOverflows) {
  // The tenth byte carries bit 63 only; 2 there would be bit 64.
  const uint8_t kTenthBytes[] = {0x02, 0x7f, 0x81};
  for (uint8_t tenth : kTenthBytes) {
    const Bytes b = Raw(kSyn)
                        .v(1)
                        .v(1)
                        .v(0)
                        .raw({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, tenth})
                        .v(0)
                        .v(0)
                        .bytes();
    EXPECT_EQ(decode_bytes(b), DecodeError::kVarintOverflow) << int{tenth};
  }
}

TEST(GossipCodec, GenerationAboveThirtyTwoBitsIsOutOfRange) {
  const uint64_t too_big = uint64_t{1} << 32;
  EXPECT_EQ(decode_bytes(Raw(kSyn).v(1).digest(1, too_big, 1).v(0).v(0).bytes()),
            DecodeError::kFieldRange);
  EXPECT_EQ(decode_bytes(Raw(kSyn).v(0).v(1).digest(1, too_big, 1).v(0).bytes()),
            DecodeError::kFieldRange);
  EXPECT_EQ(decode_bytes(Raw(kMail).v(0).v(0).v(1).entry(1, too_big, 1, "k", "v").bytes()),
            DecodeError::kFieldRange);
  EXPECT_EQ(decode_bytes(Raw(kMail).v(0).v(0).v(1).entry(1, too_big - 1, 1, "k", "v").bytes()),
            DecodeError::kNone);
}

TEST(GossipCodec, OriginNoNodeOrWiderIsOutOfRange) {
  for (uint64_t origin : {uint64_t{kNoNode}, uint64_t{1} << 32, kMaxU64}) {
    EXPECT_EQ(decode_bytes(Raw(kSyn).v(1).digest(origin, 1, 1).v(0).v(0).bytes()),
              DecodeError::kFieldRange)
        << origin;
    EXPECT_EQ(decode_bytes(Raw(kAck).v(0).v(1).digest(origin, 1, 1).v(0).bytes()),
              DecodeError::kFieldRange)
        << origin;
    EXPECT_EQ(decode_bytes(Raw(kMail).v(0).v(0).v(1).entry(origin, 1, 1, "k", "v").bytes()),
              DecodeError::kFieldRange)
        << origin;
  }
}

TEST(GossipCodec, EntryCounterZeroIsOutOfRangeButDigestCounterZeroMeansNothing) {
  EXPECT_EQ(decode_bytes(Raw(kMail).v(0).v(0).v(1).entry(1, 1, 0, "k", "v").bytes()),
            DecodeError::kFieldRange);
  EXPECT_EQ(decode_bytes(Raw(kSyn).v(1).digest(1, 0, 0).v(1).digest(1, 0, 0).v(0).bytes()),
            DecodeError::kNone);
}

TEST(GossipCodec, SynDigestsOutOfOrderOrRepeatedAreUnsorted) {
  EXPECT_EQ(decode_bytes(Raw(kSyn).v(2).digest(5, 1, 1).digest(3, 1, 1).v(0).v(0).bytes()),
            DecodeError::kUnsorted);
  EXPECT_EQ(decode_bytes(Raw(kSyn).v(2).digest(5, 1, 1).digest(5, 2, 1).v(0).v(0).bytes()),
            DecodeError::kUnsorted);
  EXPECT_EQ(decode_bytes(Raw(kSyn).v(2).digest(3, 1, 1).digest(5, 1, 1).v(0).v(0).bytes()),
            DecodeError::kNone);
}

TEST(GossipCodec, DigestsOfEveryTypeButFeedbackMustAscend) {
  for (uint8_t type = 1; type <= kMaxMessageType; ++type) {
    const DecodeError expected = type == kFeedback ? DecodeError::kNone : DecodeError::kUnsorted;
    EXPECT_EQ(decode_bytes(Raw(type).v(2).digest(5, 1, 1).digest(5, 1, 2).v(0).v(0).bytes()),
              expected)
        << int{type};
  }
}

TEST(GossipCodec, FeedbackDigestsMayRepeatAnOriginInAnyOrder) {
  const Bytes b =
      Raw(kFeedback).v(3).digest(5, 1, 2).digest(5, 1, 1).digest(2, 0, 9).v(0).v(0).bytes();
  Message out;
  ASSERT_EQ(decode_bytes(b, out), DecodeError::kNone);
  const std::vector<Digest> expected = {{5, 1, 2}, {5, 1, 1}, {2, 0, 9}};
  EXPECT_EQ(out.digests, expected);
}

TEST(GossipCodec, RequestsMustAscendInEveryTypeIncludingFeedback) {
  for (uint8_t type = 1; type <= kMaxMessageType; ++type) {
    EXPECT_EQ(decode_bytes(Raw(type).v(0).v(2).digest(4, 1, 1).digest(4, 1, 1).v(0).bytes()),
              DecodeError::kUnsorted)
        << int{type};
  }
}

TEST(GossipCodec, KeyLongerThanTheLimitIsRefused) {
  const std::string at_limit(kMaxKeyBytes, 'k');
  const std::string over(kMaxKeyBytes + 1, 'k');
  EXPECT_EQ(decode_bytes(Raw(kMail).v(0).v(0).v(1).entry(1, 1, 1, at_limit, "").bytes()),
            DecodeError::kNone);
  EXPECT_EQ(decode_bytes(Raw(kMail).v(0).v(0).v(1).entry(1, 1, 1, over, "").bytes()),
            DecodeError::kKeyTooLong);
  // A claimed length alone is enough: the bytes need not be there.
  EXPECT_EQ(decode_bytes(Raw(kMail).v(0).v(0).v(1).digest(1, 1, 1).v(kMaxU64).v(0).bytes()),
            DecodeError::kKeyTooLong);
}

TEST(GossipCodec, ValueLongerThanTheLimitIsRefused) {
  const std::string at_limit(kMaxValueBytes, 'v');
  const std::string over(kMaxValueBytes + 1, 'v');
  EXPECT_EQ(decode_bytes(Raw(kMail).v(0).v(0).v(1).entry(1, 1, 1, "k", at_limit).bytes()),
            DecodeError::kNone);
  EXPECT_EQ(decode_bytes(Raw(kMail).v(0).v(0).v(1).entry(1, 1, 1, "k", over).bytes()),
            DecodeError::kValueTooLong);
  EXPECT_EQ(
      decode_bytes(Raw(kMail).v(0).v(0).v(1).digest(1, 1, 1).str("k").v(kMaxU64 >> 1).bytes()),
      DecodeError::kValueTooLong);
}

TEST(GossipCodec, StringLengthWithinLimitButPastTheEndIsTruncated) {
  EXPECT_EQ(decode_bytes(Raw(kMail).v(0).v(0).v(1).digest(1, 1, 1).v(10).raw({'a', 'b'}).bytes()),
            DecodeError::kTruncated);
}

TEST(GossipCodec, HugeClaimedCountsAreTruncatedBeforeAnythingIsReserved) {
  for (uint64_t count : {uint64_t{1} << 62, kMaxU64, uint64_t{1000}}) {
    Message out;
    EXPECT_EQ(decode_bytes(Raw(kFeedback).v(count).digest(1, 1, 1).bytes(), out),
              DecodeError::kTruncated);
    EXPECT_EQ(out.digests.capacity(), 0u) << count;

    EXPECT_EQ(decode_bytes(Raw(kAck).v(0).v(count).digest(1, 1, 1).bytes(), out),
              DecodeError::kTruncated);
    EXPECT_EQ(out.requests.capacity(), 0u) << count;

    EXPECT_EQ(decode_bytes(Raw(kMail).v(0).v(0).v(count).entry(1, 1, 1, "", "").bytes(), out),
              DecodeError::kTruncated);
    EXPECT_EQ(out.entries.capacity(), 0u) << count;
  }
}

TEST(GossipCodec, ACountTheInputCouldHoldReservesNoMoreThanTheInputAllows) {
  // 100 three-byte digests fit the input, but the message then ends: truncated, and what was
  // reserved on the way is bounded by the input's size.
  Raw r(kFeedback);
  r.v(100);
  for (int i = 0; i < 100; ++i)
    r.digest(1, 1, 1);
  const Bytes& b = r.bytes();
  Message out;
  EXPECT_EQ(decode_bytes(b, out), DecodeError::kTruncated);
  EXPECT_LE(out.digests.capacity() * 3, b.size());
}

TEST(GossipCodec, EmptyInputIsTruncated) {
  EXPECT_EQ(decode_bytes(Bytes{}), DecodeError::kTruncated);
}

TEST(GossipCodec, EveryDecodeErrorHasItsOwnName) {
  std::set<std::string> names;
  for (size_t i = 0; i < kDecodeErrorCount; ++i) {
    const std::string name = decode_error_name(static_cast<DecodeError>(i));
    EXPECT_NE(name, "unknown") << i;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), kDecodeErrorCount);
  EXPECT_STREQ(decode_error_name(DecodeError::kNone), "none");
}

TEST(GossipCodec, EveryMessageTypeHasItsOwnName) {
  std::set<std::string> names;
  for (MessageType t : kAllTypes)
    names.insert(message_type_name(t));
  EXPECT_EQ(names.size(), std::size(kAllTypes));
  EXPECT_EQ(names.count("unknown"), 0u);
}

TEST(GossipCodec, MutatedMessagesNeverCrashAndWhatDecodesReencodesStably) {
  // A deterministic miniature of fuzz/gossip_codec_fuzz.cc that runs with every test build.
  Prng prng(77);
  for (int i = 0; i < 3000; ++i) {
    Bytes b = encode_message(random_message(prng));
    const uint64_t edits = 1 + prng.uniform(4);
    for (uint64_t k = 0; k < edits; ++k) {
      switch (prng.uniform(3)) {
        case 0:
          b[prng.uniform(b.size())] = static_cast<uint8_t>(prng.uniform(256));
          break;
        case 1:
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(prng.uniform(b.size() + 1)),
                   static_cast<uint8_t>(prng.uniform(256)));
          break;
        default:
          if (b.size() > 1)
            b.erase(b.begin() + static_cast<std::ptrdiff_t>(prng.uniform(b.size())));
          break;
      }
    }
    Message first;
    if (decode_bytes(b, first) != DecodeError::kNone) continue;
    const Bytes again = encode_message(first);
    ASSERT_LE(again.size(), b.size()) << "input " << i;
    Message second;
    ASSERT_EQ(decode_bytes(again, second), DecodeError::kNone) << "input " << i;
    ASSERT_EQ(encode_message(second), again) << "input " << i;
  }
}

TEST(GossipMessage, AssignCopiesAViewAndClearEmptiesIt) {
  const Message source = rich_message(MessageType::kAck2);
  Message copy;
  copy.assign(source.view());
  expect_same(copy, source);
  copy.clear();
  EXPECT_EQ(copy.flags, 0);
  EXPECT_TRUE(copy.digests.empty());
  EXPECT_TRUE(copy.requests.empty());
  EXPECT_TRUE(copy.entries.empty());
}

}  // namespace
}  // namespace rumor::core::wire
