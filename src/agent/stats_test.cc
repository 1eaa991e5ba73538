// GET /v1/stats's JSON (stats.h) from Serf nodes in virtual time (core/serf/serf_test_net.h):
// the contract's exact fields, members counted as GET /v1/members shows them, counters that grow.
#include "agent/stats.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "agent/views.h"
#include "core/serf/serf_test_net.h"

namespace rumor::agent {
namespace {

using core::serf::SerfConfig;
using core::serf::testing::SerfTestNet;
using nlohmann::json;

json stats_of(SerfTestNet& net, size_t i, const net::NetStats& ns = {}) {
  const std::string name = "n" + std::to_string(i);
  return render_stats(StatsInput{name, 1763790000000, net.node(i), ns, 2, 5});
}

std::set<std::string> keys(const json& j) {
  std::set<std::string> out;
  for (const auto& [k, v] : j.items())
    out.insert(k);
  return out;
}

TEST(Stats, HasExactlyTheFieldsOfTheDashboardContract) {
  SerfTestNet net(3, SerfConfig{});
  net.join_all();
  const json s = stats_of(net, 0);
  using Keys = std::set<std::string>;
  EXPECT_EQ(keys(s), (Keys{"node", "time_ms", "awareness", "awareness_max", "members", "protocol",
                           "queues", "net"}));
  EXPECT_EQ(keys(s["members"]), (Keys{"alive", "suspect", "failed", "left"}));
  EXPECT_EQ(keys(s["protocol"]), (Keys{"probes", "probe_acks", "indirect_probes", "nacks",
                                       "suspicions", "refutes", "gossip_rounds", "push_pulls"}));
  EXPECT_EQ(keys(s["queues"]),
            (Keys{"broadcasts", "serf_broadcasts", "events", "event_subscribers"}));
  EXPECT_EQ(keys(s["net"]), (Keys{"packets_out", "packets_in", "bytes_out", "bytes_in",
                                  "streams_out", "streams_in"}));
  for (const auto* part : {"members", "protocol", "queues", "net"}) {
    for (const auto& [k, v] : s[part].items())
      EXPECT_TRUE(v.is_number_unsigned()) << part << "." << k;
  }
  EXPECT_EQ(s["node"], "n0");
  EXPECT_EQ(s["time_ms"], 1763790000000);
  EXPECT_EQ(s["awareness"], 0);
  EXPECT_EQ(s["awareness_max"], 8);
  EXPECT_EQ(s["queues"]["event_subscribers"], 2);
  EXPECT_EQ(s["queues"]["events"], 5);
}

TEST(Stats, ProtocolCountersGrowWhileTheClusterRuns) {
  SerfTestNet net(3, SerfConfig{});
  net.join_all();
  const json before = stats_of(net, 1)["protocol"];
  net.run_for(Duration::seconds(30));
  const json after = stats_of(net, 1)["protocol"];
  EXPECT_GT(after["probes"], before["probes"]);
  EXPECT_GT(after["probe_acks"], before["probe_acks"]);
  EXPECT_GT(after["gossip_rounds"], 0);
  EXPECT_GT(after["push_pulls"], 0);
  EXPECT_EQ(after["suspicions"], 0);
}

TEST(Stats, NetAddsStreamBytesToPacketBytes) {
  SerfTestNet net(1, SerfConfig{});
  net::NetStats ns;
  ns.packets_received = 4;
  ns.packet_bytes_received = 100;
  ns.stream_bytes_received = 20;
  ns.stream_bytes_sent = 7;
  ns.streams_accepted = 3;
  const json n = stats_of(net, 0, ns)["net"];
  EXPECT_EQ(n["packets_in"], 4);
  EXPECT_EQ(n["bytes_in"], 120);
  EXPECT_EQ(n["bytes_out"], net.node(0).swim().stats().packet_bytes_sent + 7);
  EXPECT_EQ(n["streams_in"], 3);
}

TEST(Stats, MembersAreCountedByTheStatusTheMemberListShows) {
  SerfTestNet net(3, SerfConfig{});
  net.join_all();
  EXPECT_EQ(stats_of(net, 0)["members"],
            (json{{"alive", 3}, {"suspect", 0}, {"failed", 0}, {"left", 0}}));
  net.crash(2);
  for (int i = 0; i < 200 && net.node(0).swim().count(core::SwimState::kSuspect) == 0; ++i)
    net.run_for(Duration::millis(100));
  EXPECT_EQ(stats_of(net, 0)["members"],
            (json{{"alive", 2}, {"suspect", 1}, {"failed", 0}, {"left", 0}}));
  net.run_for(Duration::seconds(60));
  EXPECT_EQ(stats_of(net, 0)["members"],
            (json{{"alive", 2}, {"suspect", 0}, {"failed", 1}, {"left", 0}}));
}

TEST(MemberView, RttIsEstimatedForOthersOnceTheyAckedAndNeverForItself) {
  SerfTestNet net(3, SerfConfig{});
  net.join_all(Duration::seconds(20));
  for (const auto& m : net.node(0).members()) {
    const MemberView v = member_view(net.node(0), m);
    if (m.name == "n0") {
      EXPECT_EQ(v.rtt_ms, std::nullopt);
    } else {
      ASSERT_TRUE(v.rtt_ms.has_value()) << m.name;
      EXPECT_GT(*v.rtt_ms, 0.0) << m.name;
      EXPECT_LT(*v.rtt_ms, 50.0) << m.name << ": the simulated round trip is 2 ms";
    }
  }
}

TEST(MemberView, RttIsUnknownWithCoordinatesOff) {
  SerfConfig c;
  c.coordinates = false;
  SerfTestNet net(2, c);
  net.join_all(Duration::seconds(20));
  const auto other = net.node(0).member("n1");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(member_view(net.node(0), *other).rtt_ms, std::nullopt);
}

}  // namespace
}  // namespace rumor::agent
