// The SWIM seed swarm (TigerBeetle's VOPR, in small): each seed draws a whole world and fault
// plan from itself (20..60 members, LAN or local profile, formed or joining, Lifeguard mostly
// on; up to four crashes, half of them restarted; up to two partitions that heal, some one-way; up
// to 10% packet loss and a little duplication; up to two slow members; maybe a graceful leave),
// runs it for long enough that the agreement checker is judged, and requires every checker of
// sim/swim_checkers.h to hold. A failing seed prints its scenario and the `rumor sim` command
// that replays it; seeds that once failed go in swim_regression_seeds.txt (one a line, `#`
// comments) and run first, every time.
//
// The plan is written as a scenario file and read back through apply_scenario_json(), so the
// printed scenario is exactly what ran.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/prng.h"
#include "sim/scenario.h"
#include "sim/sim_config.h"
#include "sim/swim_world.h"

namespace rumor::sim {
namespace {

constexpr uint64_t kFirstRandomSeed = 1000;
constexpr uint64_t kRandomSeeds = 40;
constexpr uint64_t kPlanStream = 0x5357'4152'4d00;  // "SWARM"

std::string num(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

// Draws seed's world and fault plan and writes it as a scenario.
std::string draw_scenario(uint64_t seed) {
  Prng p(Prng::derive(seed, kPlanStream));
  const auto nodes = static_cast<uint32_t>(20 + p.uniform(41));
  const bool join = p.chance(0.25);
  const bool lifeguard = p.chance(0.75);
  std::vector<uint8_t> used(nodes, 0);
  auto pick = [&]() {
    while (true) {
      const auto i = static_cast<uint32_t>(p.uniform(nodes));
      if (!used[i]) {
        used[i] = 1;
        return i;
      }
    }
  };
  // Faults begin after the join wave (nodes x 100 ms, at most 6 s).
  double last = join ? nodes * 0.1 : 0;
  std::ostringstream s;
  s << "{\"protocol\": \"swim\", \"nodes\": " << nodes << ", \"seed\": " << seed
    << ", \"loss\": " << num(static_cast<double>(p.uniform(11)) / 100)
    << ", \"duplicate\": " << (p.chance(0.3) ? "0.01" : "0")
    << ", \"latency\": {\"dist\": \"uniform\", \"min_ms\": 1, \"max_ms\": " << 2 + p.uniform(30)
    << "}";
  s << ", \"crashes\": [";
  const uint64_t crashes = p.uniform(5);
  for (uint64_t k = 0; k < crashes; ++k) {
    const double at = 10 + static_cast<double>(p.uniform(80));
    s << (k ? ", " : "") << "{\"node\": " << pick() << ", \"at\": " << at;
    last = std::max(last, at);
    if (p.chance(0.5)) {
      const double restart = at + 10 + static_cast<double>(p.uniform(60));
      s << ", \"restart\": " << restart;
      last = std::max(last, restart);
    }
    s << "}";
  }
  s << "], \"partitions\": [";
  const uint64_t partitions = p.uniform(3);
  for (uint64_t k = 0; k < partitions; ++k) {
    const auto size = static_cast<uint32_t>(1 + p.uniform(nodes / 3));
    const auto from = static_cast<uint32_t>(p.uniform(nodes - size + 1));
    const double start = 10 + static_cast<double>(p.uniform(60));
    const double heal = start + 5 + static_cast<double>(p.uniform(60));
    s << (k ? ", " : "") << "{\"groups\": [[{\"from\": " << from << ", \"to\": " << from + size - 1
      << "}]], \"start\": " << start << ", \"heal\": " << heal
      << ", \"one_way\": " << (p.chance(0.2) ? "true" : "false") << "}";
    last = std::max(last, heal);
  }
  s << "], \"slow\": [";
  const uint64_t slow = p.uniform(3);
  for (uint64_t k = 0; k < slow; ++k) {
    s << (k ? ", " : "") << "{\"node\": " << pick() << ", \"delay_ms\": " << 200 + p.uniform(1300)
      << "}";
  }
  s << "], \"leaves\": [";
  if (p.chance(0.3)) {
    const double at = 20 + static_cast<double>(p.uniform(60));
    s << "{\"node\": " << pick() << ", \"at\": " << at << "}";
    last = std::max(last, at);
  }
  // Long enough to judge agreement: the bound is at most about 260 s for 60 LAN members.
  const double duration = std::ceil(last) + 280;
  s << "], \"swim\": {\"profile\": \"" << (p.chance(0.5) ? "local" : "lan")
    << "\", \"lifeguard\": " << (lifeguard ? "true" : "false") << ", \"start\": \""
    << (join ? "join" : "formed") << "\", \"join_stagger_ms\": 100"
    << ", \"duration_s\": " << duration << "}}";
  return s.str();
}

std::vector<uint64_t> regression_seeds() {
  std::vector<uint64_t> seeds;
  std::ifstream in(std::string(RUMOR_SOURCE_DIR) + "/tests/sim/swim_regression_seeds.txt");
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    uint64_t seed = 0;
    if (words >> seed) seeds.push_back(seed);
  }
  return seeds;
}

class SwimSwarm : public testing::TestWithParam<uint64_t> {};

TEST_P(SwimSwarm, EveryCheckerHoldsUnderTheSeedsFaultPlan) {
  const uint64_t seed = GetParam();
  const std::string scenario = draw_scenario(seed);
  const std::string replay = "scenario: " + scenario +
                             "\nreplay (save the scenario as swarm.json): rumor sim --scenario "
                             "swarm.json --format json --seed " +
                             std::to_string(seed);
  SimConfig config;
  const Status parsed = apply_scenario_json(scenario, config);
  ASSERT_TRUE(parsed.is_ok()) << parsed.message() << "\n" << replay;
  const Status valid = config.validate();
  ASSERT_TRUE(valid.is_ok()) << valid.message() << "\n" << replay;
  const SwimResult r = run_swim(config);
  EXPECT_TRUE(r.error.empty()) << r.error << "\n" << replay;
  // Agreement is judged unless slow members run without Lifeguard (swim_checkers.h).
  const bool judged = config.slow_nodes.empty() || config.swim.lifeguard;
  EXPECT_EQ(r.agreement_checked, judged) << "the run must outlast the agreement bound ("
                                         << r.agreement_bound_s << " s after the last fault)\n"
                                         << replay;
  EXPECT_EQ(r.node_events_dropped, 0u) << replay;
  std::string violations;
  for (const SwimViolation& v : r.violations) {
    violations += "\n  " + v.checker + " at " + std::to_string(v.at_s) + " s (member " +
                  std::to_string(v.member) + "): " + v.detail;
  }
  EXPECT_EQ(r.violations_total, 0u) << violations << "\n" << replay;
}

std::string seed_name(const testing::TestParamInfo<uint64_t>& info) {
  return "Seed" + std::to_string(info.param);
}

INSTANTIATE_TEST_SUITE_P(Regression, SwimSwarm, testing::ValuesIn(regression_seeds()), seed_name);
INSTANTIATE_TEST_SUITE_P(Random, SwimSwarm,
                         testing::Range(kFirstRandomSeed, kFirstRandomSeed + kRandomSeeds),
                         seed_name);

TEST(SwimSwarmPlan, RegressionListIsReadAndPlansAreFixedBySeed) {
  EXPECT_FALSE(regression_seeds().empty()) << "tests/sim/swim_regression_seeds.txt";
  EXPECT_EQ(draw_scenario(1234), draw_scenario(1234));
  EXPECT_NE(draw_scenario(1234), draw_scenario(1235));
  // Over the random seeds the plans cover every kind of fault.
  bool restart = false, partition = false, one_way = false, slow = false, leave = false,
       join = false, no_lifeguard = false, local = false;
  for (uint64_t seed = kFirstRandomSeed; seed < kFirstRandomSeed + kRandomSeeds; ++seed) {
    const std::string s = draw_scenario(seed);
    restart = restart || s.find("\"restart\"") != std::string::npos;
    partition = partition || s.find("\"groups\"") != std::string::npos;
    one_way = one_way || s.find("\"one_way\": true") != std::string::npos;
    slow = slow || s.find("\"delay_ms\"") != std::string::npos;
    leave = leave || s.find("\"leaves\": [{") != std::string::npos;
    join = join || s.find("\"start\": \"join\"") != std::string::npos;
    no_lifeguard = no_lifeguard || s.find("\"lifeguard\": false") != std::string::npos;
    local = local || s.find("\"profile\": \"local\"") != std::string::npos;
  }
  EXPECT_TRUE(restart && partition && one_way && slow && leave && join && no_lifeguard && local)
      << restart << partition << one_way << slow << leave << join << no_lifeguard << local;
}

}  // namespace
}  // namespace rumor::sim
