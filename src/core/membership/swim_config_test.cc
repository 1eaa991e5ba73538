#include "core/membership/swim_config.h"

#include <gtest/gtest.h>

#include <string>

namespace rumor::core {
namespace {

TEST(SwimConfig, DefaultIsLanAndValid) {
  const SwimConfig c;
  EXPECT_TRUE(c.validate().is_ok()) << c.validate().message();
  EXPECT_EQ(c.profile, "lan");
  EXPECT_EQ(SwimConfig::lan().probe_interval, c.probe_interval);
}

TEST(SwimConfig, LanEqualsMemberlistDefaultLanConfig) {
  const SwimConfig c = SwimConfig::lan();
  EXPECT_EQ(c.tcp_timeout, Duration::seconds(10));
  EXPECT_EQ(c.indirect_checks, 3u);
  EXPECT_EQ(c.retransmit_mult, 4u);
  EXPECT_EQ(c.suspicion_mult, 4u);
  EXPECT_EQ(c.suspicion_max_timeout_mult, 6u);
  EXPECT_EQ(c.push_pull_interval, Duration::seconds(30));
  EXPECT_EQ(c.probe_timeout, Duration::millis(500));
  EXPECT_EQ(c.probe_interval, Duration::seconds(1));
  EXPECT_FALSE(c.disable_tcp_pings);
  EXPECT_EQ(c.awareness_max_multiplier, 8u);
  EXPECT_EQ(c.gossip_nodes, 3u);
  EXPECT_EQ(c.gossip_interval, Duration::millis(200));
  EXPECT_EQ(c.gossip_to_the_dead_time, Duration::seconds(30));
  EXPECT_EQ(c.udp_buffer_size, 1400u);
  EXPECT_EQ(c.meta_max_bytes, 512u);
  EXPECT_EQ(c.dead_node_reclaim_time, Duration::zero());
  EXPECT_TRUE(c.awareness && c.dynamic_suspicion && c.nacks && c.buddy);
}

TEST(SwimConfig, WanEqualsMemberlistDefaultWanConfig) {
  const SwimConfig c = SwimConfig::wan();
  EXPECT_TRUE(c.validate().is_ok()) << c.validate().message();
  EXPECT_EQ(c.profile, "wan");
  EXPECT_EQ(c.tcp_timeout, Duration::seconds(30));
  EXPECT_EQ(c.suspicion_mult, 6u);
  EXPECT_EQ(c.push_pull_interval, Duration::seconds(60));
  EXPECT_EQ(c.probe_timeout, Duration::seconds(3));
  EXPECT_EQ(c.probe_interval, Duration::seconds(5));
  EXPECT_EQ(c.gossip_nodes, 4u);
  EXPECT_EQ(c.gossip_interval, Duration::millis(500));
  EXPECT_EQ(c.gossip_to_the_dead_time, Duration::seconds(60));
  // Unchanged from LAN.
  EXPECT_EQ(c.indirect_checks, 3u);
  EXPECT_EQ(c.retransmit_mult, 4u);
  EXPECT_EQ(c.suspicion_max_timeout_mult, 6u);
  EXPECT_EQ(c.awareness_max_multiplier, 8u);
}

TEST(SwimConfig, LocalEqualsMemberlistDefaultLocalConfig) {
  const SwimConfig c = SwimConfig::local();
  EXPECT_TRUE(c.validate().is_ok()) << c.validate().message();
  EXPECT_EQ(c.profile, "local");
  EXPECT_EQ(c.tcp_timeout, Duration::seconds(1));
  EXPECT_EQ(c.indirect_checks, 1u);
  EXPECT_EQ(c.retransmit_mult, 2u);
  EXPECT_EQ(c.suspicion_mult, 3u);
  EXPECT_EQ(c.push_pull_interval, Duration::seconds(15));
  EXPECT_EQ(c.probe_timeout, Duration::millis(200));
  EXPECT_EQ(c.probe_interval, Duration::seconds(1));
  EXPECT_EQ(c.gossip_interval, Duration::millis(100));
  EXPECT_EQ(c.gossip_to_the_dead_time, Duration::seconds(15));
  EXPECT_EQ(c.gossip_nodes, 3u);
}

TEST(SwimConfig, ProfileByNameAndUnknownNameListsTheAllowedOnes) {
  auto wan = SwimConfig::from_profile("wan");
  ASSERT_TRUE(wan.is_ok());
  EXPECT_EQ(wan->probe_interval, Duration::seconds(5));
  ASSERT_TRUE(SwimConfig::from_profile("local").is_ok());
  ASSERT_TRUE(SwimConfig::from_profile("lan").is_ok());
  auto bad = SwimConfig::from_profile("LAN");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.message(), "profile: must be one of lan, wan, local, got \"LAN\"");
}

TEST(SwimConfig, SetLifeguardTogglesAllFourMechanisms) {
  SwimConfig c;
  c.set_lifeguard(false);
  EXPECT_FALSE(c.awareness || c.dynamic_suspicion || c.nacks || c.buddy);
  c.set_lifeguard(true);
  EXPECT_TRUE(c.awareness && c.dynamic_suspicion && c.nacks && c.buddy);
}

// Each case breaks one field; validate() must name it.
TEST(SwimConfig, ValidateNamesTheFieldOutOfRange) {
  struct Case {
    const char* field;
    void (*breaker)(SwimConfig&);
  };
  const Case cases[] = {
      {"probe_interval", [](SwimConfig& c) { c.probe_interval = Duration::zero(); }},
      {"probe_interval", [](SwimConfig& c) { c.probe_interval = Duration::seconds(3601); }},
      {"probe_timeout", [](SwimConfig& c) { c.probe_timeout = Duration::seconds(1); }},
      {"probe_timeout", [](SwimConfig& c) { c.probe_timeout = Duration::nanos(999'999); }},
      {"gossip_interval", [](SwimConfig& c) { c.gossip_interval = Duration::nanos(5); }},
      {"gossip_to_the_dead_time",
       [](SwimConfig& c) { c.gossip_to_the_dead_time = Duration::nanos(-1); }},
      {"push_pull_interval",
       [](SwimConfig& c) { c.push_pull_interval = Duration::seconds(24 * 3600 + 1); }},
      {"tcp_timeout", [](SwimConfig& c) { c.tcp_timeout = Duration::zero(); }},
      {"dead_node_reclaim_time",
       [](SwimConfig& c) { c.dead_node_reclaim_time = Duration::seconds(-1); }},
      {"indirect_checks", [](SwimConfig& c) { c.indirect_checks = 65; }},
      {"retransmit_mult", [](SwimConfig& c) { c.retransmit_mult = 0; }},
      {"gossip_nodes", [](SwimConfig& c) { c.gossip_nodes = 65; }},
      {"suspicion_mult", [](SwimConfig& c) { c.suspicion_mult = 0; }},
      {"suspicion_max_timeout_mult", [](SwimConfig& c) { c.suspicion_max_timeout_mult = 0; }},
      {"awareness_max_multiplier", [](SwimConfig& c) { c.awareness_max_multiplier = 0; }},
      {"udp_buffer_size", [](SwimConfig& c) { c.udp_buffer_size = 65508; }},
      {"meta_max_bytes", [](SwimConfig& c) { c.meta_max_bytes = 513; }},
      {"max_members", [](SwimConfig& c) { c.max_members = 10'000'001; }},
      {"max_members", [](SwimConfig& c) { c.max_members = 0; }},
      {"max_events", [](SwimConfig& c) { c.max_events = 0; }},
      {"max_broadcasts", [](SwimConfig& c) { c.max_broadcasts = 0; }},
      {"max_pending_probes", [](SwimConfig& c) { c.max_pending_probes = 0; }},
      {"max_relays", [](SwimConfig& c) { c.max_relays = (1u << 20) + 1; }},
      {"max_push_pull_nodes", [](SwimConfig& c) { c.max_push_pull_nodes = 0; }},
  };
  for (const Case& k : cases) {
    SwimConfig c;
    k.breaker(c);
    const Status s = c.validate();
    ASSERT_FALSE(s.is_ok()) << k.field;
    EXPECT_EQ(s.message().rfind(std::string(k.field) + ":", 0), 0u) << s.message();
  }
}

TEST(SwimConfig, ValidateMessageGivesRangeAndValue) {
  SwimConfig c;
  c.indirect_checks = 65;
  EXPECT_EQ(c.validate().message(), "indirect_checks: must be in 0..64, got 65");
}

TEST(SwimConfig, ZeroTurnsOptionalTimersOffAndIsValid) {
  SwimConfig c;
  c.gossip_interval = Duration::zero();
  c.gossip_nodes = 0;
  c.push_pull_interval = Duration::zero();
  c.indirect_checks = 0;
  EXPECT_TRUE(c.validate().is_ok()) << c.validate().message();
}

}  // namespace
}  // namespace rumor::core
