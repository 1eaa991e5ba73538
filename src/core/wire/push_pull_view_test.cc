// The allocation-free push-pull path must agree with the general codec byte for byte (writing)
// and value for value (reading), and defer to it on anything unusual.
#include "core/wire/push_pull_view.h"

#include <gtest/gtest.h>

#include "base/prng.h"
#include "core/wire/go_msgpack.h"

namespace rumor::core::wire::ml {
namespace {

PushPull sample(Prng& prng, size_t n) {
  PushPull pp;
  pp.join = prng.chance(0.5);
  for (size_t i = 0; i < n; ++i) {
    PushNodeState s;
    s.name = "node-" + std::to_string(prng.uniform(1u << 20)) + std::string(prng.uniform(40), 'x');
    const size_t ip = prng.chance(0.5) ? 4 : 16;
    std::vector<uint8_t> addr(ip);
    for (auto& b : addr)
      b = static_cast<uint8_t>(prng.uniform(256));
    s.addr = Bytes(addr);
    s.port = static_cast<uint16_t>(prng.uniform(65536));
    std::vector<uint8_t> meta(prng.uniform(3) == 0 ? prng.uniform(513) : 0);
    for (auto& b : meta)
      b = static_cast<uint8_t>(prng.uniform(256));
    s.meta = Bytes(meta);
    s.incarnation = static_cast<uint32_t>(prng.next_u64());
    s.state = static_cast<WireState>(prng.uniform(4));
    s.vsn = Bytes(std::vector<uint8_t>(kDefaultVsn.begin(), kDefaultVsn.end()));
    pp.nodes.push_back(s);
  }
  pp.user_state.assign(prng.uniform(100), 0x42);
  return pp;
}

TEST(PushPullView, WriterMatchesTheGeneralEncoderByteForByte) {
  Prng prng(7);
  for (int round = 0; round < 50; ++round) {
    const PushPull pp = sample(prng, prng.uniform(20));
    std::vector<uint8_t> general;
    encode(pp, general);
    std::vector<uint8_t> fast;
    encode_push_pull_header(pp.join, pp.nodes.size(), pp.user_state.size(), fast);
    for (const PushNodeState& s : pp.nodes) {
      encode_push_node(PushNodeView{s.name, s.addr.data, s.port, s.meta.data, s.incarnation,
                                    s.state, s.vsn.data},
                       fast);
    }
    fast.insert(fast.end(), pp.user_state.begin(), pp.user_state.end());
    ASSERT_EQ(fast, general) << "round " << round;
  }
}

TEST(PushPullView, ReaderYieldsTheGeneralDecodersValuesWithoutFallingBack) {
  Prng prng(11);
  for (int round = 0; round < 50; ++round) {
    const PushPull pp = sample(prng, prng.uniform(20));
    std::vector<uint8_t> bytes;
    encode(pp, bytes);
    PushPullView view;
    ASSERT_FALSE(decode_push_pull_view(std::span<const uint8_t>(bytes).subspan(1), 1000, view));
    EXPECT_FALSE(view.fell_back);
    EXPECT_EQ(view.join, pp.join);
    ASSERT_EQ(view.nodes.size(), pp.nodes.size());
    for (size_t i = 0; i < pp.nodes.size(); ++i) {
      const PushNodeView& v = view.nodes[i];
      const PushNodeState& s = pp.nodes[i];
      EXPECT_EQ(v.name, s.name);
      EXPECT_TRUE(std::ranges::equal(v.addr, s.addr.data));
      EXPECT_EQ(v.port, s.port);
      EXPECT_TRUE(std::ranges::equal(v.meta, s.meta.data));
      EXPECT_EQ(v.incarnation, s.incarnation);
      EXPECT_EQ(v.state, s.state);
      EXPECT_TRUE(std::ranges::equal(v.vsn, s.vsn.data));
    }
    EXPECT_TRUE(std::ranges::equal(view.user_state, pp.user_state));
  }
}

TEST(PushPullView, UnusualButValidInputFallsBackToTheGeneralDecoder) {
  // A state whose Vsn is an array of ints (go-msgpack accepts it for []byte) and an unknown
  // key holding a map.
  std::vector<uint8_t> body;
  gomsgpack::Encoder e(body);
  e.map_header(3);
  e.str("Join");
  e.boolean(false);
  e.str("Nodes");
  e.uint(1);
  e.str("UserStateLen");
  e.uint(0);
  e.map_header(4);
  e.str("Name");
  e.str("a");
  e.str("Incarnation");
  e.uint(3);
  e.str("Vsn");
  e.array_header(2);
  e.uint(1);
  e.uint(5);
  e.str("Extra");
  e.map_header(0);
  PushPullView view;
  ASSERT_FALSE(decode_push_pull_view(body, 10, view));
  EXPECT_TRUE(view.fell_back);
  ASSERT_EQ(view.nodes.size(), 1u);
  EXPECT_EQ(view.nodes[0].name, "a");
  EXPECT_EQ(view.nodes[0].incarnation, 3u);
  EXPECT_EQ(view.nodes[0].vsn.size(), 2u);
}

TEST(PushPullView, MalformedInputGetsTheGeneralDecodersError) {
  Prng prng(3);
  const PushPull pp = sample(prng, 5);
  std::vector<uint8_t> bytes;
  encode(pp, bytes);
  const std::span<const uint8_t> body = std::span<const uint8_t>(bytes).subspan(1);
  for (size_t cut = 0; cut < body.size(); cut += 7) {
    PushPullView view;
    PushPull general;
    const auto fast_err = decode_push_pull_view(body.first(cut), 1000, view);
    const auto slow_err = decode_push_pull(body.first(cut), general, 1000);
    EXPECT_EQ(fast_err, slow_err) << "cut at " << cut;
  }
  PushPullView view;
  EXPECT_EQ(decode_push_pull_view(body, 2, view), MlError::kTooManyNodes);
}

}  // namespace
}  // namespace rumor::core::wire::ml
