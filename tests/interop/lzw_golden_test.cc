// Golden tests of Go-compatible LZW (src/core/wire/lzw.h) and memberlist's compress message
// (src/core/wire/compress_message.h) against Go's own compress/lzw and go-msgpack:
// tests/interop/golden/lzw.go, the "lzw" mode of the memberlist_golden program
// (RUMOR_MEMBERLIST_GOLDEN names the binary).
//
// What they prove: our encoder writes the very bytes Go's writes, on vectors from empty to 300 KB
// (text, random, runs, every byte value, a real push-pull, inputs long enough to reset the table
// many times); Go's reader decodes our streams to the input and we decode Go's; our compress
// message is byte-identical to memberlist's compressPayload and each side decodes the other's;
// and on corrupt streams (prefixes, bit flips, bad codes, garbage, trailing bytes) we accept and
// reject exactly what Go accepts and rejects, with the same kind of error and the same output.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>

#include "base/prng.h"
#include "core/wire/compress_message.h"
#include "core/wire/go_msgpack.h"
#include "core/wire/lzw.h"
#include "core/wire/memberlist_codec.h"
#include "golden_support.h"

namespace rumor::core::wire {
namespace {

using rumor::testing::golden::from_hex;
using rumor::testing::golden::run_golden;
using rumor::testing::golden::to_hex;

using json = nlohmann::json;
using Buf = std::vector<uint8_t>;

constexpr size_t kNoLimit = 64u << 20;

json run_go(const std::string& mode, const std::string& input) {
  return run_golden(mode, input);
}

// One Go result: the output bytes, or the error Go reported.
struct GoResult {
  std::optional<Buf> bytes;
  std::string error;
};

// Runs `op` over every input in one Go process; results come back in order.
std::vector<GoResult> go_each(const std::string& op, const std::vector<Buf>& inputs) {
  std::string lines;
  for (const Buf& in : inputs)
    lines += op + " " + to_hex(in) + "\n";
  const json doc = run_go("lzw", lines);
  std::vector<GoResult> results;
  for (const json& r : doc["results"]) {
    GoResult g;
    if (r.contains("error")) g.error = r["error"].get<std::string>();
    if (!r["hex"].is_null()) g.bytes = from_hex(r["hex"].get<std::string>());
    results.push_back(std::move(g));
  }
  EXPECT_EQ(results.size(), inputs.size()) << op;
  results.resize(inputs.size());
  return results;
}

// --- inputs ------------------------------------------------------------------------------------

Buf bytes_of(std::string_view s) {
  return Buf(s.begin(), s.end());
}

Buf random_bytes(uint64_t seed, size_t n) {
  Prng prng(seed);
  Buf b(n);
  for (uint8_t& x : b)
    x = static_cast<uint8_t>(prng.next_u64());
  return b;
}

Buf repetitive_text(uint64_t seed, size_t n) {
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

Buf every_byte_value(int reps) {
  Buf b;
  for (int r = 0; r < reps; ++r) {
    for (int v = 0; v < 256; ++v)
      b.push_back(static_cast<uint8_t>(r % 2 ? 255 - v : v));
  }
  return b;
}

Buf periodic(uint64_t seed, size_t period, size_t n) {
  const Buf pattern = random_bytes(seed, period);
  Buf b(n);
  for (size_t i = 0; i < n; ++i)
    b[i] = pattern[i % period];
  return b;
}

// What agents compress most: a push-pull of a 60-node cluster.
Buf push_pull_message() {
  ml::PushPull pp;
  pp.join = true;
  for (int i = 0; i < 60; ++i) {
    pp.nodes.push_back(ml::PushNodeState{
        "node-" + std::to_string(i), ml::Bytes(Buf{10, 0, 0, static_cast<uint8_t>(i)}), 7946,
        ml::Bytes(bytes_of("\x82\xa4role\xa3web\xa2"
                           "dc\xa3"
                           "dc1")),
        static_cast<uint32_t>(i * 3), ml::WireState::kAlive, ml::Bytes(Buf{1, 5, 2, 2, 5, 5})});
  }
  pp.user_state = repetitive_text(99, 500);
  Buf out;
  ml::encode(pp, out);
  return out;
}

struct Vector {
  std::string name;
  Buf input;
};

std::vector<Vector> vectors() {
  return {
      {"empty", {}},
      {"one byte", bytes_of("a")},
      {"two bytes", bytes_of("ab")},
      {"KwKwK run", bytes_of("aaaaaaa")},
      {"text", bytes_of("TOBEORNOTTOBEORTOBEORNOT#, the classic LZW example, said twice: "
                        "TOBEORNOTTOBEORTOBEORNOT#")},
      {"every byte value", every_byte_value(1)},
      {"every byte value x40", every_byte_value(40)},
      {"random 100", random_bytes(1, 100)},
      {"random 4 KB", random_bytes(2, 4096)},
      {"random 100 KB", random_bytes(3, 100000)},
      {"random 300 KB", random_bytes(4, 300000)},
      {"zeros 1000", Buf(1000, 0)},
      {"0xff x 300 KB", Buf(300000, 0xff)},
      {"text 10 KB", repetitive_text(5, 10000)},
      {"text 150 KB", repetitive_text(6, 150000)},
      {"text 300 KB", repetitive_text(7, 300000)},
      {"period 1000 x 120", periodic(8, 1000, 120000)},
      {"push-pull", push_pull_message()},
  };
}

std::vector<Buf> inputs_of(const std::vector<Vector>& vs) {
  std::vector<Buf> in;
  for (const Vector& v : vs)
    in.push_back(v.input);
  return in;
}

Buf ours(const Buf& in) {
  Buf out;
  lzw::compress(in, out);
  return out;
}

// --- encoding ----------------------------------------------------------------------------------

TEST(LzwGolden, CompressIsByteIdenticalToGo) {
  const std::vector<Vector> vs = vectors();
  ASSERT_GE(vs.size(), 15u);
  const std::vector<GoResult> go = go_each("compress", inputs_of(vs));
  for (size_t i = 0; i < vs.size(); ++i) {
    ASSERT_TRUE(go[i].bytes.has_value()) << vs[i].name;
    EXPECT_EQ(ours(vs[i].input), *go[i].bytes) << vs[i].name;
  }
}

TEST(LzwGolden, GoDecompressesOurStreams) {
  const std::vector<Vector> vs = vectors();
  std::vector<Buf> streams;
  for (const Vector& v : vs)
    streams.push_back(ours(v.input));
  const std::vector<GoResult> go = go_each("decompress", streams);
  for (size_t i = 0; i < vs.size(); ++i) {
    EXPECT_EQ(go[i].error, "") << vs[i].name;
    EXPECT_EQ(go[i].bytes, vs[i].input) << vs[i].name;
  }
}

TEST(LzwGolden, WeDecompressGoStreams) {
  const std::vector<Vector> vs = vectors();
  const std::vector<GoResult> go = go_each("compress", inputs_of(vs));
  for (size_t i = 0; i < vs.size(); ++i) {
    ASSERT_TRUE(go[i].bytes.has_value()) << vs[i].name;
    Buf out;
    const auto e = lzw::decompress(*go[i].bytes, vs[i].input.size(), out);
    EXPECT_FALSE(e.has_value()) << vs[i].name << ": " << lzw::error_name(*e);
    EXPECT_EQ(out, vs[i].input) << vs[i].name;
  }
}

// --- the compress message ------------------------------------------------------------------------

TEST(LzwGolden, CompressMessageIsByteIdenticalToMemberlist) {
  const std::vector<Vector> vs = vectors();
  const std::vector<GoResult> go = go_each("encode_msg", inputs_of(vs));
  for (size_t i = 0; i < vs.size(); ++i) {
    Buf msg;
    ml::encode_compressed(vs[i].input, msg);
    EXPECT_EQ(go[i].bytes, msg) << vs[i].name;
  }
}

TEST(LzwGolden, CompressMessagesDecodeBothWays) {
  const std::vector<Vector> vs = vectors();
  std::vector<Buf> bodies;
  for (const Vector& v : vs) {
    Buf msg;
    ml::encode_compressed(v.input, msg);
    bodies.emplace_back(msg.begin() + 1, msg.end());
  }
  const std::vector<GoResult> go = go_each("decode_msg", bodies);
  for (size_t i = 0; i < vs.size(); ++i) {
    EXPECT_EQ(go[i].error, "") << vs[i].name;
    EXPECT_EQ(go[i].bytes, vs[i].input) << vs[i].name;
    Buf out;
    EXPECT_FALSE(ml::decode_compressed(bodies[i], kNoLimit, out).has_value()) << vs[i].name;
    EXPECT_EQ(out, vs[i].input) << vs[i].name;
  }
}

TEST(LzwGolden, BadCompressMessagesAreRejectedLikeMemberlist) {
  const Buf lzw_x = ours(bytes_of("x"));
  auto body = [&](uint8_t algo) {
    Buf b;
    gomsgpack::Encoder e(b);
    e.map_header(2);
    e.str("Algo");
    e.uint(algo);
    e.str("Buf");
    e.bytes(lzw_x);
    return b;
  };
  const std::vector<Buf> bad = {
      body(1),
      body(2),
      body(0x7f),  // unknown algorithms
      {},
      {0xc1},
      {0x82, 0xa4, 'A', 'l', 'g'},                    // not a msgpack struct
      {0x81, 0xa4, 'A', 'l', 'g', 'o', 0x00},         // no Buf: an empty LZW stream
      {0x81, 0xa3, 'B', 'u', 'f', 0xa2, 0x00, 0x05},  // a truncated LZW stream
  };
  const std::vector<GoResult> go = go_each("decode_msg", bad);
  for (size_t i = 0; i < bad.size(); ++i) {
    EXPECT_NE(go[i].error, "") << "Go accepted " << to_hex(bad[i]);
    Buf out;
    EXPECT_TRUE(ml::decode_compressed(bad[i], kNoLimit, out).has_value()) << to_hex(bad[i]);
  }
  Buf out;
  EXPECT_EQ(ml::decode_compressed(body(1), kNoLimit, out), ml::CompressError::kUnknownAlgo);
}

// --- corrupt streams
// ------------------------------------------------------------------------------

// Streams Go's encoder never writes: cut short, bit-flipped, with invalid codes, pure garbage,
// and valid ones with junk after the End code.
std::vector<Buf> corrupt_streams() {
  std::vector<Buf> out = {{}, {0x00}, {0x00, 0x01}, {0x00, 0x05, 0x02}, {0xff, 0xff, 0xff}};
  const Buf text = ours(repetitive_text(11, 5000));
  for (size_t n = 0; n < text.size(); n += 37)
    out.emplace_back(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(n));
  for (size_t bit = 0; bit < text.size() * 8; bit += 53) {
    Buf flipped = text;
    flipped[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    out.push_back(std::move(flipped));
  }
  for (uint64_t seed = 0; seed < 200; ++seed)
    out.push_back(random_bytes(1000 + seed, 1 + seed % 64));
  Buf trailing = ours(bytes_of("trailing bytes are ignored"));
  trailing.insert(trailing.end(), {0x12, 0x34, 0xff});
  out.push_back(std::move(trailing));
  return out;
}

// Go's reader errors, as our error kinds.
std::optional<lzw::Error> kind_of(const std::string& go_error) {
  if (go_error.empty()) return std::nullopt;
  if (go_error == "unexpected EOF") return lzw::Error::kTruncated;
  if (go_error == "lzw: invalid code") return lzw::Error::kBadCode;
  ADD_FAILURE() << "unexpected Go error " << go_error;
  return lzw::Error::kTooLarge;
}

TEST(LzwGolden, CorruptStreamsAreRejectedExactlyAsGoRejectsThem) {
  const std::vector<Buf> streams = corrupt_streams();
  const std::vector<GoResult> go = go_each("decompress", streams);
  size_t accepted = 0;
  size_t truncated = 0;
  size_t bad_code = 0;
  for (size_t i = 0; i < streams.size(); ++i) {
    Buf out;
    const auto e = lzw::decompress(streams[i], kNoLimit, out);
    EXPECT_EQ(e, kind_of(go[i].error)) << to_hex(streams[i]) << ": Go says " << go[i].error;
    if (!e) {
      ++accepted;
      EXPECT_EQ(go[i].bytes, out) << to_hex(streams[i]);
    } else if (*e == lzw::Error::kTruncated) {
      ++truncated;
    } else {
      ++bad_code;
    }
  }
  // The set exercises every outcome, not just one.
  EXPECT_GT(accepted, 1u);
  EXPECT_GT(truncated, 10u);
  EXPECT_GT(bad_code, 10u);
}

}  // namespace
}  // namespace rumor::core::wire
