// Unit tests of Go-compatible LZW (lzw.h) and memberlist's compress message
// (compress_message.h). Byte-for-byte agreement with the real Go code is proven in
// tests/interop/lzw_golden_test.cc; these pin the fact-sheet vectors (spec §5), round trips
// across many table resets, and every error.
#include "core/wire/lzw.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/prng.h"
#include "core/wire/compress_message.h"
#include "core/wire/go_msgpack.h"

namespace rumor::core::wire {
namespace {

using Bytes = std::vector<uint8_t>;

// Codes made between two resets of Go's encoder: 258 .. 4094.
constexpr size_t kCodesPerTable = 4095 - 258 + 1;

Bytes bytes_of(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

Bytes random_bytes(uint64_t seed, size_t n) {
  Prng prng(seed);
  Bytes b(n);
  for (uint8_t& x : b)
    x = static_cast<uint8_t>(prng.next_u64());
  return b;
}

// Log-like text: few distinct words, so it compresses well, yet varied enough to need many
// thousands of codes (and so many table resets) at a few hundred KB.
Bytes repetitive_text(uint64_t seed, size_t n) {
  static constexpr std::string_view kWords[] = {"node", "alive",  "suspect", "dead", "ping",
                                                "ack",  "gossip", "dc1",     "serf", "member"};
  Prng prng(seed);
  std::string s;
  while (s.size() < n) {
    s += kWords[prng.uniform(std::size(kWords))];
    s += '-';
    s += std::to_string(prng.uniform(64));
    s += prng.uniform(8) == 0 ? '\n' : ' ';
  }
  s.resize(n);
  return bytes_of(s);
}

Bytes compressed(const Bytes& in) {
  Bytes out;
  lzw::compress(in, out);
  return out;
}

// Codes are at most 12 bits, so a stream of `bits` bits holds at least bits / 12 codes.
size_t min_codes(const Bytes& stream) {
  return stream.size() * 8 / 12;
}

void expect_round_trip(const Bytes& in) {
  const Bytes stream = compressed(in);
  Bytes out;
  const auto e = lzw::decompress(stream, in.size(), out);
  ASSERT_FALSE(e.has_value()) << lzw::error_name(*e) << " for " << in.size() << " bytes";
  EXPECT_EQ(out, in);
}

// Packs codes LSB-first at given widths: lets a test write streams Go's encoder never makes.
class CodeWriter {
 public:
  void put(uint32_t code, unsigned width) {
    bits_ |= uint64_t{code} << pending_;
    pending_ += width;
    while (pending_ >= 8) {
      bytes_.push_back(static_cast<uint8_t>(bits_));
      bits_ >>= 8;
      pending_ -= 8;
    }
  }
  Bytes finish() {
    if (pending_ > 0) bytes_.push_back(static_cast<uint8_t>(bits_));
    return bytes_;
  }

 private:
  Bytes bytes_;
  uint64_t bits_ = 0;
  unsigned pending_ = 0;
};

// --- lzw: encoding ---------------------------------------------------------------------------

TEST(Lzw, EmptyInputEncodesAsClearThenEnd) {
  EXPECT_EQ(compressed({}), (Bytes{0x00, 0x03, 0x02}));
}

TEST(Lzw, OneByteEncodesAsClearLiteralEnd) {
  EXPECT_EQ(compressed(bytes_of("a")), (Bytes{0x00, 0xc3, 0x04, 0x04}));
}

TEST(Lzw, CompressAppendsToOutput) {
  Bytes out{0xaa};
  lzw::compress(bytes_of("a"), out);
  EXPECT_EQ(out, (Bytes{0xaa, 0x00, 0xc3, 0x04, 0x04}));
}

TEST(Lzw, LongRunsCompressToAFewBytes) {
  const Bytes zeros(300000, 0);
  EXPECT_LT(compressed(zeros).size(), 1200u);
  expect_round_trip(zeros);
}

// --- lzw: round trips ------------------------------------------------------------------------

TEST(Lzw, RoundTripsShortInputsOfEverySmallSize) {
  for (size_t n = 0; n < 300; ++n) {
    expect_round_trip(random_bytes(n, n));
    expect_round_trip(Bytes(n, static_cast<uint8_t>(n)));  // KwKwK at every length
  }
}

TEST(Lzw, RoundTripsRandomInputsAcrossManyTableResets) {
  for (size_t n : {4096u, 65536u, 100001u, 300000u}) {
    const Bytes in = random_bytes(n, n);
    EXPECT_GT(min_codes(compressed(in)), n < 10000 ? 0 : 3 * kCodesPerTable);
    expect_round_trip(in);
  }
}

TEST(Lzw, RoundTripsRepetitiveTextAcrossTableResets) {
  for (size_t n : {1000u, 50000u, 300000u}) {
    const Bytes in = repetitive_text(n, n);
    const Bytes stream = compressed(in);
    EXPECT_LT(stream.size(), in.size() * 6 / 10);
    if (n == 300000u) {
      EXPECT_GT(min_codes(stream), 3 * kCodesPerTable);
    }
    expect_round_trip(in);
  }
}

TEST(Lzw, RoundTripsEveryByteValue) {
  Bytes all;
  for (int rep = 0; rep < 20; ++rep) {
    for (int b = 0; b < 256; ++b)
      all.push_back(static_cast<uint8_t>(rep % 2 ? 255 - b : b));
  }
  expect_round_trip(all);
}

// --- lzw: decoding what Go's reader accepts --------------------------------------------------

TEST(Lzw, DecompressIgnoresBytesAfterEnd) {
  Bytes stream = compressed(bytes_of("hello hello hello"));
  stream.insert(stream.end(), {0xff, 0x00, 0x13});
  Bytes out;
  EXPECT_FALSE(lzw::decompress(stream, 1000, out).has_value());
  EXPECT_EQ(out, bytes_of("hello hello hello"));
}

TEST(Lzw, DecompressAcceptsStreamWithoutLeadingClear) {
  CodeWriter w;
  w.put('a', 9);
  w.put('b', 9);
  w.put(258, 9);  // "ab", learned from the first two codes
  w.put(257, 9);
  Bytes out;
  EXPECT_FALSE(lzw::decompress(w.finish(), 100, out).has_value());
  EXPECT_EQ(out, bytes_of("abab"));
}

TEST(Lzw, DecompressClearsOutputFirst) {
  Bytes out = bytes_of("stale");
  EXPECT_FALSE(lzw::decompress(compressed(bytes_of("x")), 10, out).has_value());
  EXPECT_EQ(out, bytes_of("x"));
}

// Go's encoder resets before the table fills, but Go's reader takes a stream that does not:
// at width 12 it stops learning (code 4095 stays the last entry) until a Clear.
TEST(Lzw, WidthStopsAtTwelveAndTableFreezesUntilClear) {
  CodeWriter w;
  Bytes expected;
  w.put(256, 9);
  for (size_t k = 0; k < 5000; ++k) {
    const size_t hi = 257 + std::min<size_t>(k, 4095 - 257);
    const unsigned width = hi < 512 ? 9 : hi < 1024 ? 10 : hi < 2048 ? 11 : 12;
    w.put(static_cast<uint8_t>(k), width);
    expected.push_back(static_cast<uint8_t>(k));
  }
  w.put(4095, 12);  // the entry learned last: literal 3837, then literal 3838's byte
  expected.push_back(static_cast<uint8_t>(3837));
  expected.push_back(static_cast<uint8_t>(3838));
  w.put(256, 12);
  w.put('x', 9);
  w.put(257, 9);
  expected.push_back('x');
  Bytes out;
  const auto e = lzw::decompress(w.finish(), 1 << 20, out);
  ASSERT_FALSE(e.has_value()) << lzw::error_name(*e);
  EXPECT_EQ(out, expected);
}

// --- lzw: errors -----------------------------------------------------------------------------

TEST(Lzw, EmptyStreamIsTruncated) {
  Bytes out;
  EXPECT_EQ(lzw::decompress({}, 100, out), lzw::Error::kTruncated);
}

TEST(Lzw, EveryProperPrefixOfAStreamIsTruncated) {
  const Bytes stream = compressed(repetitive_text(7, 3000));
  Bytes out;
  for (size_t n = 0; n < stream.size(); ++n) {
    EXPECT_EQ(lzw::decompress(std::span(stream).first(n), 1 << 20, out), lzw::Error::kTruncated)
        << n;
  }
}

TEST(Lzw, CodeBeyondNextFreeIsBadCode) {
  CodeWriter w;
  w.put(256, 9);
  w.put(258, 9);  // nothing learned yet: the next free code is 258, but only 257 is defined
  Bytes out;
  EXPECT_EQ(lzw::decompress(w.finish(), 100, out), lzw::Error::kBadCode);

  CodeWriter w2;
  w2.put('a', 9);
  w2.put('b', 9);
  w2.put(260, 9);  // 258 is "ab" and 259 is the KwKwK code; 260 is beyond
  EXPECT_EQ(lzw::decompress(w2.finish(), 100, out), lzw::Error::kBadCode);
}

TEST(Lzw, OutputOverMaxOutIsTooLarge) {
  const Bytes in = repetitive_text(3, 10000);
  const Bytes stream = compressed(in);
  Bytes out;
  EXPECT_EQ(lzw::decompress(stream, in.size() - 1, out), lzw::Error::kTooLarge);
  EXPECT_LE(out.size(), in.size() - 1);
  EXPECT_FALSE(lzw::decompress(stream, in.size(), out).has_value());
  EXPECT_FALSE(lzw::decompress(compressed({}), 0, out).has_value());
  EXPECT_EQ(lzw::decompress(compressed(bytes_of("a")), 0, out), lzw::Error::kTooLarge);
}

TEST(Lzw, DecompressionBombStopsAtTheLimit) {
  const Bytes bomb = compressed(Bytes(8 << 20, 'z'));
  ASSERT_LT(bomb.size(), 10000u);
  Bytes out;
  EXPECT_EQ(lzw::decompress(bomb, 1 << 20, out), lzw::Error::kTooLarge);
  EXPECT_LE(out.size(), size_t{1} << 20);
}

TEST(Lzw, GarbageNeverCrashes) {
  Bytes out;
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    const Bytes junk = random_bytes(seed, seed % 200);
    const auto e = lzw::decompress(junk, 4096, out);
    if (!e) {
      EXPECT_LE(out.size(), 4096u);
    }
  }
}

TEST(Lzw, ErrorsHaveNames) {
  EXPECT_STREQ(lzw::error_name(lzw::Error::kTruncated), "truncated");
  EXPECT_STREQ(lzw::error_name(lzw::Error::kBadCode), "bad_code");
  EXPECT_STREQ(lzw::error_name(lzw::Error::kTooLarge), "too_large");
}

// --- compress message --------------------------------------------------------------------------

Bytes compress_body(uint64_t algo, const Bytes& buf) {
  Bytes out;
  gomsgpack::Encoder e(out);
  e.map_header(2);
  e.str("Algo");
  e.uint(algo);
  e.str("Buf");
  e.bytes(buf);
  return out;
}

std::optional<ml::CompressError> decode(const Bytes& body, Bytes& out, size_t max = 1 << 20) {
  return ml::decode_compressed(body, max, out);
}

TEST(CompressMessage, EncodesTypeByteThenSortedAlgoAndBufAsStr) {
  Bytes out;
  ml::encode_compressed(bytes_of("a"), out);
  const Bytes expected{0x09, 0x82, 0xa4, 'A',  'l',  'g',  'o',  0x00, 0xa3,
                       'B',  'u',  'f',  0xa4, 0x00, 0xc3, 0x04, 0x04};
  EXPECT_EQ(out, expected);
}

TEST(CompressMessage, RoundTripsSmallAndLargeMessages) {
  for (size_t n : {0u, 1u, 20u, 200u, 70000u, 300000u}) {
    const Bytes msg = n % 2 ? random_bytes(n, n) : repetitive_text(n, n);
    Bytes wire{0x42};
    ml::encode_compressed(msg, wire);
    ASSERT_EQ(wire[1], ml::kCompressTypeByte);
    Bytes out;
    const auto e = decode(Bytes(wire.begin() + 2, wire.end()), out, msg.size());
    ASSERT_FALSE(e.has_value()) << ml::compress_error_name(*e);
    EXPECT_EQ(out, msg);
  }
}

TEST(CompressMessage, UnknownAlgoIsRejected) {
  Bytes out;
  EXPECT_EQ(decode(compress_body(1, compressed(bytes_of("x"))), out),
            ml::CompressError::kUnknownAlgo);
  EXPECT_EQ(decode(compress_body(255, compressed(bytes_of("x"))), out),
            ml::CompressError::kUnknownAlgo);
}

TEST(CompressMessage, ReadsLenientlyLikeGoMsgpack) {
  const Bytes lzw_x = compressed(bytes_of("x"));
  Bytes out;
  // Buf before Algo, as bin8, with an unknown key in between.
  Bytes body{0x83, 0xa3, 'B', 'u', 'f', 0xc4, static_cast<uint8_t>(lzw_x.size())};
  body.insert(body.end(), lzw_x.begin(), lzw_x.end());
  body.insert(body.end(), {0xa1, 'Z', 0x93, 1, 2, 3, 0xa4, 'A', 'l', 'g', 'o', 0xcd, 0x00, 0x00});
  ASSERT_FALSE(decode(body, out).has_value());
  EXPECT_EQ(out, bytes_of("x"));
  // The array form of the struct, Buf as an array of byte values, and bytes after the body.
  Bytes array;
  gomsgpack::Encoder e(array);
  e.array_header(2);
  e.uint(0);
  e.array_header(static_cast<uint32_t>(lzw_x.size()));
  for (uint8_t b : lzw_x)
    e.uint(b);
  array.push_back(0xc1);
  ASSERT_FALSE(decode(array, out).has_value());
  EXPECT_EQ(out, bytes_of("x"));
}

TEST(CompressMessage, MalformedBodyIsBadBody) {
  Bytes out;
  EXPECT_EQ(decode({}, out), ml::CompressError::kBadBody);
  EXPECT_EQ(decode({0xc1}, out), ml::CompressError::kBadBody);
  EXPECT_EQ(decode({0x82, 0xa4, 'A', 'l', 'g'}, out), ml::CompressError::kBadBody);
  EXPECT_EQ(decode({0x2a}, out), ml::CompressError::kBadBody);  // not a struct
  EXPECT_EQ(decode({0x81, 0xa4, 'A', 'l', 'g', 'o', 0xcd, 0x01, 0x2c}, out),
            ml::CompressError::kBadBody);  // Algo 300 does not fit a uint8
  EXPECT_EQ(decode({0x81, 0xa3, 'B', 'u', 'f', 0xc3}, out), ml::CompressError::kBadBody);
}

TEST(CompressMessage, LzwErrorsComeThrough) {
  Bytes out;
  // No Buf at all: Go decompresses an empty buffer, which has no End code.
  EXPECT_EQ(decode({0x81, 0xa4, 'A', 'l', 'g', 'o', 0x00}, out), ml::CompressError::kTruncated);
  EXPECT_EQ(decode(compress_body(0, {0x00, 0x03}), out), ml::CompressError::kTruncated);
  EXPECT_EQ(decode(compress_body(0, {0x00, 0x05, 0x02}), out), ml::CompressError::kBadCode);
  EXPECT_EQ(decode(compress_body(0, compressed(Bytes(100, 'q'))), out, 99),
            ml::CompressError::kTooLarge);
}

TEST(CompressMessage, ErrorsHaveNames) {
  EXPECT_STREQ(ml::compress_error_name(ml::CompressError::kBadBody), "bad_body");
  EXPECT_STREQ(ml::compress_error_name(ml::CompressError::kUnknownAlgo), "unknown_algo");
  EXPECT_STREQ(ml::compress_error_name(ml::CompressError::kTooLarge), "too_large");
}

}  // namespace
}  // namespace rumor::core::wire
