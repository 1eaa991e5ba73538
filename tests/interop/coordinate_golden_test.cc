// Golden tests of Serf's network coordinates (src/core/serf/coordinate.h) against the real Go
// code: the "coordinate" mode of tests/interop/golden (coordinate.go), which runs
// github.com/hashicorp/serf/coordinate's Client and go-msgpack 0.5.5 from Debian's sources
// (RUMOR_MEMBERLIST_GOLDEN names the binary).
//
// What they prove: over a few hundred pings among simulated nodes with known true RTTs (jitter,
// blips for the median filter, forgotten peers, rejected samples included) our client computes
// the coordinates Go's computes, every component within 1e-9 relative (in practice bit for
// bit), and the same DistanceTo estimates; our payload bytes for every one of those
// coordinates equal Go's; we decode Go's bytes to Go's values; and on hand-made payloads
// (other int and float widths, nil, unknown keys, the array form, garbage) we accept exactly
// what Go's ping delegate accepts and read the same values.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <unistd.h>

#include "base/prng.h"
#include "core/serf/coordinate.h"
#include "golden_support.h"

namespace rumor::core::serf {
namespace {

using rumor::testing::golden::from_hex;
using rumor::testing::golden::run_golden;
using rumor::testing::golden::to_hex;

using json = nlohmann::json;
using Buf = std::vector<uint8_t>;

// --- helpers (each golden test file keeps its own) ----------------------------------------------

json run_go_coordinate(const std::string& input) {
  return run_golden("coordinate", input);
}

double from_bits(const json& j) {
  return std::bit_cast<double>(std::stoull(j.get<std::string>(), nullptr, 16));
}

Coordinate coordinate_of(const json& j) {
  Coordinate c;
  if (!j["Vec"].is_null()) {
    for (const json& v : j["Vec"])
      c.vec.push_back(from_bits(v));
  }
  c.error = from_bits(j["Error"]);
  c.adjustment = from_bits(j["Adjustment"]);
  c.height = from_bits(j["Height"]);
  return c;
}

Buf payload_of(const Coordinate& c) {
  Buf out;
  encode_ack_payload(c, out);
  return out;
}

bool close(double a, double b) {
  return a == b || std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b));
}

// Compares every component within 1e-9 relative; counts the ones that are bit-identical.
void expect_close(const Coordinate& ours, const Coordinate& go, const std::string& where,
                  int& exact, int& total) {
  ASSERT_EQ(ours.vec.size(), go.vec.size()) << where;
  std::vector<std::pair<double, double>> pairs = {
      {ours.error, go.error}, {ours.adjustment, go.adjustment}, {ours.height, go.height}};
  for (size_t i = 0; i < ours.vec.size(); ++i)
    pairs.emplace_back(ours.vec[i], go.vec[i]);
  for (auto [a, b] : pairs) {
    EXPECT_TRUE(close(a, b)) << where << ": ours " << a << ", Go " << b;
    exact += std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b) ? 1 : 0;
    ++total;
  }
}

// --- the simulated world ------------------------------------------------------------------------

// Nodes on a plane (seconds) with access-link heights: the true RTT is the distance plus both
// heights, as in Vivaldi's height model, so the coordinates have something to converge to.
struct World {
  static constexpr int kNodes = 8;
  double x[kNodes], y[kNodes], h[kNodes];

  explicit World(Prng& prng) {
    for (int i = 0; i < kNodes; ++i) {
      x[i] = prng.unit() * 0.080;
      y[i] = prng.unit() * 0.080;
      h[i] = 0.0005 + prng.unit() * 0.002;
    }
  }
  double rtt(int i, int j) const { return std::hypot(x[i] - x[j], y[i] - y[j]) + h[i] + h[j]; }
};

std::string name(int i) {
  return "n" + std::to_string(i);
}

// A distinct starting point per node, so no two coordinates coincide and neither Go nor we
// ever draw a random direction.
Coordinate start(int i) {
  Coordinate c = Coordinate::fresh(CoordinateConfig{});
  c.vec[static_cast<size_t>(i) % 8] = 1e-4 * (i + 1);
  c.vec[static_cast<size_t>(i + 3) % 8] = -5e-5 * (i + 2);
  return c;
}

Coordinate with_vec_entry(Coordinate c, size_t i, double v) {
  c.vec[i] = v;
  return c;
}

json ping(int node, int peer, int64_t rtt_ns) {
  return {{"op", "ping"}, {"node", node}, {"peer", peer}, {"rtt_ns", rtt_ns}};
}
json update(int node, const std::string& from, const Buf& payload, int64_t rtt_ns) {
  return {{"op", "update"},
          {"node", node},
          {"name", from},
          {"payload", to_hex(payload)},
          {"rtt_ns", rtt_ns}};
}

// Pings with 10% jitter and an occasional 5x blip for the median filter to hide; forgotten
// peers; and samples Go rejects (a negative RTT, one over 10 s, 7 dimensions, a NaN), then
// accepted edge cases (RTT 0 and exactly 10 s) from a peer outside the world.
json make_script(int pings) {
  Prng prng(20240611);
  const World world(prng);
  json nodes = json::array();
  json steps = json::array();
  for (int i = 0; i < World::kNodes; ++i) {
    nodes.push_back(name(i));
    steps.push_back({{"op", "set"}, {"node", i}, {"payload", to_hex(payload_of(start(i)))}});
  }
  for (int k = 0; k < pings; ++k) {
    const int i = static_cast<int>(prng.uniform(World::kNodes));
    const int j = static_cast<int>((i + 1 + prng.uniform(World::kNodes - 1)) % World::kNodes);
    double rtt = world.rtt(i, j) * (0.95 + 0.1 * prng.unit());
    if (prng.chance(0.05)) rtt *= 5;
    steps.push_back(ping(i, j, static_cast<int64_t>(rtt * 1e9)));
    if (k % 97 == 50) steps.push_back({{"op", "forget"}, {"node", i}, {"name", name(j)}});
    if (k % 101 == 70) {
      const Buf ext = payload_of(with_vec_entry(start(3), 7, 0.01 * (k % 7)));
      const Coordinate nan = with_vec_entry(start(2), 1, std::nan(""));
      Coordinate seven = start(4);
      seven.vec.pop_back();
      steps.push_back(update(i, "ext", ext, -1));
      steps.push_back(update(i, "ext", ext, 10'000'000'001));
      steps.push_back(update(i, "ext", payload_of(seven), 1'000'000));
      steps.push_back(update(i, "ext", payload_of(nan), 1'000'000));
      steps.push_back(update(i, "ext", ext, 0));
      steps.push_back(update(i, "ext", ext, 10'000'000'000));
    }
  }
  return {{"nodes", nodes}, {"steps", steps}};
}

// Our side of one step; returns whether it failed and the coordinate it reports.
struct Ours {
  std::vector<CoordinateClient> clients;
  Prng prng{1};

  std::pair<bool, Coordinate> run(const json& s) {
    const std::string op = s["op"];
    if (op == "decode") {
      Coordinate c;
      const bool failed = decode_ack_payload(from_hex(s["payload"]), c).has_value();
      return {failed, c};
    }
    CoordinateClient& client = clients[s["node"].get<size_t>()];
    if (op == "forget") {
      client.forget_node(s["name"].get<std::string>());
      return {false, client.coordinate()};
    }
    if (op == "set") {
      Coordinate c;
      bool failed = decode_ack_payload(from_hex(s["payload"]), c).has_value();
      failed = failed || client.set_coordinate(c).has_value();
      return {failed, client.coordinate()};
    }
    Buf payload;
    std::string from;
    if (op == "ping") {
      const size_t peer = s["peer"];
      payload = payload_of(clients[peer].coordinate());
      from = name(static_cast<int>(peer));
    } else {
      payload = from_hex(s["payload"]);
      from = s["name"];
    }
    Coordinate other;
    bool failed = decode_ack_payload(payload, other).has_value();
    const Duration rtt = Duration::nanos(s["rtt_ns"].get<int64_t>());
    failed = failed || client.update(from, other, rtt, prng).has_value();
    return {failed, client.coordinate()};
  }
};

TEST(CoordinateGolden, ClientReproducesGosCoordinatesOverASimulatedCluster) {
  const json script = make_script(480);
  const json go = run_go_coordinate(script.dump());
  ASSERT_EQ(go["steps"].size(), script["steps"].size());

  Ours ours{std::vector<CoordinateClient>(World::kNodes, CoordinateClient(CoordinateConfig{}))};
  Prng untouched = ours.prng;
  int exact = 0, total = 0, rejected = 0;
  for (size_t k = 0; k < script["steps"].size(); ++k) {
    const json& step = script["steps"][k];
    const json& g = go["steps"][k];
    const auto [failed, coord] = ours.run(step);
    const std::string where = "step " + std::to_string(k) + " " + step.dump();
    EXPECT_EQ(failed, !g["error"].get<std::string>().empty()) << where << ": " << g["error"];
    rejected += failed ? 1 : 0;
    expect_close(coord, coordinate_of(g["coord"]), where, exact, total);
    if (::testing::Test::HasFailure()) return;
  }
  int rounds = 0;
  for (int k = 0; k < 480; ++k)
    rounds += k % 101 == 70 ? 1 : 0;
  EXPECT_EQ(rejected, 4 * rounds);  // each round has four samples Go rejects
  // No coordinates ever coincided, so the result does not hang on a random draw.
  EXPECT_EQ(ours.prng.next_u64(), untouched.next_u64());
  RecordProperty("bit_identical_components", exact);
  RecordProperty("components", total);
  EXPECT_EQ(exact, total) << "not bit for bit (still within 1e-9)";

  for (int i = 0; i < World::kNodes; ++i) {
    for (int j = 0; j < World::kNodes; ++j) {
      const Duration d = ours.clients[i].distance_to(ours.clients[j].coordinate());
      const int64_t want = go["distances"][i][j];
      EXPECT_LE(std::abs(d.ns() - want), std::max<int64_t>(1, want / 1'000'000'000)) << i << j;
    }
  }
}

TEST(CoordinateGolden, OurPayloadBytesEqualGosAndWeDecodeGosBytes) {
  const json script = make_script(200);
  const json go = run_go_coordinate(script.dump());
  int checked = 0;
  for (const json& g : go["steps"]) {
    const Coordinate c = coordinate_of(g["coord"]);
    const Buf go_bytes = from_hex(g["payload"]);
    EXPECT_EQ(to_hex(payload_of(c)), g["payload"].get<std::string>());
    EXPECT_EQ(go_bytes.size(), 130u);
    Coordinate back;
    ASSERT_FALSE(decode_ack_payload(go_bytes, back).has_value());
    EXPECT_EQ(back, c);
    ++checked;
  }
  EXPECT_GT(checked, 200);
}

// --- hand-made payloads: what Go's ping delegate accepts, we accept, with the same values ---

void put_str(Buf& b, const std::string& s) {
  b.push_back(static_cast<uint8_t>(0xa0 | s.size()));
  b.insert(b.end(), s.begin(), s.end());
}

Buf map_payload(std::initializer_list<std::pair<std::string, Buf>> fields) {
  Buf b = {kPingVersion, static_cast<uint8_t>(0x80 | fields.size())};
  for (const auto& [key, value] : fields) {
    put_str(b, key);
    b.insert(b.end(), value.begin(), value.end());
  }
  return b;
}

const Buf kVecInts = {0x98, 1, 2, 3, 4, 5, 6, 7, 8};

std::vector<Buf> lenient_payloads() {
  Buf good = payload_of(start(5));
  std::vector<Buf> p = {
      good, Buf(good.begin(), good.end() - 3),  // truncated
      [&] {
        Buf b = good;
        b.insert(b.end(), {0xc1, 0xff});
        return b;
      }(),  // trailing
      [&] {
        Buf b = good;
        b[0] = 0;
        return b;
      }(),                                                                    // version 0
      Buf{},                                                                  // empty
      Buf{kPingVersion},                                                      // no object
      Buf{kPingVersion, 0xc0},                                                // nil
      Buf{kPingVersion, 0x90},                                                // empty array
      map_payload({{"Vec", kVecInts}}),                                       // ints, no Error
      map_payload({{"Vec", kVecInts}, {"Error", {0xca, 0x3f, 0xc0, 0, 0}}}),  // float32
      map_payload({{"Vec", kVecInts}, {"Height", {0xd1, 0xff, 0x00}}}),       // int16
      map_payload({{"Vec", kVecInts},
                   {"Adjustment", {0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}}}),
      map_payload({{"Vec", kVecInts}, {"Error", {0xc0}}}),       // nil float
      map_payload({{"Vec", kVecInts}, {"Error", {0xc3}}}),       // bool
      map_payload({{"Vec", kVecInts}, {"Error", {0xa1, 'x'}}}),  // string
      map_payload({{"Vec", kVecInts}, {"Extra", {0x92, 0x81, 0xa1, 'k', 0x01, 0xc4, 1, 9}}}),
      map_payload({{"Vec", kVecInts}, {"vec", {0x01}}}),          // case matters
      map_payload({{"Vec", {0x97, 1, 2, 3, 4, 5, 6, 7}}}),        // 7 dimensions
      map_payload({{"Vec", {0x99, 1, 2, 3, 4, 5, 6, 7, 8, 9}}}),  // 9 dimensions
      map_payload({{"Vec", {0x84, 1, 2, 3, 4, 5, 6, 7, 8}}}),     // map as slice
      map_payload({{"Vec", kVecInts}, {"Vec", {0x92, 9, 9}}}),    // repeated key
      map_payload({{"Vec", {0xc4, 8, 1, 2, 3, 4, 5, 6, 7, 8}}}),  // bin
      map_payload({{"Vec", {0x98, 1, 2, 3, 0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0, 5, 6, 7, 8}}}),
      map_payload({{"Vec", kVecInts}, {"Height", {0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0}}}),
      Buf{kPingVersion, 0x94, 0x98, 1, 2, 3, 4, 5, 6, 7, 8, 0x03, 0xff, 0x01},  // array form
      Buf{kPingVersion, 0x96, 0x98, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5},     // longer array
      Buf{kPingVersion, 0x81, 0x01, 0x02},                                      // int key
      Buf{kPingVersion, 0x81, 0xc4, 3, 'V', 'e', 'c', 0x98, 1, 2, 3, 4, 5, 6, 7, 8},  // bin key
      Buf{kPingVersion, 0x81, 0xd9, 3, 'V', 'e', 'c', 0x98, 1, 2, 3, 4, 5, 6, 7, 8},  // str8 key
      Buf{kPingVersion, 0x82, 0xc0, 0x05, 0xa3, 'V', 'e', 'c', 0x98, 1, 2, 3, 4, 5, 6, 7, 8},
      // ^ a nil key: the empty name, skipped
      Buf{kPingVersion, 0x94, 0x98, 1,    2, 3, 4, 5, 6, 7, 8, 0xc0,
          0xc0,         0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0},  // nil elements in the array form
  };
  return p;
}

TEST(CoordinateGolden, WeAcceptExactlyThePayloadsGoAcceptsWithTheSameValues) {
  const std::vector<Buf> payloads = lenient_payloads();
  json steps = json::array();
  for (const Buf& p : payloads)
    steps.push_back({{"op", "decode"}, {"payload", to_hex(p)}});
  const json go = run_go_coordinate(json{{"nodes", json::array()}, {"steps", steps}}.dump());
  ASSERT_EQ(go["steps"].size(), payloads.size());
  for (size_t k = 0; k < payloads.size(); ++k) {
    const json& g = go["steps"][k];
    const std::string where = "payload " + std::to_string(k) + " " + to_hex(payloads[k]);
    Coordinate ours;
    const auto e = decode_ack_payload(payloads[k], ours);
    if (!g["error"].get<std::string>().empty()) {
      EXPECT_TRUE(e.has_value()) << where << ": Go says " << g["error"];
      continue;
    }
    // Go decodes any length and any float; Serf's Update then refuses what we refuse here.
    const Coordinate want = coordinate_of(g["coord"]);
    if (want.vec.size() != 8) {
      EXPECT_EQ(e, CoordinateError::kDimensionMismatch) << where;
    } else if (!want.is_valid()) {
      EXPECT_EQ(e, CoordinateError::kInvalidCoordinate) << where;
    } else {
      ASSERT_FALSE(e.has_value()) << where << ": " << coordinate_error_name(*e);
      EXPECT_EQ(ours, want) << where;
    }
  }
}

}  // namespace
}  // namespace rumor::core::serf
