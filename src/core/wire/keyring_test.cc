#include "core/wire/keyring.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/wire/memberlist_codec.h"

namespace rumor::core::wire::ml {
namespace {

using Buf = std::vector<uint8_t>;

Key key_of(size_t size, uint8_t fill) {
  Key k(size);
  for (size_t i = 0; i < size; ++i)
    k[i] = static_cast<uint8_t>(fill + i);
  return k;
}

Nonce nonce_of(uint8_t fill) {
  Nonce n;
  n.fill(fill);
  return n;
}

Buf text_of(size_t size) {
  Buf b(size);
  for (size_t i = 0; i < size; ++i)
    b[i] = static_cast<uint8_t>(i * 7 + 3);
  return b;
}

Buf hex(const std::string& s) {
  Buf b;
  for (size_t i = 0; i + 1 < s.size(); i += 2)
    b.push_back(static_cast<uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return b;
}

Keyring ring_of(std::initializer_list<Key> keys) {
  Keyring ring;
  for (const Key& k : keys)
    EXPECT_TRUE(ring.add(k)) << "key of " << k.size() << " bytes";
  return ring;
}

Buf sealed(const Key& key, EncryptionVersion vsn, const Buf& plain, const Buf& aad = {},
           uint8_t nonce = 0x42) {
  Buf out;
  const Status s = seal(key, vsn, nonce_of(nonce), aad, plain, out);
  EXPECT_TRUE(s) << s.message();
  return out;
}

// The plaintext, or the error's name in its place.
std::string opened(const Keyring& ring, const Buf& bytes, const Buf& aad = {}) {
  Buf out;
  if (auto e = open(ring, aad, bytes, out)) return open_error_name(*e);
  return std::string(out.begin(), out.end());
}

std::string str(const Buf& b) {
  return std::string(b.begin(), b.end());
}

const Key kA = key_of(32, 0x10);
const Key kB = key_of(32, 0x80);
const Key kC = key_of(16, 0x01);

// --- the keyring ---------------------------------------------------------------------------------

TEST(KeyringRules, EmptyRingHasNoPrimaryAndEncryptionIsOff) {
  Keyring ring;
  EXPECT_TRUE(ring.empty());
  EXPECT_TRUE(ring.primary().empty());
  EXPECT_EQ(ring.size(), 0u);
}

TEST(KeyringRules, FirstKeyAddedBecomesPrimaryAndLaterOnesAppend) {
  const Keyring ring = ring_of({kA, kB, kC});
  ASSERT_EQ(ring.size(), 3u);
  EXPECT_EQ(ring.keys(), (std::vector<Key>{kA, kB, kC}));
  EXPECT_EQ(Key(ring.primary().begin(), ring.primary().end()), kA);
}

TEST(KeyringRules, AddingAnInstalledKeyIsANoOp) {
  Keyring ring = ring_of({kA, kB});
  EXPECT_TRUE(ring.add(kB));
  EXPECT_TRUE(ring.add(kA));
  EXPECT_EQ(ring.keys(), (std::vector<Key>{kA, kB}));
}

TEST(KeyringRules, AcceptsAes128And192And256KeysOnly) {
  Keyring ring;
  for (size_t size : {16u, 24u, 32u})
    EXPECT_TRUE(ring.add(key_of(size, 1))) << size;
  for (size_t size : {0u, 1u, 15u, 17u, 20u, 31u, 33u, 64u}) {
    const Status s = ring.add(key_of(size, 1));
    EXPECT_FALSE(s) << size;
  }
  EXPECT_EQ(ring.size(), 3u);
}

TEST(KeyringRules, BadKeySizeErrorNamesTheSizeAndTheValidOnes) {
  Keyring ring;
  const Status s = ring.add(key_of(20, 1));
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("key is 20 bytes; AES keys are 16, 24 or 32 bytes"), std::string::npos)
      << s.message();
}

TEST(KeyringRules, UseMovesAKeyToTheFrontAndKeepsTheOthersInOrder) {
  Keyring ring = ring_of({kA, kB, kC, key_of(24, 9)});
  ASSERT_TRUE(ring.use(kC));
  EXPECT_EQ(ring.keys(), (std::vector<Key>{kC, kA, kB, key_of(24, 9)}));
  ASSERT_TRUE(ring.use(kC));  // already primary: nothing moves
  EXPECT_EQ(ring.keys(), (std::vector<Key>{kC, kA, kB, key_of(24, 9)}));
}

TEST(KeyringRules, UseRefusesAKeyThatIsNotInstalled) {
  Keyring ring = ring_of({kA});
  const Status s = ring.use(kB);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("not installed"), std::string::npos) << s.message();
  EXPECT_EQ(ring.keys(), (std::vector<Key>{kA}));
}

TEST(KeyringRules, RemoveRefusesThePrimary) {
  Keyring ring = ring_of({kA, kB});
  const Status s = ring.remove(kA);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("primary"), std::string::npos) << s.message();
  EXPECT_EQ(ring.keys(), (std::vector<Key>{kA, kB}));
}

TEST(KeyringRules, RemoveDropsASecondaryKeyAndIgnoresAnAbsentOne) {
  Keyring ring = ring_of({kA, kB, kC});
  EXPECT_TRUE(ring.remove(kB));
  EXPECT_EQ(ring.keys(), (std::vector<Key>{kA, kC}));
  EXPECT_TRUE(ring.remove(kB));
  EXPECT_TRUE(ring.remove(key_of(16, 0xee)));
  EXPECT_EQ(ring.keys(), (std::vector<Key>{kA, kC}));
  Keyring empty;
  EXPECT_TRUE(empty.remove(kA));
}

TEST(KeyringRules, RotationInstallUseRemoveSwitchesThePrimary) {
  Keyring ring = ring_of({kA});
  ASSERT_TRUE(ring.add(kB));
  ASSERT_TRUE(ring.use(kB));
  ASSERT_TRUE(ring.remove(kA));
  EXPECT_EQ(ring.keys(), (std::vector<Key>{kB}));
}

TEST(KeyringRules, AFullRingRefusesAnotherKeyWithAClearError) {
  Keyring ring;
  for (size_t i = 0; i < kMaxKeys; ++i)
    ASSERT_TRUE(ring.add(key_of(16, static_cast<uint8_t>(i))));
  EXPECT_TRUE(ring.add(key_of(16, 0)));  // already present: still a no-op
  const Status s = ring.add(key_of(32, 0));
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("keyring is full (64 keys)"), std::string::npos) << s.message();
  EXPECT_EQ(ring.size(), kMaxKeys);
}

// --- keys as base64 ------------------------------------------------------------------------------

TEST(KeyringBase64, EncodesAsSerfKeygenPrints) {
  // 32 bytes: 44 characters with one '=' of padding, as `serf keygen` prints.
  const std::string text = encode_key_base64(key_of(32, 0));
  EXPECT_EQ(text, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  EXPECT_EQ(encode_key_base64(key_of(16, 0)), "AAECAwQFBgcICQoLDA0ODw==");
  EXPECT_EQ(encode_key_base64(key_of(24, 0)), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYX");
}

TEST(KeyringBase64, DecodesEveryKeySizeBackToItsBytes) {
  for (size_t size : {16u, 24u, 32u}) {
    const Key key = key_of(size, 0xf0);
    const Result<Key> back = decode_key_base64(encode_key_base64(key));
    ASSERT_TRUE(back) << back.message();
    EXPECT_EQ(*back, key);
  }
}

TEST(KeyringBase64, IgnoresWhitespaceAroundTheKey) {
  const Result<Key> k = decode_key_base64("  AAECAwQFBgcICQoLDA0ODw==\n");
  ASSERT_TRUE(k) << k.message();
  EXPECT_EQ(*k, key_of(16, 0));
}

TEST(KeyringBase64, RejectsTextThatIsNotBase64) {
  for (const char* bad :
       {"", "   ", "AAECAwQFBgcICQoLDA0ODw=", "AAECAwQFBgcI CQoLDA0ODw==",
        "AAECAwQFBgcICQoLDA0O=w==", "=AECAwQFBgcICQoLDA0ODw==", "AAECAwQFBgcICQoLDA0OD===",
        "AAECAwQFBgcICQoLDA0ODw-_", "AAECAwQFBgcICQoLDA0ODw==AAAA"}) {
    const Result<Key> k = decode_key_base64(bad);
    ASSERT_FALSE(k) << "'" << bad << "'";
    EXPECT_NE(k.message().find("not standard base64"), std::string::npos) << k.message();
  }
}

TEST(KeyringBase64, RejectsAKeyOfTheWrongSize) {
  const Result<Key> k = decode_key_base64(encode_key_base64(key_of(20, 0)));
  ASSERT_FALSE(k);
  EXPECT_NE(k.message().find("key is 20 bytes"), std::string::npos) << k.message();
  EXPECT_FALSE(decode_key_base64("QUJD"));  // 3 bytes
}

TEST(KeyringBase64, RejectsTextLongerThanAnyKeyBeforeDecoding) {
  const Result<Key> k = decode_key_base64(std::string(48, 'A'));
  ASSERT_FALSE(k);
  EXPECT_NE(k.message().find("key is 48 characters"), std::string::npos) << k.message();
}

// --- sealing and opening packets -----------------------------------------------------------------

TEST(KeyringSeal, MatchesTheGcmSpecKnownAnswer) {
  // McGrew and Viega, "The Galois/Counter Mode of Operation", test case 2: zero key, nonce and
  // block; memberlist's layout puts the version and the nonce in front.
  Buf out;
  ASSERT_TRUE(seal(Key(16, 0), EncryptionVersion::kV1, nonce_of(0), {}, Buf(16, 0), out));
  EXPECT_EQ(out, hex("01000000000000000000000000"
                     "0388dace60b6a392f328c2b971b2fe78"
                     "ab6e47d42cec13bdf53a67b21257bddf"));
}

TEST(KeyringSeal, RoundTripsEveryKeySizeAndBothVersions) {
  for (size_t key_size : {16u, 24u, 32u}) {
    const Key key = key_of(key_size, 0x33);
    const Keyring ring = ring_of({key});
    for (EncryptionVersion vsn : {EncryptionVersion::kV0, EncryptionVersion::kV1}) {
      for (size_t n : {0u, 1u, 15u, 16u, 17u, 31u, 32u, 33u, 1400u, 65536u}) {
        const Buf plain = text_of(n);
        EXPECT_EQ(opened(ring, sealed(key, vsn, plain)), str(plain))
            << key_size << " bytes, v" << static_cast<int>(vsn) << ", " << n;
      }
    }
  }
}

TEST(KeyringSeal, V1IsVersionNonceCiphertextTagPlus29Bytes) {
  for (size_t n : {0u, 1u, 16u, 100u}) {
    const Buf out = sealed(kA, EncryptionVersion::kV1, text_of(n), {}, 0x5a);
    ASSERT_EQ(out.size(), n + kEncryptOverheadV1);
    EXPECT_EQ(out.size(), sealed_size(EncryptionVersion::kV1, n));
    EXPECT_EQ(out[0], 1);
    EXPECT_EQ(Buf(out.begin() + 1, out.begin() + 13), Buf(12, 0x5a));
  }
  EXPECT_EQ(encrypt_overhead(EncryptionVersion::kV1), 29u);
}

TEST(KeyringSeal, V0PadsOneToSixteenBytesOfPkcs7) {
  const Keyring ring = ring_of({kA});
  for (size_t n = 0; n <= 48; ++n) {
    const size_t pad = 16 - n % 16;
    Buf out = sealed(kA, EncryptionVersion::kV0, text_of(n));
    ASSERT_EQ(out.size(), n + pad + kEncryptOverheadV1) << n;
    EXPECT_EQ(out.size(), sealed_size(EncryptionVersion::kV0, n));
    EXPECT_LE(out.size(), n + kEncryptOverheadV0Max);
    EXPECT_EQ(out[0], 0);
    // The version byte is not authenticated (memberlist's AAD leaves it out), so relabelling the
    // message v1 opens it with the padding still on: pad bytes, each holding the pad length.
    out[0] = 1;
    Buf padded = text_of(n);
    padded.insert(padded.end(), pad, static_cast<uint8_t>(pad));
    EXPECT_EQ(opened(ring, out), str(padded)) << n;
  }
  EXPECT_EQ(encrypt_overhead(EncryptionVersion::kV0), 45u);
}

TEST(KeyringSeal, AppendsToWhatTheBufferHolds) {
  Buf out = {0xf4, 0x01, 'x'};
  ASSERT_TRUE(seal(kA, EncryptionVersion::kV1, nonce_of(1), {}, text_of(5), out));
  ASSERT_EQ(out.size(), 3 + 5 + kEncryptOverheadV1);
  EXPECT_EQ(Buf(out.begin(), out.begin() + 3), (Buf{0xf4, 0x01, 'x'}));
  EXPECT_EQ(opened(ring_of({kA}), Buf(out.begin() + 3, out.end())), str(text_of(5)));
}

TEST(KeyringSeal, SameInputsGiveTheSameBytesAndTheNonceChangesThem) {
  const Buf one = sealed(kA, EncryptionVersion::kV1, text_of(40), {}, 1);
  EXPECT_EQ(sealed(kA, EncryptionVersion::kV1, text_of(40), {}, 1), one);
  const Buf two = sealed(kA, EncryptionVersion::kV1, text_of(40), {}, 2);
  EXPECT_NE(Buf(two.begin() + 13, two.end()), Buf(one.begin() + 13, one.end()));
}

TEST(KeyringSeal, RefusesABadKeySizeAndLeavesTheBufferAlone) {
  Buf out = {7};
  const Status s = seal(key_of(20, 0), EncryptionVersion::kV1, nonce_of(0), {}, text_of(3), out);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("key is 20 bytes"), std::string::npos) << s.message();
  EXPECT_EQ(out, Buf{7});
}

TEST(KeyringOpen, TriesEveryKeyInRingOrderSoASecondaryKeyOpens) {
  const Buf by_b = sealed(kB, EncryptionVersion::kV1, text_of(20));
  EXPECT_EQ(opened(ring_of({kA, kC, kB}), by_b), str(text_of(20)));
  const Buf by_c_v0 = sealed(kC, EncryptionVersion::kV0, text_of(20));
  EXPECT_EQ(opened(ring_of({kA, kB, kC}), by_c_v0), str(text_of(20)));
}

TEST(KeyringOpen, RejectsAWrongKeyAndAnEmptyRing) {
  const Buf by_a = sealed(kA, EncryptionVersion::kV1, text_of(20));
  EXPECT_EQ(opened(ring_of({kB, kC}), by_a), "no_key_decrypts");
  EXPECT_EQ(opened(Keyring(), by_a), "no_key_decrypts");
}

TEST(KeyringOpen, RejectsATamperedNonceCiphertextOrTag) {
  const Keyring ring = ring_of({kA});
  for (EncryptionVersion vsn : {EncryptionVersion::kV0, EncryptionVersion::kV1}) {
    const Buf good = sealed(kA, vsn, text_of(33));
    for (size_t at : {size_t{1}, size_t{12}, size_t{13}, size_t{30}, good.size() - 17,
                      good.size() - 16, good.size() - 1}) {
      Buf bad = good;
      bad[at] ^= 0x01;
      EXPECT_EQ(opened(ring, bad), "no_key_decrypts") << "byte " << at;
    }
  }
}

TEST(KeyringOpen, RejectsOtherAdditionalDataThanTheSenderUsed) {
  const Keyring ring = ring_of({kA});
  const Buf with_label = sealed(kA, EncryptionVersion::kV1, text_of(10), Buf{'d', 'c', '1'});
  EXPECT_EQ(opened(ring, with_label, Buf{'d', 'c', '1'}), str(text_of(10)));
  EXPECT_EQ(opened(ring, with_label, Buf{'d', 'c', '2'}), "no_key_decrypts");
  EXPECT_EQ(opened(ring, with_label), "no_key_decrypts");
  const Buf without = sealed(kA, EncryptionVersion::kV1, text_of(10));
  EXPECT_EQ(opened(ring, without, Buf{'d', 'c', '1'}), "no_key_decrypts");
}

TEST(KeyringOpen, RejectsBytesTooShortForTheirVersion) {
  const Keyring ring = ring_of({kA});
  EXPECT_EQ(opened(ring, Buf{}), "too_short");
  Buf v1(28, 0);
  v1[0] = 1;
  EXPECT_EQ(opened(ring, v1), "too_short");
  v1.push_back(0);  // 29: long enough, but not sealed by kA
  EXPECT_EQ(opened(ring, v1), "no_key_decrypts");
  EXPECT_EQ(opened(ring, Buf(44, 0)), "too_short");
  EXPECT_EQ(opened(ring, Buf(45, 0)), "no_key_decrypts");
  // An empty v1 plaintext is exactly 29 bytes and opens.
  EXPECT_EQ(opened(ring, sealed(kA, EncryptionVersion::kV1, {})), "");
}

TEST(KeyringOpen, RejectsVersionsAboveOne) {
  const Keyring ring = ring_of({kA});
  Buf out = sealed(kA, EncryptionVersion::kV1, text_of(40));
  for (int vsn : {2, 8, 255}) {
    out[0] = static_cast<uint8_t>(vsn);
    EXPECT_EQ(opened(ring, out), "unsupported_version") << vsn;
  }
  EXPECT_EQ(opened(ring, Buf{2}), "unsupported_version");  // before the length check, as Go
}

TEST(KeyringOpen, RejectsAuthenticV0WithImpossiblePadding) {
  // Sealed as v1 and relabelled v0: authentic, but the last byte is not a padding length.
  const Keyring ring = ring_of({kA});
  for (int last : {0, 17, 200}) {
    Buf plain = text_of(32);
    plain.back() = static_cast<uint8_t>(last);
    Buf out = sealed(kA, EncryptionVersion::kV1, plain);
    out[0] = 0;
    EXPECT_EQ(opened(ring, out), "bad_padding") << last;
  }
}

TEST(KeyringOpen, ClearsTheOutputOnFailure) {
  Buf out = {1, 2, 3};
  const Buf by_a = sealed(kA, EncryptionVersion::kV1, text_of(20));
  EXPECT_TRUE(open(ring_of({kB}), {}, by_a, out).has_value());
  EXPECT_TRUE(out.empty());
}

TEST(KeyringOpen, EveryErrorHasAName) {
  for (size_t i = 0; i < kOpenErrorCount; ++i)
    EXPECT_STRNE(open_error_name(static_cast<OpenError>(i)), "unknown") << i;
}

TEST(KeyringOpen, FollowsProtocolVersionForTheSealingVersion) {
  EXPECT_EQ(encryption_version_for(1), EncryptionVersion::kV0);
  for (int pv : {2, 3, 4, 5})
    EXPECT_EQ(encryption_version_for(pv), EncryptionVersion::kV1) << pv;
}

// --- streams -------------------------------------------------------------------------------------

Buf sealed_stream(const Key& key, EncryptionVersion vsn, const Buf& plain,
                  std::string_view label = "") {
  Buf out;
  const Status s = seal_stream(key, vsn, nonce_of(9), label, plain, out);
  EXPECT_TRUE(s) << s.message();
  return out;
}

std::string opened_stream(const Keyring& ring, const Buf& bytes, std::string_view label = "",
                          size_t* consumed = nullptr) {
  Buf out;
  if (auto e = open_stream(ring, label, bytes, out, consumed)) return open_error_name(*e);
  return std::string(out.begin(), out.end());
}

TEST(KeyringStream, FrameIsTypeTenBigEndianLengthAndSealedBytes) {
  for (EncryptionVersion vsn : {EncryptionVersion::kV0, EncryptionVersion::kV1}) {
    const Buf plain = text_of(300);
    const Buf frame = sealed_stream(kA, vsn, plain);
    const size_t len = sealed_size(vsn, plain.size());
    ASSERT_EQ(frame.size(), kStreamHeaderBytes + len);
    EXPECT_EQ(frame[0], 0x0a);
    EXPECT_EQ(frame[1], 0);
    EXPECT_EQ(frame[2], 0);
    EXPECT_EQ(frame[3], len >> 8);
    EXPECT_EQ(frame[4], len & 0xff);
    EXPECT_EQ(frame[5], static_cast<uint8_t>(vsn));
    size_t consumed = 0;
    EXPECT_EQ(opened_stream(ring_of({kB, kA}), frame, "", &consumed), str(plain));
    EXPECT_EQ(consumed, frame.size());
  }
}

TEST(KeyringStream, AuthenticatesTheHeaderAndTheLabel) {
  const Keyring ring = ring_of({kA});
  const Buf frame = sealed_stream(kA, EncryptionVersion::kV1, text_of(50), "dc1");
  EXPECT_EQ(opened_stream(ring, frame, "dc1"), str(text_of(50)));
  EXPECT_EQ(opened_stream(ring, frame, "dc2"), "no_key_decrypts");
  EXPECT_EQ(opened_stream(ring, frame, ""), "no_key_decrypts");
  // The same sealed bytes as a packet (AAD without the header) do not open.
  const Buf inner(frame.begin() + kStreamHeaderBytes, frame.end());
  EXPECT_EQ(opened(ring, inner, Buf{'d', 'c', '1'}), "no_key_decrypts");
  // A longer declared length over a longer buffer changes the AAD: rejected too.
  Buf longer = frame;
  longer[4] += 1;
  longer.push_back(0);
  EXPECT_EQ(opened_stream(ring, longer, "dc1"), "no_key_decrypts");
}

TEST(KeyringStream, LeavesBytesAfterTheFrameAlone) {
  Buf frame = sealed_stream(kA, EncryptionVersion::kV1, text_of(10));
  const size_t size = frame.size();
  frame.insert(frame.end(), {1, 2, 3});
  size_t consumed = 0;
  EXPECT_EQ(opened_stream(ring_of({kA}), frame, "", &consumed), str(text_of(10)));
  EXPECT_EQ(consumed, size);
}

TEST(KeyringStream, RejectsAFrameThatIsNotEncrypted) {
  EXPECT_EQ(opened_stream(ring_of({kA}), Buf{0x06, 0x83}), "not_stream");
  EXPECT_EQ(opened_stream(ring_of({kA}), Buf{}), "stream_truncated");
}

TEST(KeyringStream, RejectsADeclaredLengthOver20MiB) {
  const uint32_t over = static_cast<uint32_t>(kMaxStreamBytes + 1);
  const Buf frame = {0x0a, static_cast<uint8_t>(over >> 24), static_cast<uint8_t>(over >> 16),
                     static_cast<uint8_t>(over >> 8), static_cast<uint8_t>(over)};
  EXPECT_EQ(opened_stream(ring_of({kA}), frame), "stream_too_large");
  EXPECT_EQ(opened_stream(ring_of({kA}), Buf{0x0a, 0xff, 0xff, 0xff, 0xff}), "stream_too_large");
}

TEST(KeyringStream, RejectsATruncatedHeaderOrBody) {
  const Keyring ring = ring_of({kA});
  const Buf frame = sealed_stream(kA, EncryptionVersion::kV1, text_of(10));
  for (size_t n : {1u, 4u, 5u, 6u}) {
    EXPECT_EQ(opened_stream(ring, Buf(frame.begin(), frame.begin() + n)), "stream_truncated") << n;
  }
  EXPECT_EQ(opened_stream(ring, Buf(frame.begin(), frame.end() - 1)), "stream_truncated");
  // A declared length too short for any sealed message.
  EXPECT_EQ(opened_stream(ring, Buf{0x0a, 0, 0, 0, 1, 1}), "too_short");
}

TEST(KeyringStream, RefusesToSealMoreThanMemberlistAccepts) {
  Buf out;
  const Buf big(kMaxStreamBytes - kEncryptOverheadV1 + 1, 0);
  const Status s = seal_stream(kA, EncryptionVersion::kV1, nonce_of(0), "", big, out);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("20 MiB"), std::string::npos) << s.message();
  EXPECT_TRUE(out.empty());
  const Buf fits(kMaxStreamBytes - kEncryptOverheadV1, 0);
  ASSERT_TRUE(seal_stream(kA, EncryptionVersion::kV1, nonce_of(0), "", fits, out));
  EXPECT_EQ(out.size(), kStreamHeaderBytes + kMaxStreamBytes);
  EXPECT_EQ(opened_stream(ring_of({kA}), out).size(), fits.size());
}

}  // namespace
}  // namespace rumor::core::wire::ml
