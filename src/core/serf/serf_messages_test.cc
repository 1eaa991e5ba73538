#include "core/serf/serf_messages.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/prng.h"
#include "core/wire/go_msgpack.h"

namespace rumor::core::serf {
namespace {

using Buf = std::vector<uint8_t>;
using wire::gomsgpack::Encoder;

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
Bytes bytes(std::string_view s) {
  return Bytes(raw(s));
}
Nilable<std::vector<std::string>> strings(std::vector<std::string> v) {
  return Nilable<std::vector<std::string>>(std::move(v));
}

template <typename T>
Buf enc(const T& m) {
  Buf out;
  encode(m, out);
  return out;
}
Buf enc_filter(const Filter& f) {
  Buf out;
  encode_filter(f, out);
  return out;
}

// Encodes, checks the type byte, decodes both ways (typed and through decode_message), and
// expects the same value back and the same bytes again.
template <typename T>
void expect_round_trip(const T& m, MessageType type) {
  const Buf msg = enc(m);
  ASSERT_FALSE(msg.empty());
  EXPECT_EQ(msg[0], static_cast<uint8_t>(type));
  EXPECT_EQ(peek_type(msg), type);
  T back;
  const auto e = decode(msg, back);
  ASSERT_FALSE(e.has_value()) << serf_error_name(*e);
  EXPECT_EQ(back, m);
  EXPECT_EQ(enc(back), msg);
  Message any;
  const auto e2 = decode_message(msg, any);
  ASSERT_FALSE(e2.has_value()) << serf_error_name(*e2);
  EXPECT_EQ(type_of(any), type);
  EXPECT_EQ(any, Message(m));
}

template <typename T>
std::optional<SerfError> decode_as(const Buf& msg) {
  T out;
  return decode(msg, out);
}

// A message of type `type` whose body is the map `body_pairs` pairs long, written by `fill`.
template <typename F>
Buf message(MessageType type, uint32_t body_pairs, F&& fill) {
  Buf out{static_cast<uint8_t>(type)};
  Encoder e(out);
  e.map_header(body_pairs);
  fill(e, out);
  return out;
}

// A push-pull whose only field is `key` with an array of `n` copies of `elem`.
Buf push_pull_with_array(std::string_view key, uint32_t n, const Buf& elem) {
  return message(MessageType::kPushPull, 1, [&](Encoder& e, Buf& out) {
    e.str(key);
    e.array_header(n);
    for (uint32_t i = 0; i < n; ++i)
      out.insert(out.end(), elem.begin(), elem.end());
  });
}

UserEvent sample_user_event() {
  return UserEvent{7, "deploy", bytes("v1.2.3"), true};
}

Query sample_query() {
  Query q;
  q.ltime = 3;
  q.id = 0x7fffffff;
  q.addr = Bytes(Buf{127, 0, 0, 1});
  q.port = 7946;
  q.source_node = "origin";
  q.filters = Nilable<std::vector<Bytes>>({Bytes(enc_filter(NodeFilter{strings({"a", "b"})})),
                                           Bytes(enc_filter(TagFilter{"role", "^web"}))});
  q.flags = kQueryFlagAck | kQueryFlagNoBroadcast;
  q.relay_factor = 2;
  q.timeout_ns = 3'200'000'000;
  q.name = "uptime";
  q.payload = bytes("now?");
  return q;
}

Member sample_member() {
  Member m;
  m.name = "web-1";
  m.addr = Bytes(Buf{10, 0, 0, 9});
  m.port = 7946;
  m.tags = Nilable<wire::Tags>({{"role", "web"}, {"dc", "x"}});
  m.status = MemberStatus::kAlive;
  m.protocol_min = 1;
  m.protocol_max = 5;
  m.protocol_cur = 2;
  m.delegate_min = 2;
  m.delegate_max = 5;
  m.delegate_cur = 4;
  return m;
}

PushPull sample_push_pull() {
  PushPull pp;
  pp.ltime = 40;
  pp.status_ltimes = Nilable<std::map<std::string, uint64_t>>({{"a", 1}, {"b", 70000}, {"c", 3}});
  pp.left_members = strings({"c"});
  pp.event_ltime = 9;
  pp.events.is_nil = false;
  pp.events.value.resize(kMaxEventSlots);
  pp.events.value[7] =
      EventSlot{7, Nilable<std::vector<RingEvent>>({RingEvent{"deploy", bytes("v1")}})};
  pp.events.value[8] = EventSlot{
      8, Nilable<std::vector<RingEvent>>({RingEvent{"x", Bytes()}, RingEvent{"y", Bytes(Buf{})}})};
  pp.query_ltime = 5;
  return pp;
}

Relay sample_relay() {
  Relay r;
  r.dest_addr = UdpAddr{Bytes(Buf{127, 0, 0, 1}), 8080, ""};
  r.dest_name = "b";
  r.message = enc(QueryResponse{3, 9, "c", 0, bytes("pong")});
  return r;
}

// --- round trips -----------------------------------------------------------------------------

TEST(SerfMessages, LeaveIntentRoundTrips) {
  expect_round_trip(LeaveIntent{12, "leaver", true}, MessageType::kLeave);
  expect_round_trip(LeaveIntent{}, MessageType::kLeave);
}

TEST(SerfMessages, JoinIntentRoundTrips) {
  expect_round_trip(JoinIntent{UINT64_MAX, std::string(512, 'n')}, MessageType::kJoin);
}

TEST(SerfMessages, PushPullRoundTripsWithItsWholeRing) {
  expect_round_trip(sample_push_pull(), MessageType::kPushPull);
  expect_round_trip(PushPull{}, MessageType::kPushPull);
}

TEST(SerfMessages, UserEventRoundTrips) {
  expect_round_trip(sample_user_event(), MessageType::kUserEvent);
  expect_round_trip(UserEvent{1, "e", Bytes(), false}, MessageType::kUserEvent);
}

TEST(SerfMessages, QueryRoundTripsWithFiltersAndNegativeTimeout) {
  expect_round_trip(sample_query(), MessageType::kQuery);
  Query q;
  q.timeout_ns = -5'000'000'000;
  expect_round_trip(q, MessageType::kQuery);
}

TEST(SerfMessages, QueryResponseRoundTrips) {
  expect_round_trip(QueryResponse{3, 99, "responder", kQueryFlagAck, Bytes()},
                    MessageType::kQueryResponse);
  expect_round_trip(QueryResponse{3, 99, "responder", 0, bytes("answer")},
                    MessageType::kQueryResponse);
}

TEST(SerfMessages, ConflictResponseRoundTripsWithAndWithoutMember) {
  expect_round_trip(ConflictResponse{sample_member()}, MessageType::kConflictResponse);
  expect_round_trip(ConflictResponse{}, MessageType::kConflictResponse);
  Member no_tags = sample_member();
  no_tags.tags = {};
  no_tags.status = MemberStatus::kFailed;
  expect_round_trip(ConflictResponse{no_tags}, MessageType::kConflictResponse);
}

TEST(SerfMessages, KeyRequestAndResponseRoundTrip) {
  expect_round_trip(KeyRequest{Bytes(Buf(32, 0xab))}, MessageType::kKeyRequest);
  expect_round_trip(KeyResponse{true, "", strings({"a2V5MQ==", "a2V5Mg=="}), "a2V5MQ=="},
                    MessageType::kKeyResponse);
  expect_round_trip(KeyResponse{false, "No keyring to modify", {}, ""}, MessageType::kKeyResponse);
}

TEST(SerfMessages, RelayRoundTripsWithItsInnerMessageRaw) {
  const Relay r = sample_relay();
  expect_round_trip(r, MessageType::kRelay);
  Relay back;
  ASSERT_FALSE(decode(enc(r), back));
  QueryResponse inner;
  ASSERT_FALSE(decode(back.message, inner));
  EXPECT_EQ(inner, (QueryResponse{3, 9, "c", 0, bytes("pong")}));
}

TEST(SerfMessages, EncodeOfTheVariantMatchesEncodeOfTheAlternative) {
  EXPECT_EQ(enc(Message(sample_query())), enc(sample_query()));
  EXPECT_EQ(enc(Message(sample_relay())), enc(sample_relay()));
}

TEST(SerfFilters, NodeAndTagFiltersRoundTrip) {
  for (const Filter& f : {Filter(NodeFilter{strings({"a", "bb", std::string(512, 'c')})}),
                          Filter(NodeFilter{}), Filter(TagFilter{"role", "^(web|db)$"})}) {
    Filter back;
    const auto e = decode_filter(enc_filter(f), back);
    ASSERT_FALSE(e.has_value()) << serf_error_name(*e);
    EXPECT_EQ(back, f);
  }
}

// --- exact bytes (fact sheet §8, seen on the wire) ------------------------------------------

TEST(SerfMessages, JoinIntentIsTheWireExampleByteForByte) {
  const Buf want = cat({{0x01, 0x82}, fs("LTime"), {0x01}, fs("Node"), fs("b")});
  EXPECT_EQ(enc(JoinIntent{1, "b"}), want);
  JoinIntent back;
  ASSERT_FALSE(decode(want, back));
  EXPECT_EQ(back, (JoinIntent{1, "b"}));
}

TEST(SerfMessages, LeaveIntentKeysAreSorted) {
  EXPECT_EQ(enc(LeaveIntent{5, "x", true}),
            cat({{0x00, 0x83}, fs("LTime"), {0x05}, fs("Node"), fs("x"), fs("Prune"), {0xc3}}));
}

TEST(SerfFilters, NodeFilterIsTheWireExampleByteForByte) {
  const Buf want = {0x00, 0x91, 0xa1, 'a'};
  EXPECT_EQ(enc_filter(NodeFilter{strings({"a"})}), want);
  Filter back;
  ASSERT_FALSE(decode_filter(want, back));
  EXPECT_EQ(back, Filter(NodeFilter{strings({"a"})}));
}

TEST(SerfFilters, TagFilterIsTheWireExampleByteForByte) {
  const Buf want = cat({{0x01, 0x82}, fs("Expr"), fs("web"), fs("Tag"), fs("role")});
  EXPECT_EQ(enc_filter(TagFilter{"role", "web"}), want);
  Filter back;
  ASSERT_FALSE(decode_filter(want, back));
  EXPECT_EQ(back, Filter(TagFilter{"role", "web"}));
}

TEST(SerfMessages, IdlePushPullCarriesAnArrayOf512NilSlots) {
  PushPull pp;
  pp.events = Nilable<std::vector<std::optional<EventSlot>>>(
      std::vector<std::optional<EventSlot>>(kMaxEventSlots));
  Buf want = cat({{0x02, 0x86}, fs("EventLTime"), {0x00}, fs("Events"), {0xdc, 0x02, 0x00}});
  want.insert(want.end(), kMaxEventSlots, 0xc0);
  want = cat({want,
              fs("LTime"),
              {0x00},
              fs("LeftMembers"),
              {0xc0},
              fs("QueryLTime"),
              {0x00},
              fs("StatusLTimes"),
              {0xc0}});
  EXPECT_EQ(enc(pp), want);
  PushPull back;
  ASSERT_FALSE(decode(want, back));
  EXPECT_EQ(back, pp);
}

TEST(SerfMessages, QueryTimeoutGoesOutInItsSmallestUnsignedForm) {
  Query q;
  q.timeout_ns = 2'000'000'000;
  const Buf msg = enc(q);
  const Buf timeout = cat({fs("Timeout"), {0xce, 0x77, 0x35, 0x94, 0x00}});
  EXPECT_TRUE(std::search(msg.begin(), msg.end(), timeout.begin(), timeout.end()) != msg.end());
  q.timeout_ns = -1;
  const Buf neg = enc(q);
  EXPECT_EQ(Buf(neg.end() - 9, neg.end()), cat({fs("Timeout"), {0xff}}));
}

TEST(SerfMessages, ConflictResponseForAnUnknownNodeIsNil) {
  EXPECT_EQ(enc(ConflictResponse{}), (Buf{0x06, 0xc0}));
}

TEST(SerfMessages, MemberEncodesTagsInKeyOrderAndStatusAsAnInt) {
  Member m;
  m.tags = Nilable<wire::Tags>({{"role", "web"}, {"dc", "x"}});
  m.status = MemberStatus::kLeft;
  const Buf msg = enc(ConflictResponse{m});
  const Buf tail =
      cat({fs("Status"), {0x03}, fs("Tags"), {0x82}, fs("dc"), fs("x"), fs("role"), fs("web")});
  EXPECT_EQ(Buf(msg.end() - static_cast<ptrdiff_t>(tail.size()), msg.end()), tail);
}

TEST(SerfMessages, RelayIsHeaderThenTheInnerBytesAppended) {
  Relay r;
  r.dest_addr = UdpAddr{Bytes(Buf{127, 0, 0, 1}), 8090, ""};
  r.dest_name = "b";
  r.message = {0x05, 0xc0};
  const Buf want = cat({{0x09, 0x82},
                        fs("DestAddr"),
                        {0x83},
                        fs("IP"),
                        {0xa4, 127, 0, 0, 1},
                        fs("Port"),
                        {0xcd, 0x1f, 0x9a},
                        fs("Zone"),
                        {0xa0},
                        fs("DestName"),
                        fs("b"),
                        {0x05, 0xc0}});
  EXPECT_EQ(enc(r), want);
}

TEST(SerfMessages, KeyRequestSends32ByteKeyAsStr16) {
  const Buf msg = enc(KeyRequest{Bytes(Buf(32, 0x11))});
  EXPECT_EQ(Buf(msg.begin(), msg.begin() + 9), cat({{0x07, 0x81}, fs("Key"), {0xda, 0x00, 0x20}}));
}

// --- nil versus empty ------------------------------------------------------------------------

TEST(SerfMessages, NilAndEmptyListsMapsAndBytesStayDistinct) {
  PushPull nils;
  PushPull empties;
  empties.status_ltimes.is_nil = false;
  empties.left_members.is_nil = false;
  empties.events.is_nil = false;
  const Buf a = enc(nils);
  const Buf b = enc(empties);
  EXPECT_EQ(std::count(a.begin(), a.end(), 0xc0), 3);
  EXPECT_EQ(std::count(b.begin(), b.end(), 0xc0), 0);
  PushPull back;
  ASSERT_FALSE(decode(a, back));
  EXPECT_EQ(back, nils);
  ASSERT_FALSE(decode(b, back));
  EXPECT_EQ(back, empties);

  UserEvent nil_payload{1, "e", Bytes(), false};
  UserEvent empty_payload{1, "e", Bytes(Buf{}), false};
  EXPECT_EQ(enc(nil_payload).back(), 0xc0);
  EXPECT_EQ(enc(empty_payload).back(), 0xa0);
  expect_round_trip(empty_payload, MessageType::kUserEvent);
}

TEST(SerfMessages, ContainerHoldingDataIsNeverWrittenAsNil) {
  KeyResponse r;
  r.keys.value = {"k"};  // is_nil still true
  KeyResponse back;
  ASSERT_FALSE(decode(enc(r), back));
  EXPECT_FALSE(back.keys.is_nil);
  EXPECT_EQ(back.keys.value, std::vector<std::string>{"k"});
}

TEST(SerfMessages, NilBodyDecodesToTheZeroValue) {
  JoinIntent j;
  ASSERT_FALSE(decode(Buf{0x01, 0xc0}, j));
  EXPECT_EQ(j, JoinIntent{});
  ConflictResponse c{sample_member()};
  ASSERT_FALSE(decode(Buf{0x06, 0xc0}, c));
  EXPECT_FALSE(c.member.has_value());
}

// --- lenient decoding ------------------------------------------------------------------------

TEST(SerfMessages, DecoderTakesAnyIntWidthStr8BinAndNilFields) {
  // LTime as a u64 holding 1, Node as str8, Prune as nil; Payload-like bytes as bin.
  const Buf leave = cat({{0x00, 0x83},
                         fs("LTime"),
                         {0xcf, 0, 0, 0, 0, 0, 0, 0, 1},
                         fs("Node"),
                         {0xd9, 0x01, 'x'},
                         fs("Prune"),
                         {0xc0}});
  LeaveIntent l;
  ASSERT_FALSE(decode(leave, l));
  EXPECT_EQ(l, (LeaveIntent{1, "x", false}));

  const Buf event =
      cat({{0x03, 0x82}, fs("Name"), {0xc4, 0x01, 'n'}, fs("Payload"), {0xc4, 0x02, 'p', 'q'}});
  UserEvent u;
  ASSERT_FALSE(decode(event, u));
  EXPECT_EQ(u, (UserEvent{0, "n", bytes("pq"), false}));
}

TEST(SerfMessages, UnknownKeysAreSkippedAndMissingKeysStayZero) {
  const Buf msg = cat({{0x01, 0x83},
                       fs("Extra"),
                       {0x92, 0x01, 0x81, 0xa1, 'k', 0x02},
                       fs("Node"),
                       fs("n"),
                       fs("ltime"),
                       {0x05}});
  JoinIntent j;
  ASSERT_FALSE(decode(msg, j));
  EXPECT_EQ(j, (JoinIntent{0, "n"}));  // keys are case-sensitive: "ltime" is unknown
}

TEST(SerfMessages, StructAsArrayDecodesInGoFieldOrder) {
  // messageQueryResponse{LTime, ID, From, Flags, Payload} as an array, one extra element.
  const Buf msg = cat({{0x05, 0x96, 0x03, 0x04}, fs("f"), {0x01, 0xc4, 0x01, 0x7a, 0x09}});
  QueryResponse r;
  ASSERT_FALSE(decode(msg, r));
  EXPECT_EQ(r, (QueryResponse{3, 4, "f", 1, bytes("z")}));
}

TEST(SerfMessages, StatusLTimesDecodeInAnyOrderAndEncodeSorted) {
  const Buf msg = message(MessageType::kPushPull, 1, [](Encoder& e, Buf&) {
    e.str("StatusLTimes");
    e.map_header(3);
    for (const auto& [k, v] : {std::pair{"zz", 1}, {"a", 2}, {"m", 3}}) {
      e.str(k);
      e.uint(v);
    }
  });
  PushPull pp;
  ASSERT_FALSE(decode(msg, pp));
  EXPECT_EQ(pp.status_ltimes.value,
            (std::map<std::string, uint64_t>{{"a", 2}, {"m", 3}, {"zz", 1}}));
  const Buf out = enc(pp);
  const Buf sorted =
      cat({fs("StatusLTimes"), {0x83}, fs("a"), {0x02}, fs("m"), {0x03}, fs("zz"), {0x01}});
  EXPECT_EQ(Buf(out.end() - static_cast<ptrdiff_t>(sorted.size()), out.end()), sorted);
}

TEST(SerfMessages, BytesAfterTheBodyAreIgnored) {
  Buf msg = enc(JoinIntent{4, "n"});
  msg.push_back(0xc1);
  JoinIntent j;
  ASSERT_FALSE(decode(msg, j));
  EXPECT_EQ(j, (JoinIntent{4, "n"}));
}

TEST(SerfMessages, LimitsAtTheirCapAreAccepted) {
  expect_round_trip(UserEvent{1, "e", Bytes(Buf(kMaxUserEventBytes - 1, 1)), false},
                    MessageType::kUserEvent);

  PushPull pp = sample_push_pull();
  pp.events.value[0] = EventSlot{0, Nilable<std::vector<RingEvent>>(std::vector<RingEvent>(
                                        kMaxEventsPerSlot, RingEvent{"e", Bytes()}))};
  pp.events.value[1] = EventSlot{
      1, Nilable<std::vector<RingEvent>>({RingEvent{"n", Bytes(Buf(kMaxUserEventBytes - 1, 1))}})};
  expect_round_trip(pp, MessageType::kPushPull);

  Query q;
  q.filters.is_nil = false;
  q.filters.value.assign(kMaxQueryFilters, Bytes(Buf{0x00, 0xc0}));
  expect_round_trip(q, MessageType::kQuery);
}

// --- every error --------------------------------------------------------------------------------

TEST(SerfErrors, EveryErrorHasItsOwnName) {
  std::set<std::string> names;
  for (size_t i = 0; i < kSerfErrorCount; ++i) {
    const std::string name = serf_error_name(static_cast<SerfError>(i));
    EXPECT_NE(name, "unknown");
    names.insert(name);
  }
  EXPECT_EQ(names.size(), kSerfErrorCount);
  SerfErrorCounts counts{};
  count(counts, SerfError::kTooManyTags);
  EXPECT_EQ(counts[static_cast<size_t>(SerfError::kTooManyTags)], 1u);
}

TEST(SerfErrors, EmptyInputIsEmpty) {
  Message m;
  EXPECT_EQ(decode_message({}, m), SerfError::kEmpty);
  EXPECT_EQ(decode_as<JoinIntent>({}), SerfError::kEmpty);
  Filter f;
  EXPECT_EQ(decode_filter({}, f), SerfError::kEmpty);
  EXPECT_EQ(peek_type({}), std::nullopt);
}

TEST(SerfErrors, UndefinedTypeBytesAreUnknownType) {
  Message m;
  EXPECT_EQ(decode_message(Buf{0x0a, 0xc0}, m), SerfError::kUnknownType);
  EXPECT_EQ(decode_message(Buf{0xff}, m), SerfError::kUnknownType);
  EXPECT_EQ(decode_as<Relay>(Buf{0x0a, 0xc0}), SerfError::kUnknownType);
  EXPECT_EQ(peek_type(Buf{0x0a}), std::nullopt);
  Filter f;
  EXPECT_EQ(decode_filter(Buf{0x02, 0x90}, f), SerfError::kUnknownType);
}

TEST(SerfErrors, AnotherDefinedTypeIsUnexpectedType) {
  EXPECT_EQ(decode_as<LeaveIntent>(enc(JoinIntent{1, "b"})), SerfError::kUnexpectedType);
  EXPECT_EQ(decode_as<QueryResponse>(enc(sample_query())), SerfError::kUnexpectedType);
}

TEST(SerfErrors, CutShortIsTruncatedAtEveryLength) {
  const Buf msg = enc(sample_query());
  for (size_t n = 1; n < msg.size(); ++n) {
    Message m;
    EXPECT_EQ(decode_message(std::span(msg).first(n), m), SerfError::kTruncated) << n;
  }
  Filter f;
  EXPECT_EQ(decode_filter(Buf{0x00}, f), SerfError::kTruncated);
}

TEST(SerfErrors, ReservedByteIsBadMsgpack) {
  EXPECT_EQ(decode_as<JoinIntent>(Buf{0x01, 0xc1}), SerfError::kBadMsgpack);
}

TEST(SerfErrors, LyingContainerIsMsgpackLimit) {
  const Buf msg = cat({{0x01, 0x81}, fs("X"), {0xdd, 0x00, 0x10, 0x00, 0x00}});
  EXPECT_EQ(decode_as<JoinIntent>(msg), SerfError::kMsgpackLimit);
}

TEST(SerfErrors, DeepNestingIsMsgpackTooDeep) {
  Buf msg = cat({{0x01, 0x81}, fs("X")});
  msg.insert(msg.end(), 10, 0x91);
  msg.push_back(0x00);
  EXPECT_EQ(decode_as<JoinIntent>(msg), SerfError::kMsgpackTooDeep);
}

TEST(SerfErrors, WrongTypesAreWrongFieldType) {
  EXPECT_EQ(decode_as<JoinIntent>(cat({{0x01, 0x81}, fs("Node"), {0x05}})),
            SerfError::kWrongFieldType);
  EXPECT_EQ(decode_as<JoinIntent>(cat({{0x01}, fs("body")})), SerfError::kWrongFieldType);
  EXPECT_EQ(decode_as<JoinIntent>(Buf{0x01, 0x81, 0x01, 0x02}), SerfError::kWrongFieldType);
  EXPECT_EQ(decode_as<PushPull>(cat({{0x02, 0x81}, fs("Events"), {0x91, 0x05}})),
            SerfError::kWrongFieldType);
  EXPECT_EQ(decode_as<PushPull>(cat({{0x02, 0x81}, fs("LeftMembers"), fs("a")})),
            SerfError::kWrongFieldType);
  EXPECT_EQ(decode_as<PushPull>(cat({{0x02, 0x81}, fs("StatusLTimes"), {0x90}})),
            SerfError::kWrongFieldType);
  EXPECT_EQ(decode_as<ConflictResponse>(Buf{0x06, 0x05}), SerfError::kWrongFieldType);
  Filter f;
  EXPECT_EQ(decode_filter(cat({{0x00}, fs("a")}), f), SerfError::kWrongFieldType);
}

TEST(SerfErrors, OutOfRangeIntegersAreFieldRange) {
  EXPECT_EQ(decode_as<JoinIntent>(cat({{0x01, 0x81}, fs("LTime"), {0xff}})),
            SerfError::kFieldRange);
  EXPECT_EQ(decode_as<Query>(cat({{0x04, 0x81}, fs("Port"), {0xce, 0, 1, 0, 0}})),
            SerfError::kFieldRange);
  EXPECT_EQ(decode_as<Query>(cat({{0x04, 0x81}, fs("Timeout"), {0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0}})),
            SerfError::kFieldRange);
  EXPECT_EQ(decode_as<ConflictResponse>(cat({{0x06, 0x81}, fs("Status"), {0x05}})),
            SerfError::kFieldRange);
  EXPECT_EQ(decode_as<ConflictResponse>(cat({{0x06, 0x81}, fs("Status"), {0xff}})),
            SerfError::kFieldRange);
}

TEST(SerfErrors, OversizeMessagesAreMessageTooLarge) {
  Query q;
  q.payload = Bytes(Buf(kMaxSerfMessageBytes, 0x01));
  EXPECT_EQ(decode_as<Query>(enc(q)), SerfError::kMessageTooLarge);
  Filter f;
  Buf filter = enc_filter(NodeFilter{});
  filter.resize(kMaxSerfMessageBytes + 1);
  EXPECT_EQ(decode_filter(filter, f), SerfError::kMessageTooLarge);
}

TEST(SerfErrors, EventNameAndPayloadOverNineKiBIsUserEventTooLarge) {
  EXPECT_EQ(decode_as<UserEvent>(enc(UserEvent{1, "e", Bytes(Buf(kMaxUserEventBytes, 1)), false})),
            SerfError::kUserEventTooLarge);
  EXPECT_EQ(decode_as<UserEvent>(
                enc(UserEvent{1, std::string(kMaxUserEventBytes + 1, 'e'), Bytes(), false})),
            SerfError::kUserEventTooLarge);

  PushPull pp;
  pp.events = Nilable<std::vector<std::optional<EventSlot>>>({EventSlot{
      1, Nilable<std::vector<RingEvent>>({RingEvent{"n", Bytes(Buf(kMaxUserEventBytes, 1))}})}});
  EXPECT_EQ(decode_as<PushPull>(enc(pp)), SerfError::kUserEventTooLarge);
}

TEST(SerfErrors, LongNodeNamesAreNameTooLong) {
  const std::string long_name(kMaxNameBytes + 1, 'n');
  EXPECT_EQ(decode_as<JoinIntent>(enc(JoinIntent{1, long_name})), SerfError::kNameTooLong);
  EXPECT_EQ(decode_as<LeaveIntent>(enc(LeaveIntent{1, long_name, false})), SerfError::kNameTooLong);
  EXPECT_EQ(decode_as<QueryResponse>(enc(QueryResponse{1, 1, long_name, 0, Bytes()})),
            SerfError::kNameTooLong);
  Query q;
  q.source_node = long_name;
  EXPECT_EQ(decode_as<Query>(enc(q)), SerfError::kNameTooLong);
  PushPull pp;
  pp.left_members = strings({long_name});
  EXPECT_EQ(decode_as<PushPull>(enc(pp)), SerfError::kNameTooLong);
  pp = PushPull{};
  pp.status_ltimes = Nilable<std::map<std::string, uint64_t>>({{long_name, 1}});
  EXPECT_EQ(decode_as<PushPull>(enc(pp)), SerfError::kNameTooLong);
  Relay r;
  r.dest_name = long_name;
  EXPECT_EQ(decode_as<Relay>(enc(r)), SerfError::kNameTooLong);
  Member m;
  m.name = long_name;
  EXPECT_EQ(decode_as<ConflictResponse>(enc(ConflictResponse{m})), SerfError::kNameTooLong);
  Filter f;
  EXPECT_EQ(decode_filter(enc_filter(NodeFilter{strings({long_name})}), f),
            SerfError::kNameTooLong);
}

TEST(SerfErrors, RingLongerThan512SlotsIsTooManyEventSlots) {
  EXPECT_FALSE(decode_as<PushPull>(push_pull_with_array("Events", kMaxEventSlots, {0xc0})));
  EXPECT_EQ(decode_as<PushPull>(push_pull_with_array("Events", kMaxEventSlots + 1, {0xc0})),
            SerfError::kTooManyEventSlots);
}

TEST(SerfErrors, CrowdedSlotIsTooManySlotEvents) {
  PushPull pp;
  pp.events = Nilable<std::vector<std::optional<EventSlot>>>(
      {EventSlot{1, Nilable<std::vector<RingEvent>>(
                        std::vector<RingEvent>(kMaxEventsPerSlot + 1, RingEvent{"e", Bytes()}))}});
  EXPECT_EQ(decode_as<PushPull>(enc(pp)), SerfError::kTooManySlotEvents);
}

TEST(SerfErrors, HugeMemberListsAreTooManyMembers) {
  EXPECT_FALSE(
      decode_as<PushPull>(push_pull_with_array("LeftMembers", kMaxPushPullMembers, {0xa0})));
  EXPECT_EQ(
      decode_as<PushPull>(push_pull_with_array("LeftMembers", kMaxPushPullMembers + 1, {0xa0})),
      SerfError::kTooManyMembers);
  const Buf status = message(MessageType::kPushPull, 1, [](Encoder& e, Buf& out) {
    e.str("StatusLTimes");
    e.map_header(kMaxPushPullMembers + 1);
    for (size_t i = 0; i <= kMaxPushPullMembers; ++i) {
      out.push_back(0xa0);
      out.push_back(0x01);
    }
  });
  EXPECT_EQ(decode_as<PushPull>(status), SerfError::kTooManyMembers);
}

TEST(SerfErrors, TooManyFiltersKeysTagsAndFilterNodes) {
  Query q;
  q.filters.value.assign(kMaxQueryFilters + 1, Bytes(Buf{0x00, 0xc0}));
  EXPECT_EQ(decode_as<Query>(enc(q)), SerfError::kTooManyFilters);

  KeyResponse r;
  r.keys.value.assign(kMaxKeys + 1, "k");
  EXPECT_EQ(decode_as<KeyResponse>(enc(r)), SerfError::kTooManyKeys);

  Member m;
  for (size_t i = 0; i <= kMaxTags; ++i)
    m.tags.value["t" + std::to_string(i)] = "v";
  EXPECT_EQ(decode_as<ConflictResponse>(enc(ConflictResponse{m})), SerfError::kTooManyTags);

  NodeFilter nodes;
  nodes.nodes.value.assign(kMaxFilterNodes + 1, "n");
  Filter f;
  EXPECT_EQ(decode_filter(enc_filter(nodes), f), SerfError::kTooManyFilterNodes);
  nodes.nodes.value.resize(kMaxFilterNodes);
  EXPECT_FALSE(decode_filter(enc_filter(nodes), f));
}

// Arbitrary corruptions of valid messages never crash, and whatever decodes re-encodes to bytes
// that decode to the same value (our encoding is canonical).
TEST(SerfErrors, CorruptedMessagesNeverCrashAndSurvivorsRoundTrip) {
  const std::vector<Buf> seeds = {enc(sample_query()),
                                  enc(sample_push_pull()),
                                  enc(sample_relay()),
                                  enc(ConflictResponse{sample_member()}),
                                  enc(sample_user_event()),
                                  enc(KeyResponse{true, "m", strings({"k"}), "k"}),
                                  enc_filter(TagFilter{"a", "b"})};
  Prng prng(42);
  size_t decoded = 0;
  for (int round = 0; round < 3000; ++round) {
    Buf msg = seeds[prng.uniform(seeds.size())];
    const int flips = 1 + static_cast<int>(prng.uniform(4));
    for (int i = 0; i < flips; ++i)
      msg[prng.uniform(msg.size())] = static_cast<uint8_t>(prng.next_u64());
    if (prng.chance(0.3)) msg.resize(prng.uniform(msg.size() + 1));
    Message m;
    if (decode_message(msg, m)) continue;
    ++decoded;
    Buf again;
    encode(m, again);
    // A struct sent as an array comes back as a map, which may outgrow the message limit.
    if (again.size() > max_message_bytes(type_of(m))) continue;
    Message back;
    ASSERT_FALSE(decode_message(again, back));
    EXPECT_EQ(back, m);
    Buf third;
    encode(back, third);
    EXPECT_EQ(third, again);
  }
  EXPECT_GT(decoded, 0u);
}

}  // namespace
}  // namespace rumor::core::serf
