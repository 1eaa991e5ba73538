// Golden tests of memberlist's encryption (src/core/wire/keyring.h) against the real Go code:
// the `security` modes of tests/interop/golden (security.go), which run Debian's hashicorp/
// memberlist 0.2.2 with a Keyring, so the bytes come from and go to memberlist's own
// encryptPayload and decryptPayload (RUMOR_MEMBERLIST_GOLDEN names the binary).
//
// What they prove: keys that `serf keygen` would print decode to their bytes and encode back to
// the same text; real encrypted traffic between two memberlists, at ProtocolVersion 2 (sealed
// version 1) and 1 (version 0, padded), opens with each sender's primary key, also as a
// secondary key, and with no other key; re-sealing the plaintext with the nonce memberlist drew
// gives memberlist's bytes exactly, framing and padding included; the plaintext decodes with
// rumor's memberlist codec. And a real memberlist with a keyring accepts what rumor seals
// (versions 0 and 1, with its primary or a secondary key, packets and streams): it learns our
// alive, hands our user messages to its delegate, acks our pings, answers our push-pull and sees
// our leave; while a packet or stream sealed with a key it lacks, or not sealed at all, is
// refused, for the reason its log gives.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "base/prng.h"
#include "core/wire/keyring.h"
#include "core/wire/memberlist_codec.h"
#include "golden_support.h"

namespace rumor::core::wire::ml {
namespace {

using rumor::testing::golden::from_hex;
using rumor::testing::golden::run_golden;
using rumor::testing::golden::to_hex;

using json = nlohmann::json;
using Buf = std::vector<uint8_t>;

// Runs `memberlist_golden security ARGS` with `input` on stdin.
json run_security(const std::vector<std::string>& args, const std::string& input = "") {
  std::string cmd = "security";
  for (const std::string& a : args)
    cmd += " '" + a + "'";  // base64 keys hold '+', '/' and '=': quoted for the shell
  return run_golden(cmd, input);
}

uint64_t total(const MlErrorCounts& errors) {
  uint64_t n = 0;
  for (uint64_t c : errors)
    n += c;
  return n;
}

std::string error_list(const MlErrorCounts& errors) {
  std::string s;
  for (size_t i = 0; i < kMlErrorCount; ++i) {
    if (errors[i] > 0) s += std::string(ml_error_name(static_cast<MlError>(i))) + " ";
  }
  return s;
}

template <typename T>
std::optional<MlError> decodes(std::span<const uint8_t> body) {
  T out;
  return decode(body, out);
}

// Decodes the body of one message found in a packet with rumor's codec.
std::optional<MlError> decode_part(const PacketPart& part) {
  switch (part.type) {
    case MsgType::kPing:
      return decodes<Ping>(part.body);
    case MsgType::kIndirectPing:
      return decodes<IndirectPingReq>(part.body);
    case MsgType::kAck:
      return decodes<AckResp>(part.body);
    case MsgType::kNack:
      return decodes<NackResp>(part.body);
    case MsgType::kSuspect:
      return decodes<Suspect>(part.body);
    case MsgType::kAlive:
      return decodes<Alive>(part.body);
    case MsgType::kDead:
      return decodes<Dead>(part.body);
    default:
      return std::nullopt;  // a user message: Serf's bytes
  }
}

Key key_of(size_t size, uint8_t fill) {
  Key k(size);
  for (size_t i = 0; i < size; ++i)
    k[i] = static_cast<uint8_t>(fill + 3 * i);
  return k;
}

Keyring ring_of(std::initializer_list<Key> keys) {
  Keyring ring;
  for (const Key& k : keys)
    EXPECT_TRUE(ring.add(k));
  return ring;
}

Nonce nonce_at(std::span<const uint8_t> sealed) {
  Nonce n{};
  std::copy_n(sealed.begin() + kVersionBytes, kNonceBytes, n.begin());
  return n;
}

// As the core draws nonces: from the node's seeded Prng.
Nonce draw_nonce(Prng& prng) {
  Nonce n{};
  for (size_t i = 0; i < n.size(); i += 4) {
    const uint64_t x = prng.next_u64();
    for (size_t j = 0; j < 4; ++j)
      n[i + j] = static_cast<uint8_t>(x >> (8 * j));
  }
  return n;
}

// ---- 1. keys as text ----

TEST(KeyringGoldenKeys, SerfKeygenTextDecodesToItsBytesAndEncodesBack) {
  const json out = run_security({"keys"});
  ASSERT_EQ(out["keys"].size(), 3u) << out;
  for (const json& k : out["keys"]) {
    const std::string text = k["base64"];
    const Result<Key> key = decode_key_base64(text);
    ASSERT_TRUE(key) << text << ": " << key.message();
    EXPECT_EQ(to_hex(*key), k["hex"]) << text;
    EXPECT_EQ(encode_key_base64(*key), text);
  }
}

// ---- 2. real encrypted traffic between two Go memberlists ----

// Checks one sealed packet from memberlist: layout, keys that open it, byte-identical re-seal,
// and its plaintext through rumor's codec. Adds what it held to `seen`.
void check_packet(const Buf& bytes, const Key& own, const Key& other, EncryptionVersion vsn,
                  std::set<std::string>& seen) {
  ASSERT_GE(bytes.size(), kEncryptOverheadV1);
  EXPECT_EQ(bytes[0], static_cast<uint8_t>(vsn));
  Buf plain;
  const auto e = open(ring_of({own}), {}, bytes, plain);
  ASSERT_FALSE(e) << open_error_name(*e);
  EXPECT_EQ(open(ring_of({other}), {}, bytes, plain), OpenError::kNoKeyDecrypts);
  ASSERT_FALSE(open(ring_of({key_of(24, 0xaa), other, own}), {}, bytes, plain));
  const size_t text = bytes.size() - kEncryptOverheadV1;
  if (vsn == EncryptionVersion::kV1) {
    EXPECT_EQ(text, plain.size());
  } else {
    EXPECT_EQ(text % kPadBlockBytes, 0u);
    EXPECT_GE(text - plain.size(), 1u);
    EXPECT_LE(text - plain.size(), kPadBlockBytes);
  }
  Buf again;
  ASSERT_TRUE(seal(own, vsn, nonce_at(bytes), {}, plain, again));
  EXPECT_EQ(to_hex(again), to_hex(bytes));
  std::vector<PacketPart> parts;
  MlErrorCounts errors{};
  unwrap_packet(plain, "", parts, errors);
  EXPECT_EQ(total(errors), 0u) << error_list(errors);
  EXPECT_FALSE(parts.empty());
  if (plain[0] == static_cast<uint8_t>(MsgType::kHasCrc)) seen.insert("crc");
  for (const PacketPart& part : parts) {
    const auto de = decode_part(part);
    EXPECT_FALSE(de) << ml_error_name(*de);
    seen.insert("part " + std::to_string(static_cast<int>(part.type)));
  }
}

// The same for a stream frame: 0a | length | sealed, the header authenticated.
void check_stream(const Buf& bytes, const Key& own, const Key& other, EncryptionVersion vsn,
                  std::set<std::string>& seen) {
  ASSERT_GT(bytes.size(), kStreamHeaderBytes);
  EXPECT_EQ(bytes[0], static_cast<uint8_t>(MsgType::kEncrypt));
  EXPECT_EQ(bytes[kStreamHeaderBytes], static_cast<uint8_t>(vsn));
  EXPECT_EQ(stream_frame_size(bytes), bytes.size());
  Buf plain;
  size_t consumed = 0;
  const auto e = open_stream(ring_of({own}), "", bytes, plain, &consumed);
  ASSERT_FALSE(e) << open_error_name(*e);
  EXPECT_EQ(consumed, bytes.size());
  EXPECT_EQ(open_stream(ring_of({other}), "", bytes, plain), OpenError::kNoKeyDecrypts);
  ASSERT_FALSE(open_stream(ring_of({other, own}), "", bytes, plain));
  Buf again;
  const auto sealed = std::span(bytes).subspan(kStreamHeaderBytes);
  ASSERT_TRUE(seal_stream(own, vsn, nonce_at(sealed), "", plain, again));
  EXPECT_EQ(to_hex(again), to_hex(bytes));
  StreamMessage sm;
  MlErrorCounts errors{};
  const auto de = decode_stream(plain, "", sm, errors, 1000);
  ASSERT_FALSE(de) << error_list(errors);
  seen.insert("stream " + std::to_string(static_cast<int>(sm.type)));
  if (sm.type == MsgType::kPushPull && sm.push_pull.join) seen.insert("join");
}

std::set<std::string> check_sealed_capture(const json& capture, const Key& key_a, const Key& key_b,
                                           EncryptionVersion vsn) {
  std::set<std::string> seen;
  for (const json& rec : capture["records"]) {
    const Buf bytes = from_hex(rec["hex"]);
    const std::string from = rec["from"];
    SCOPED_TRACE(rec["kind"].get<std::string>() + " from " + from + ": " + to_hex(bytes));
    const Key& own = from == "a" ? key_a : key_b;
    const Key& other = from == "a" ? key_b : key_a;
    seen.insert(rec["kind"].get<std::string>() + " from " + from);
    if (rec["kind"] == "packet") {
      check_packet(bytes, own, other, vsn, seen);
    } else {
      check_stream(bytes, own, other, vsn, seen);
    }
  }
  return seen;
}

// Two memberlists on real timers for about a second: a loaded machine may miss a kind of
// traffic in one capture, so it is taken again, up to three times; every capture must check out.
void expect_sealed_traffic(int protocol_version, EncryptionVersion vsn) {
  const Key key_a = key_of(32, 0x11);  // a's primary, b's secondary
  const Key key_b = key_of(16, 0x77);  // b's primary, a's secondary
  const std::vector<std::string> wanted = {
      "packet from a", "packet from b", "stream from a", "stream from b", "part 0",
      "part 2",        "part 4",        "crc",           "stream 6",      "join"};
  std::set<std::string> seen;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const json capture = run_security({"capture", std::to_string(protocol_version),
                                       encode_key_base64(key_a), encode_key_base64(key_b)});
    ASSERT_TRUE(capture.is_object());
    const std::set<std::string> got = check_sealed_capture(capture, key_a, key_b, vsn);
    if (::testing::Test::HasFailure()) return;
    seen.insert(got.begin(), got.end());
    if (std::all_of(wanted.begin(), wanted.end(),
                    [&](const std::string& w) { return seen.count(w) > 0; })) {
      break;
    }
  }
  for (const std::string& want : wanted)
    EXPECT_EQ(seen.count(want), 1u) << "no " << want << " in three captures";
}

TEST(KeyringGoldenTraffic, Version1OpensWithEachSendersKeyAndReSealsByteForByte) {
  expect_sealed_traffic(2, EncryptionVersion::kV1);
}

TEST(KeyringGoldenTraffic, ProtocolVersion1SendsPaddedVersion0ThatReSealsByteForByte) {
  expect_sealed_traffic(1, EncryptionVersion::kV0);
}

// ---- 3. a real memberlist with a keyring fed our sealed bytes ----

// Builds the script for the inject mode, sealing as the core would: nonces from a seeded Prng.
class Script {
 public:
  explicit Script(uint64_t seed) : prng_(seed) {}

  void packet(const Key& key, EncryptionVersion vsn, const Buf& plain) {
    Buf out;
    ASSERT_TRUE(seal(key, vsn, draw_nonce(prng_), {}, plain, out));
    plain_packet(out);
  }
  void plain_packet(const Buf& bytes) { text_ += "packet " + to_hex(bytes) + "\n"; }
  void stream(const Key& key, EncryptionVersion vsn, const Buf& plain) {
    Buf out;
    ASSERT_TRUE(seal_stream(key, vsn, draw_nonce(prng_), "", plain, out));
    plain_stream(out);
  }
  void plain_stream(const Buf& bytes) { text_ += "stream " + to_hex(bytes) + "\n"; }
  void command(const std::string& line) { text_ += line + "\n"; }
  const std::string& text() const { return text_; }

 private:
  Prng prng_;
  std::string text_;
};

template <typename T>
Buf enc(const T& m) {
  Buf out;
  encode(m, out);
  return out;
}

// Opens a stream reply of the Go node (sealed with its primary, v1) and decodes it.
StreamMessage open_reply(const json& hex, const Key& go_primary) {
  StreamMessage sm;
  const Buf bytes = from_hex(hex);
  Buf plain;
  const auto e = open_stream(ring_of({go_primary}), "", bytes, plain);
  EXPECT_FALSE(e) << open_error_name(*e) << " " << to_hex(bytes);
  if (e) return sm;
  EXPECT_EQ(bytes[kStreamHeaderBytes], 1);
  MlErrorCounts errors{};
  EXPECT_FALSE(decode_stream(plain, "", sm, errors, 1000)) << error_list(errors);
  return sm;
}

bool log_has(const json& log, const std::string& text) {
  return std::any_of(log.begin(), log.end(), [&](const json& line) {
    return line.get<std::string>().find(text) != std::string::npos;
  });
}

TEST(KeyringGoldenInject, MemberlistAcceptsOurSealedBytesAndRefusesWrongKeys) {
  // Go's ring is [k1, k2]; ours is [k2, k1]: we seal with Go's secondary key, and open its
  // replies with ours. `wrong` is in neither.
  const Key k1 = key_of(32, 0x21), k2 = key_of(16, 0x42), wrong = key_of(24, 0x63);
  const Buf meta = {0xff, 0x81, 0xa4, 'r', 'o', 'l', 'e', 0xa3, 'w', 'e', 'b'};
  const Bytes vsns({1, 5, 2, 2, 5, 5});
  const Alive me{1, "rumor", Bytes({127, 0, 0, 1}), 2, Bytes(meta), vsns};
  const Buf intent = {0x01, 0x82, 0xa5, 'L', 'T',  'i', 'm', 'e', 0x01, 0xa4,
                      'N',  'o',  'd',  'e', 0xa5, 'r', 'u', 'm', 'o',  'r'};
  constexpr auto v0 = EncryptionVersion::kV0;
  constexpr auto v1 = EncryptionVersion::kV1;
  Script s(2024);

  // 1. Our alive and a Serf intent in a CRC'd compound, sealed v1 with Go's secondary key.
  Buf alive = enc(me), user, compound, gossip;
  encode_user(intent, user);
  const std::span<const uint8_t> parts[] = {alive, user};
  encode_compound(parts, compound);
  wrap_crc(compound, gossip);
  s.packet(k2, v1, gossip);
  s.command("wait_members 2\nwait_user 1\nsnapshot");
  // 2. An alive sealed with a key Go lacks, then one not sealed at all: both refused.
  s.packet(wrong, v1, enc(Alive{1, "ghost", Bytes({127, 0, 0, 9}), 9, Bytes(), vsns}));
  s.command("wait_log No installed keys could decrypt the message");
  s.plain_packet(enc(Alive{1, "ghost2", Bytes({127, 0, 0, 8}), 8, Bytes(), vsns}));
  s.command("wait_log Unsupported encryption version 4");
  // 3. Version 0 (padded) packets: an alive for a third node, and a ping Go must ack.
  s.packet(k2, v0, enc(Alive{1, "v0peer", Bytes({127, 0, 0, 3}), 3, Bytes(), vsns}));
  s.command("wait_members 3");
  s.packet(k1, v0, enc(Ping{77, "go", Bytes({127, 0, 0, 1}), 2, "rumor"}));
  // 4. Streams: a joining push-pull (v1), a reliable user message (v0, Go's primary key), a ping
  // sealed with a key Go lacks, a ping not sealed at all, and a good ping.
  PushPull pp;
  pp.join = true;
  pp.nodes.push_back(
      PushNodeState{"rumor", Bytes({127, 0, 0, 1}), 2, Bytes(meta), 1, WireState::kAlive, vsns});
  pp.user_state = {0x02, 0x80};
  s.stream(k2, v1, enc(pp));
  Buf reliable;
  encode_user_stream(Buf{0x03, 0x84}, reliable);
  s.stream(k1, v0, reliable);
  s.command("wait_user 2");
  s.stream(wrong, v1, enc(Ping{99, "go", Bytes(), 0, ""}));
  s.plain_stream(enc(Ping{98, "go", Bytes(), 0, ""}));
  s.stream(k2, v1, enc(Ping{97, "go", Bytes(), 0, ""}));
  // 5. A graceful leave.
  s.packet(k2, v1, enc(Dead{2, "rumor", "rumor"}));
  s.command("wait_gone rumor\nsnapshot");

  const json out = run_security({"inject", encode_key_base64(k1), encode_key_base64(k2)}, s.text());
  ASSERT_TRUE(out.is_object());
  EXPECT_TRUE(out["failures"].empty()) << out["failures"] << "\nlog: " << out["log"];

  // memberlist learnt us (and v0peer) from sealed gossip, never the ghosts.
  const json& joined = out["snapshots"][0];
  ASSERT_EQ(joined.size(), 2u) << joined;
  EXPECT_EQ(joined[1]["Name"], "rumor");
  EXPECT_EQ(joined[1]["Meta"], to_hex(meta));
  for (const json& snapshot : out["snapshots"]) {
    for (const json& m : snapshot) {
      EXPECT_NE(m["Name"], "ghost");
      EXPECT_NE(m["Name"], "ghost2");
    }
  }
  EXPECT_EQ(out["events"], json::array({"join go", "join rumor", "join v0peer", "leave rumor"}));
  EXPECT_EQ(out["user_msgs"], json::array({to_hex(intent), "0384"}));
  EXPECT_EQ(out["merged_states"], json::array({"0280"}));

  // Why each refusal happened, in memberlist's words.
  const json& log = out["log"];
  EXPECT_TRUE(log_has(log, "Decrypt packet failed: No installed keys could decrypt the message"))
      << log;
  EXPECT_TRUE(log_has(log, "Decrypt packet failed: Unsupported encryption version 4")) << log;

  // Its stream replies are sealed with its primary: the push-pull of all three nodes, nothing
  // for the user message, the two refusals as errResp, then the ack.
  ASSERT_EQ(out["replies"].size(), 5u) << out["replies"];
  const StreamMessage pp_reply = open_reply(out["replies"][0], k1);
  ASSERT_EQ(pp_reply.type, MsgType::kPushPull);
  EXPECT_TRUE(pp_reply.push_pull.join);
  EXPECT_EQ(pp_reply.push_pull.nodes.size(), 3u);
  EXPECT_EQ(out["replies"][1], "");
  const StreamMessage wrong_key = open_reply(out["replies"][2], k1);
  ASSERT_EQ(wrong_key.type, MsgType::kErr);
  EXPECT_EQ(wrong_key.err.error, "No installed keys could decrypt the message");
  const StreamMessage unsealed = open_reply(out["replies"][3], k1);
  ASSERT_EQ(unsealed.type, MsgType::kErr);
  EXPECT_EQ(unsealed.err.error, "Encryption is configured but remote state is not encrypted");
  const StreamMessage tcp_ack = open_reply(out["replies"][4], k1);
  ASSERT_EQ(tcp_ack.type, MsgType::kAck);
  EXPECT_EQ(tcp_ack.ack.seq_no, 97u);

  // Every packet it sent us opens with our ring (its primary is our secondary) and decodes; one
  // acks our version 0 ping.
  const Keyring ours = ring_of({k2, k1});
  bool acked = false;
  MlErrorCounts errors{};
  for (const json& h : out["packets"]) {
    const Buf bytes = from_hex(h);
    Buf plain;
    const auto e = open(ours, {}, bytes, plain);
    ASSERT_FALSE(e) << open_error_name(*e) << " " << to_hex(bytes);
    std::vector<PacketPart> got;
    unwrap_packet(plain, "", got, errors);
    for (const PacketPart& part : got) {
      EXPECT_FALSE(decode_part(part));
      AckResp ack;
      if (part.type == MsgType::kAck && !decode(part.body, ack) && ack.seq_no == 77) acked = true;
    }
  }
  EXPECT_EQ(total(errors), 0u) << error_list(errors);
  EXPECT_TRUE(acked);
}

}  // namespace
}  // namespace rumor::core::wire::ml
