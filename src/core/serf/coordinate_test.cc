#include "core/serf/coordinate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace rumor::core::serf {
namespace {

using Buf = std::vector<uint8_t>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Coordinate at(std::vector<double> vec, double height = 10.0e-6, double adjustment = 0.0,
              double error = 1.5) {
  return Coordinate{std::move(vec), error, adjustment, height};
}

Coordinate at8(double x, double y = 0.0) {
  std::vector<double> v(8, 0.0);
  v[0] = x;
  v[1] = y;
  return at(v);
}

Buf hex(const std::string& s) {
  Buf b;
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    b.push_back(static_cast<uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  }
  return b;
}

void put_str(Buf& b, const std::string& s) {
  b.push_back(static_cast<uint8_t>(0xa0 | s.size()));
  b.insert(b.end(), s.begin(), s.end());
}

// --- config -------------------------------------------------------------------------------------

TEST(CoordinateConfig, DefaultsAreSerfsAndValidate) {
  const CoordinateConfig c;
  EXPECT_EQ(c.dimensionality, 8u);
  EXPECT_EQ(c.vivaldi_error_max, 1.5);
  EXPECT_EQ(c.vivaldi_ce, 0.25);
  EXPECT_EQ(c.vivaldi_cc, 0.25);
  EXPECT_EQ(c.adjustment_window_size, 20u);
  EXPECT_EQ(c.height_min, 1e-5);
  EXPECT_EQ(c.latency_filter_size, 3u);
  EXPECT_EQ(c.gravity_rho, 150.0);
  EXPECT_TRUE(c.validate().is_ok());
}

TEST(CoordinateConfig, ValidateNamesTheFieldOutOfRange) {
  auto expect_bad = [](CoordinateConfig c, const std::string& field) {
    const Status s = c.validate();
    ASSERT_FALSE(s.is_ok()) << field;
    EXPECT_EQ(s.message().rfind(field + ":", 0), 0u) << s.message();
  };
  CoordinateConfig c;
  c.dimensionality = 0;
  expect_bad(c, "dimensionality");
  c = {};
  c.dimensionality = kMaxDimensionality + 1;
  expect_bad(c, "dimensionality");
  c = {};
  c.vivaldi_error_max = kNaN;
  expect_bad(c, "vivaldi_error_max");
  c = {};
  c.vivaldi_ce = 0;
  expect_bad(c, "vivaldi_ce");
  c = {};
  c.vivaldi_cc = 1.5;
  expect_bad(c, "vivaldi_cc");
  c = {};
  c.adjustment_window_size = kMaxAdjustmentWindow + 1;
  expect_bad(c, "adjustment_window_size");
  c = {};
  c.height_min = 0;
  expect_bad(c, "height_min");
  c = {};
  c.latency_filter_size = 0;
  expect_bad(c, "latency_filter_size");
  c = {};
  c.gravity_rho = -kInf;
  expect_bad(c, "gravity_rho");
  c = {};
  c.max_nodes = 0;
  expect_bad(c, "max_nodes");
}

TEST(CoordinateConfig, ZeroAdjustmentWindowDisablesTheAdjustment) {
  CoordinateConfig config;
  config.adjustment_window_size = 0;
  ASSERT_TRUE(config.validate().is_ok());
  CoordinateClient client(config);
  Prng prng(1);
  for (int i = 0; i < 10; ++i) {
    ASSERT_FALSE(client.update("a", at8(0.01), Duration::millis(40), prng));
  }
  EXPECT_EQ(client.coordinate().adjustment, 0.0);
}

// --- Coordinate ---------------------------------------------------------------------------------

TEST(Coordinate, FreshCoordinateIsAtOriginWithErrorMaxAndHeightMin) {
  const Coordinate c = Coordinate::fresh(CoordinateConfig{});
  EXPECT_EQ(c.vec, std::vector<double>(8, 0.0));
  EXPECT_EQ(c.error, 1.5);
  EXPECT_EQ(c.adjustment, 0.0);
  EXPECT_EQ(c.height, 1e-5);
  EXPECT_TRUE(c.is_valid());
}

TEST(Coordinate, IsValidRejectsNaNAndInfinityInEveryComponent) {
  Coordinate c = Coordinate::fresh(CoordinateConfig{});
  for (double bad : {kNaN, kInf, -kInf}) {
    Coordinate v = c;
    v.vec[5] = bad;
    EXPECT_FALSE(v.is_valid());
    v = c;
    v.error = bad;
    EXPECT_FALSE(v.is_valid());
    v = c;
    v.adjustment = bad;
    EXPECT_FALSE(v.is_valid());
    v = c;
    v.height = bad;
    EXPECT_FALSE(v.is_valid());
  }
}

// Go's TestCoordinate_DistanceTo: a 3-4-5 style example with heights and adjustments.
TEST(Coordinate, DistanceIncludesHeightsAndAdjustments) {
  const Coordinate a = at({-0.5, 1.3, 2.4, -5.0}, 0.1, 0.0);
  const Coordinate b = at({1.2, -2.3, 3.4, 2.1}, 0.2, 0.0);
  const double raw = std::sqrt(1.7 * 1.7 + 3.6 * 3.6 + 1.0 * 1.0 + 7.1 * 7.1) + 0.1 + 0.2;
  EXPECT_NEAR(a.raw_distance_to(b), raw, 1e-12);
  EXPECT_NEAR(a.distance_to(b).sec(), raw, 1e-9);

  Coordinate a_adj = a;
  a_adj.adjustment = 0.3;
  Coordinate b_adj = b;
  b_adj.adjustment = -0.1;
  EXPECT_NEAR(a_adj.distance_to(b_adj).sec(), raw + 0.2, 1e-9);

  // An adjustment that would make the estimate non-positive is ignored.
  a_adj.adjustment = -100.0;
  EXPECT_NEAR(a_adj.distance_to(b).sec(), raw, 1e-9);
}

TEST(Coordinate, DistanceIsSymmetric) {
  Prng prng(7);
  for (int i = 0; i < 200; ++i) {
    std::vector<double> va(8), vb(8);
    for (int d = 0; d < 8; ++d) {
      va[d] = prng.unit() - 0.5;
      vb[d] = prng.unit() - 0.5;
    }
    const Coordinate a = at(va, prng.unit() * 0.01, prng.unit() * 0.01 - 0.005);
    const Coordinate b = at(vb, prng.unit() * 0.01, prng.unit() * 0.01 - 0.005);
    // Go adds the heights in the caller's order, so the two doubles may differ in the last bit,
    // which truncation to nanoseconds can turn into 1 ns.
    EXPECT_LE(std::abs((a.distance_to(b) - b.distance_to(a)).ns()), 1);
    EXPECT_EQ(a.raw_distance_to(a) - a.height, a.height);
  }
}

TEST(Coordinate, DistanceTruncatesToWholeNanoseconds) {
  CoordinateConfig config;
  const Coordinate o = at(std::vector<double>(3, 0.0), 0.0);
  const Coordinate x = at({0.0, 0.0, 12.345}, 0.0);
  EXPECT_EQ(o.distance_to(x), Duration::nanos(12'345'000'000));
  // Beyond int64 nanoseconds Go's conversion gives the least int64 on amd64; no UB here.
  const Coordinate far = at({0.0, 0.0, 1e300}, 0.0);
  EXPECT_EQ(o.distance_to(far).ns(), std::numeric_limits<int64_t>::min());
}

TEST(Coordinate, ApplyForceMovesAwayFromOtherAndRaisesHeight) {
  const CoordinateConfig config;
  Prng prng(1);
  const Coordinate origin = Coordinate::fresh(config);
  const Coordinate above = at8(0.0, 0.5);
  const Coordinate pushed = origin.apply_force(config, 0.25, above, prng);
  EXPECT_NEAR(pushed.vec[1], -0.25, 1e-15);
  EXPECT_GT(pushed.height, origin.height);
  // A negative force pulls toward the other; the height never drops below height_min.
  const Coordinate pulled = origin.apply_force(config, -0.25, above, prng);
  EXPECT_NEAR(pulled.vec[1], 0.25, 1e-15);
  EXPECT_EQ(pulled.height, config.height_min);
}

TEST(Coordinate, CoincidentPointsTakeADirectionFromTheCallersPrng) {
  const CoordinateConfig config;
  const Coordinate origin = Coordinate::fresh(config);
  Prng p1(42), p2(42), p3(43);
  const Coordinate a = origin.apply_force(config, 1.0, origin, p1);
  const Coordinate b = origin.apply_force(config, 1.0, origin, p2);
  const Coordinate c = origin.apply_force(config, 1.0, origin, p3);
  EXPECT_EQ(a, b);  // the same seed, the same direction
  EXPECT_NE(a.vec, c.vec);
  double norm = 0;
  for (double x : a.vec)
    norm += x * x;
  EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-12);  // a unit step
  EXPECT_EQ(a.height, origin.height);        // no distance, so the height stays
}

// --- CoordinateClient ---------------------------------------------------------------------------

TEST(CoordinateClient, FreshClientIsAtTheOrigin) {
  const CoordinateClient client(CoordinateConfig{});
  EXPECT_EQ(client.coordinate(), Coordinate::fresh(CoordinateConfig{}));
  EXPECT_EQ(client.tracked_nodes(), 0u);
}

// Go's TestClient_Update: a node right above us, further than it looks, pushes us down.
TEST(CoordinateClient, UpdateMovesAwayFromANodeFartherThanEstimated) {
  CoordinateConfig config;
  config.dimensionality = 3;
  CoordinateClient client(config);
  Prng prng(1);
  Coordinate other = Coordinate::fresh(config);
  other.vec[2] = 0.001;
  ASSERT_FALSE(client.update("node", other, Duration::nanos(2'000'000), prng));
  EXPECT_LT(client.coordinate().vec[2], 0.0);
}

TEST(CoordinateClient, UpdatePullsTheEstimateTowardTheMeasuredRtt) {
  CoordinateClient client(CoordinateConfig{});
  Prng prng(1);
  const Coordinate other = at8(0.002, 0.001);
  const Duration rtt = Duration::millis(50);
  const double before = std::abs((client.distance_to(other) - rtt).sec());
  for (int i = 0; i < 200; ++i)
    ASSERT_FALSE(client.update("peer", other, rtt, prng));
  const double after = std::abs((client.distance_to(other) - rtt).sec());
  EXPECT_LT(after, before / 10);
  EXPECT_NEAR(client.distance_to(other).sec(), rtt.sec(), 0.002);
  EXPECT_LT(client.coordinate().error, 1.5);  // confidence grew
}

TEST(CoordinateClient, MedianFilterKeepsTheLastSamplesPerNode) {
  CoordinateClient client(CoordinateConfig{});
  Prng prng(1);
  const Coordinate other = at8(0.1);
  auto feed = [&](const char* node, double ms) {
    ASSERT_FALSE(
        client.update(node, other, Duration::micros(static_cast<int64_t>(ms * 1000)), prng));
  };
  // Go's TestClient_latencyFilter, through update().
  const std::vector<std::pair<double, double>> alice = {
      {201, 201}, {200, 201}, {207, 201}, {1900, 207}, {203, 207}, {199, 203}, {211, 203}};
  for (auto [sample, median] : alice) {
    feed("alice", sample);
    EXPECT_NEAR(*client.median_rtt_seconds("alice"), median / 1000, 1e-12) << sample;
  }
  feed("bob", 310);
  EXPECT_NEAR(*client.median_rtt_seconds("bob"), 0.310, 1e-12);
  EXPECT_NEAR(*client.median_rtt_seconds("alice"), 0.203, 1e-12);
}

TEST(CoordinateClient, MedianFilterHidesABlipFromVivaldi) {
  CoordinateClient a(CoordinateConfig{}), b(CoordinateConfig{});
  Prng pa(1), pb(1);
  const Coordinate other = at8(0.1);
  const std::vector<int64_t> with_blip = {201, 200, 207, 1900};
  const std::vector<int64_t> without = {201, 200, 207, 207};
  for (size_t i = 0; i < with_blip.size(); ++i) {
    ASSERT_FALSE(a.update("n", other, Duration::millis(with_blip[i]), pa));
    ASSERT_FALSE(b.update("n", other, Duration::millis(without[i]), pb));
  }
  EXPECT_EQ(a.coordinate(), b.coordinate());
}

TEST(CoordinateClient, ForgetNodeDropsItsSamples) {
  CoordinateClient client(CoordinateConfig{});
  Prng prng(1);
  for (int ms : {201, 200, 207}) {
    ASSERT_FALSE(client.update("alice", at8(0.1), Duration::millis(ms), prng));
  }
  client.forget_node("alice");
  EXPECT_FALSE(client.median_rtt_seconds("alice").has_value());
  EXPECT_EQ(client.tracked_nodes(), 0u);
  ASSERT_FALSE(client.update("alice", at8(0.1), Duration::millis(888), prng));
  EXPECT_NEAR(*client.median_rtt_seconds("alice"), 0.888, 1e-12);
  client.forget_node("nobody");  // unknown names are fine
  EXPECT_EQ(client.tracked_nodes(), 1u);
}

TEST(CoordinateClient, TrackedNodesAreBoundedEvictingTheLeastRecentlyUpdated) {
  CoordinateConfig config;
  config.max_nodes = 2;
  CoordinateClient client(config);
  Prng prng(1);
  ASSERT_FALSE(client.update("a", at8(0.1), Duration::millis(10), prng));
  ASSERT_FALSE(client.update("b", at8(0.1), Duration::millis(20), prng));
  ASSERT_FALSE(client.update("a", at8(0.1), Duration::millis(11), prng));  // a is now newest
  ASSERT_FALSE(client.update("c", at8(0.1), Duration::millis(30), prng));  // evicts b
  EXPECT_EQ(client.tracked_nodes(), 2u);
  EXPECT_EQ(client.stats().evictions, 1u);
  EXPECT_FALSE(client.median_rtt_seconds("b").has_value());
  EXPECT_TRUE(client.median_rtt_seconds("a").has_value());
  EXPECT_TRUE(client.median_rtt_seconds("c").has_value());
}

TEST(CoordinateClient, BadSamplesAreRejectedAndChangeNothing) {
  CoordinateClient client(CoordinateConfig{});
  Prng prng(1);
  ASSERT_FALSE(client.update("a", at8(0.01), Duration::millis(30), prng));
  const Coordinate before = client.coordinate();
  const Coordinate good = at8(0.02);

  auto expect_rejected = [&](const Coordinate& other, Duration rtt, CoordinateError want) {
    const auto e = client.update("a", other, rtt, prng);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(*e, want) << coordinate_error_name(*e);
  };
  expect_rejected(good, Duration::nanos(-1), CoordinateError::kRttOutOfRange);
  expect_rejected(good, Duration::seconds(10) + Duration::nanos(1),
                  CoordinateError::kRttOutOfRange);
  expect_rejected(good, Duration::max(), CoordinateError::kRttOutOfRange);
  expect_rejected(at({0.1, 0.2}), Duration::millis(1), CoordinateError::kDimensionMismatch);
  for (double bad : {kNaN, kInf, -kInf}) {
    Coordinate c = good;
    c.vec[3] = bad;
    expect_rejected(c, Duration::millis(1), CoordinateError::kInvalidCoordinate);
    c = good;
    c.height = bad;
    expect_rejected(c, Duration::millis(1), CoordinateError::kInvalidCoordinate);
  }
  EXPECT_EQ(client.coordinate(), before);
  EXPECT_EQ(client.stats().rejected, 10u);
  EXPECT_NEAR(*client.median_rtt_seconds("a"), 0.030, 1e-12);  // no sample was recorded

  // The bounds themselves are accepted, as in Go.
  EXPECT_FALSE(client.update("a", good, Duration::zero(), prng));
  EXPECT_FALSE(client.update("a", good, Duration::seconds(10), prng));
  EXPECT_EQ(client.stats().zero_rtt, 1u);
}

TEST(CoordinateClient, SetCoordinateRejectsIncompatibleOrInvalid) {
  CoordinateClient client(CoordinateConfig{});
  EXPECT_EQ(client.set_coordinate(at({1.0})), CoordinateError::kDimensionMismatch);
  Coordinate nan = at8(0.1);
  nan.error = kNaN;
  EXPECT_EQ(client.set_coordinate(nan), CoordinateError::kInvalidCoordinate);
  EXPECT_EQ(client.coordinate(), Coordinate::fresh(CoordinateConfig{}));
  EXPECT_FALSE(client.set_coordinate(at8(0.1)));
  EXPECT_EQ(client.coordinate(), at8(0.1));
}

TEST(CoordinateClient, ExtremeButFiniteInputsNeverLeaveANonFiniteCoordinate) {
  CoordinateClient client(CoordinateConfig{});
  Prng prng(1);
  const double max = std::numeric_limits<double>::max();
  const std::vector<Coordinate> others = {at8(max, -max), at8(1e300),
                                          at({1e-300, 0, 0, 0, 0, 0, 0, 0}, max, -max, -max),
                                          at8(0.0), at8(-1e200, 1e200)};
  for (int round = 0; round < 30; ++round) {
    for (const Coordinate& other : others) {
      ASSERT_FALSE(client.update("x", other, Duration::millis(round), prng));
      ASSERT_TRUE(client.coordinate().is_valid());
      ASSERT_EQ(client.coordinate().vec.size(), 8u);
    }
  }
  EXPECT_GT(client.stats().resets, 0u);
}

// A small world of nodes on a plane: every client's estimates approach the true RTTs.
TEST(CoordinateClient, SimulatedClusterConvergesToTrueRtts) {
  constexpr int kNodes = 6;
  const double xs[kNodes] = {0.000, 0.020, 0.040, 0.000, 0.020, 0.040};
  const double ys[kNodes] = {0.000, 0.000, 0.000, 0.030, 0.030, 0.030};
  auto truth = [&](int i, int j) { return std::hypot(xs[i] - xs[j], ys[i] - ys[j]) + 0.001; };
  std::vector<CoordinateClient> clients(kNodes, CoordinateClient(CoordinateConfig{}));
  Prng prng(99);
  for (int round = 0; round < 400; ++round) {
    for (int i = 0; i < kNodes; ++i) {
      const int j = static_cast<int>((i + 1 + prng.uniform(kNodes - 1)) % kNodes);
      const Duration rtt = Duration::nanos(static_cast<int64_t>(truth(i, j) * 1e9));
      ASSERT_FALSE(clients[i].update(std::to_string(j), clients[j].coordinate(), rtt, prng));
    }
  }
  for (int i = 0; i < kNodes; ++i) {
    for (int j = 0; j < kNodes; ++j) {
      if (i == j) continue;
      const double est = clients[i].distance_to(clients[j].coordinate()).sec();
      EXPECT_NEAR(est, truth(i, j), 0.25 * truth(i, j)) << i << "->" << j;
    }
  }
}

// --- the ack payload ----------------------------------------------------------------------------

// What Go's pingDelegate.AckPayload writes for a fresh coordinate (captured from Go).
const char* kFreshPayloadHex =
    "0184aa41646a7573746d656e74cb0000000000000000a54572726f72cb3ff8000000000000a6486569676874cb"
    "3ee4f8b588e368f1a356656398cb0000000000000000cb0000000000000000cb0000000000000000cb00000000"
    "00000000cb0000000000000000cb0000000000000000cb0000000000000000cb0000000000000000";

TEST(CoordinatePayload, FreshCoordinateEncodesAsGoDoes) {
  Buf out;
  encode_ack_payload(Coordinate::fresh(CoordinateConfig{}), out);
  EXPECT_EQ(out, hex(kFreshPayloadHex));
  EXPECT_EQ(out.size(), 130u);
}

TEST(CoordinatePayload, RoundTripIsExact) {
  Prng prng(5);
  for (int i = 0; i < 100; ++i) {
    Coordinate c = Coordinate::fresh(CoordinateConfig{});
    for (double& x : c.vec)
      x = (prng.unit() - 0.5) * std::pow(10.0, -static_cast<double>(prng.uniform(8)));
    c.error = prng.unit() * 1.5;
    c.adjustment = prng.unit() - 0.5;
    c.height = prng.unit() * 0.01;
    Buf bytes = {0xee};  // the encoder appends
    encode_ack_payload(c, bytes);
    Coordinate back;
    ASSERT_FALSE(decode_ack_payload(std::span(bytes).subspan(1), back));
    EXPECT_EQ(back, c);
  }
}

TEST(CoordinatePayload, DecodeRejectsBadPayloadsWithSpecificErrors) {
  Coordinate c;
  const Buf good = hex(kFreshPayloadHex);
  EXPECT_EQ(decode_ack_payload({}, c), CoordinateError::kEmptyPayload);
  Buf v2 = good;
  v2[0] = 2;
  EXPECT_EQ(decode_ack_payload(v2, c), CoordinateError::kUnsupportedVersion);
  EXPECT_EQ(decode_ack_payload(Buf{1}, c), CoordinateError::kBadMsgpack);
  for (size_t n = 1; n < good.size(); ++n) {
    EXPECT_EQ(decode_ack_payload(std::span(good).first(n), c), CoordinateError::kBadMsgpack) << n;
  }
  EXPECT_EQ(decode_ack_payload(good, c, 7), CoordinateError::kDimensionMismatch);
  EXPECT_EQ(decode_ack_payload(Buf{1, 0xc0}, c), CoordinateError::kDimensionMismatch);  // nil
  EXPECT_EQ(decode_ack_payload(Buf{1, 0x2a}, c), CoordinateError::kBadMsgpack);         // an int
  EXPECT_EQ(decode_ack_payload(Buf{1, 0xc1}, c), CoordinateError::kBadMsgpack);         // reserved

  Coordinate nan = Coordinate::fresh(CoordinateConfig{});
  nan.vec[7] = kNaN;
  Buf bytes;
  encode_ack_payload(nan, bytes);
  EXPECT_EQ(decode_ack_payload(bytes, c), CoordinateError::kInvalidCoordinate);
  bytes.clear();
  nan = Coordinate::fresh(CoordinateConfig{});
  nan.height = kInf;
  encode_ack_payload(nan, bytes);
  EXPECT_EQ(decode_ack_payload(bytes, c), CoordinateError::kInvalidCoordinate);

  // A string where a float belongs.
  Buf str_error = {1, 0x81};
  put_str(str_error, "Error");
  put_str(str_error, "x");
  EXPECT_EQ(decode_ack_payload(str_error, c), CoordinateError::kBadMsgpack);
}

TEST(CoordinatePayload, DecodeIsAsLenientAsGoMsgpack) {
  // float32, ints of several widths, nil, an unknown key, a str8 key, and trailing bytes.
  Buf b = {1, 0x86};
  put_str(b, "Error");
  b.insert(b.end(), {0xca, 0x3f, 0xc0, 0x00, 0x00});  // float32 1.5
  put_str(b, "Future");
  b.insert(b.end(), {0x92, 0xa1, 'x', 0x80});  // skipped
  put_str(b, "Adjustment");
  b.insert(b.end(), {0xd0, 0xfe});  // int8 -2
  b.insert(b.end(), {0xd9, 6, 'H', 'e', 'i', 'g', 'h', 't'});
  b.push_back(0xc0);  // nil is 0
  put_str(b, "Vec");
  b.insert(b.end(), {0x98, 0x01, 0xff, 0xcc, 0xc8, 0xcd, 0x01, 0x00, 0xcf, 0xff, 0xff, 0xff,
                     0xff, 0xff, 0xff, 0xff, 0xff, 0xcb, 0x3f, 0xe0, 0,    0,    0,    0,
                     0,    0,    0xc0, 0xd3, 0,    0,    0,    0,    0,    0,    0,    7});
  put_str(b, "vec");  // keys match exactly, as in Go: this one is unknown
  b.push_back(0xc0);
  b.insert(b.end(), {0xde, 0xad});  // after the object: ignored, as Go reads one object
  Coordinate c;
  ASSERT_FALSE(decode_ack_payload(b, c));
  EXPECT_EQ(c.error, 1.5);
  EXPECT_EQ(c.adjustment, -2.0);
  EXPECT_EQ(c.height, 0.0);
  // 0xcf ff..ff is a uint64 that Go's int64 conversion makes -1.
  EXPECT_EQ(c.vec, (std::vector<double>{1, -1, 200, 256, -1, 0.5, 0, 7}));
}

TEST(CoordinatePayload, DecodeAcceptsGosArrayFormOfTheStruct) {
  // [Vec, Error, Adjustment, Height] in declaration order, with an extra element ignored.
  Buf b = {1, 0x95, 0x98, 1, 2, 3, 4, 5, 6, 7, 8, 0x03, 0xff, 0x00, 0xc3};
  Coordinate c;
  ASSERT_FALSE(decode_ack_payload(b, c));
  EXPECT_EQ(c.vec, (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(c.error, 3.0);
  EXPECT_EQ(c.adjustment, -1.0);
  EXPECT_EQ(c.height, 0.0);
}

TEST(CoordinatePayload, KeysMustBeStringsButANilKeyIsSkippedAsInGoMsgpack05) {
  const Buf vec = {0x98, 1, 2, 3, 4, 5, 6, 7, 8};
  Buf nil_key = {1, 0x82, 0xc0, 0x05};
  put_str(nil_key, "Vec");
  nil_key.insert(nil_key.end(), vec.begin(), vec.end());
  Coordinate c;
  EXPECT_FALSE(decode_ack_payload(nil_key, c));
  Buf bin_key = {1, 0x81, 0xc4, 3, 'V', 'e', 'c'};
  bin_key.insert(bin_key.end(), vec.begin(), vec.end());
  EXPECT_EQ(decode_ack_payload(bin_key, c), CoordinateError::kBadMsgpack);
  Buf int_key = {1, 0x81, 0x01, 0x02};
  EXPECT_EQ(decode_ack_payload(int_key, c), CoordinateError::kBadMsgpack);
}

TEST(CoordinatePayload, RepeatedVecKeyOverwritesWithoutShrinkingAsGoDoes) {
  Buf b = {1, 0x82};
  put_str(b, "Vec");
  b.insert(b.end(), {0x98, 1, 1, 1, 1, 1, 1, 1, 1});
  put_str(b, "Vec");
  b.insert(b.end(), {0x92, 9, 9});
  Coordinate c;
  ASSERT_FALSE(decode_ack_payload(b, c));
  EXPECT_EQ(c.vec, (std::vector<double>{9, 9, 1, 1, 1, 1, 1, 1}));
}

}  // namespace
}  // namespace rumor::core::serf
