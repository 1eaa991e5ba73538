// SwimNode end to end through its sans-IO surface, over SwimTestNet (real memberlist bytes,
// virtual time, 1 ms latency). Each test names the SWIM / Lifeguard / memberlist behaviour it
// checks.
#include "core/membership/swim_node.h"

#include <gtest/gtest.h>

#include "core/membership/swim_test_net.h"
#include "core/wire/compress_message.h"
#include "core/wire/memberlist_codec.h"

namespace rumor::core {
namespace {

namespace ml = wire::ml;
using testing::SwimTestNet;

SwimConfig lan() {
  return SwimConfig::lan();
}

std::vector<uint8_t> encoded(const auto& msg) {
  std::vector<uint8_t> out;
  ml::encode(msg, out);
  return out;
}

double secs(Duration d) {
  return d.sec();
}

// A push-pull from a member that believes n2 (10.0.0.3:7946) dead.
ml::PushPull push_pull_saying_n2_is_dead() {
  ml::PushPull remote;
  ml::PushNodeState s;
  s.name = "n2";
  s.addr = ml::Bytes(std::vector<uint8_t>{10, 0, 0, 3});
  s.port = 7946;
  s.incarnation = 1;
  s.state = ml::WireState::kDead;
  s.vsn = ml::Bytes(std::vector<uint8_t>(ml::kDefaultVsn.begin(), ml::kDefaultVsn.end()));
  remote.nodes.push_back(s);
  return remote;
}

TEST(SwimNode, HealthyClusterStaysAliveWithNoSuspicions) {
  SwimTestNet net(5, lan());
  net.run_for(Duration::seconds(60));
  for (size_t i = 0; i < net.size(); ++i) {
    EXPECT_EQ(net.node(i).count(SwimState::kAlive), 5u) << "node " << i;
    EXPECT_GT(net.node(i).stats().probe_acks, 50u);
  }
  EXPECT_TRUE(net.events().empty());
}

TEST(SwimNode, CrashedMemberIsSuspectedThenDeclaredDeadByEveryone) {
  SwimTestNet net(6, lan());
  net.run_for(Duration::seconds(5));
  const Time crash = net.now();
  net.crash(3);
  net.run_for(Duration::seconds(60));
  const auto suspect = net.first(SwimEventKind::kSuspect, 3);
  const auto failed = net.first(SwimEventKind::kFailed, 3);
  ASSERT_TRUE(suspect.has_value());
  ASSERT_TRUE(failed.has_value());
  EXPECT_LT(*suspect, *failed);
  for (size_t i = 0; i < net.size(); ++i) {
    if (i == 3) continue;
    EXPECT_TRUE(net.first(SwimEventKind::kFailed, 3, i).has_value()) << "observer " << i;
  }
  // Dead members are forgotten gossip_to_the_dead_time (30 s) after death, at the next wrap of
  // the probe order.
  net.run_for(Duration::seconds(60));
  for (size_t i = 0; i < net.size(); ++i) {
    if (i != 3) {
      EXPECT_EQ(net.node(i).find(net.name(3)), nullptr) << "observer " << i;
      const auto reaped = net.first(SwimEventKind::kReaped, 3, i);
      ASSERT_TRUE(reaped.has_value()) << "observer " << i;
      EXPECT_GT(*reaped - *net.first(SwimEventKind::kFailed, 3, i), Duration::seconds(30));
    }
  }
  // LAN, n = 6: suspicion min = 4 s, max = 24 s (k = 2 confirmations expected); with everyone
  // probing, confirmations arrive and the verdict lands between min and max after suspicion.
  EXPECT_GE(secs(*failed - *suspect), 4.0);
  EXPECT_LE(secs(*failed - crash), 1.0 + 6 * 1.0 + 24.0);
}

TEST(SwimNode, IndirectProbeThroughRelaySavesMemberWhoseDirectPathDrops) {
  SwimTestNet net(4, lan());
  net.block(0, 1);  // 0's packets to 1 are lost; 1 -> 0 and everything via 2, 3 still work
  net.run_for(Duration::seconds(60));
  EXPECT_GT(net.node(0).stats().indirect_probes, 0u);
  EXPECT_EQ(net.count(SwimEventKind::kSuspect, 1), 0u);
  EXPECT_EQ(net.state(0, 1), SwimState::kAlive);
}

TEST(SwimNode, TcpPingSavesMemberWhenAllUdpToItIsLost) {
  SwimConfig c = lan();
  c.indirect_checks = 1;
  SwimTestNet net(3, c);
  for (size_t i = 0; i < 3; ++i) {
    if (i != 2) net.block(i, 2);  // nobody's UDP reaches node 2; streams still do
  }
  net.run_for(Duration::seconds(30));
  EXPECT_EQ(net.count(SwimEventKind::kSuspect, 2), 0u);
  EXPECT_EQ(net.state(0, 2), SwimState::kAlive);
}

TEST(SwimNode, RelaySendsNackWhenTargetStaysSilent) {
  // A relay waits probe_timeout before its nack, which starts when the requester's own
  // probe_timeout is over: with lan()'s 500 ms of a 1 s probe the nack comes just after the
  // requester's deadline (as in memberlist) unless its awareness stretched the probe. A short
  // probe_timeout lets the nack arrive within the probe.
  SwimConfig c = lan();
  c.probe_timeout = Duration::millis(200);
  SwimTestNet net(4, c);
  net.run_for(Duration::seconds(2));
  net.crash(3);
  net.run_for(Duration::seconds(8));
  uint64_t nacks = 0;
  for (size_t i = 0; i < 3; ++i)
    nacks += net.node(i).stats().nacks_received;
  EXPECT_GT(nacks, 0u);
}

TEST(SwimNode, SuspectedMemberRefutesWithHigherIncarnation) {
  SwimTestNet net(3, lan());
  net.run_for(Duration::seconds(2));
  const uint32_t before = net.node(1).incarnation();
  net.inject(1, SwimTestNet::addr(0), encoded(ml::Suspect{before, "n1", "n0"}));
  EXPECT_EQ(net.node(1).incarnation(), before + 1);
  EXPECT_EQ(net.node(1).stats().refutes, 1u);
  net.run_for(Duration::seconds(5));
  EXPECT_EQ(net.node(0).find(net.name(1))->incarnation, before + 1);
  EXPECT_EQ(net.node(2).find(net.name(1))->incarnation, before + 1);
}

TEST(SwimNode, RefutingRaisesAwarenessAndSuccessfulProbesLowerIt) {
  SwimTestNet net(3, lan());
  net.run_for(Duration::seconds(1));
  net.inject(1, SwimTestNet::addr(0), encoded(ml::Suspect{1, "n1", "n0"}));
  net.inject(1, SwimTestNet::addr(0), encoded(ml::Dead{2, "n1", "n0"}));
  EXPECT_EQ(net.node(1).awareness_score(), 2);
  net.run_for(Duration::seconds(10));
  EXPECT_EQ(net.node(1).awareness_score(), 0);
}

TEST(SwimNode, SuspectBecomesAliveAgainWhenItRefutes) {
  SwimTestNet net(4, lan());
  net.run_for(Duration::seconds(1));
  // Node 0 alone is told node 2 is suspect; node 2 hears of it by gossip and refutes.
  net.inject(0, SwimTestNet::addr(1), encoded(ml::Suspect{1, "n2", "n1"}));
  EXPECT_EQ(net.state(0, 2), SwimState::kSuspect);
  net.run_for(Duration::seconds(10));
  EXPECT_EQ(net.state(0, 2), SwimState::kAlive);
  EXPECT_TRUE(net.first(SwimEventKind::kAlive, 2, 0).has_value());
  EXPECT_EQ(net.count(SwimEventKind::kFailed, 2), 0u);
}

TEST(SwimNode, ProbeOfSuspectCarriesTheSuspicionBuddySystem) {
  SwimTestNet net(2, lan());
  // The two cannot reach each other at all; we look at what node 0 sends once it suspects 1.
  net.block(0, 1);
  net.block(1, 0);
  net.streams_blocked = true;
  net.run_for(Duration::seconds(4));  // node 0 suspects node 1 (no acks come back)
  ASSERT_EQ(net.state(0, 1), SwimState::kSuspect);
  net.sent.clear();
  net.run_for(Duration::seconds(2));
  bool ping_with_suspect = false;
  for (const auto& [from, bytes] : net.sent) {
    if (from != 0) continue;
    std::vector<ml::PacketPart> parts;
    ml::MlErrorCounts errors{};
    ml::unwrap_packet(bytes, "", parts, errors);
    bool ping = false, suspect = false;
    for (const auto& p : parts) {
      ping |= p.type == ml::MsgType::kPing;
      suspect |= p.type == ml::MsgType::kSuspect;
    }
    ping_with_suspect |= ping && suspect;
  }
  EXPECT_TRUE(ping_with_suspect);
}

TEST(SwimNode, GracefulLeaveIsSeenAsLeftNotFailed) {
  SwimTestNet net(5, lan());
  net.run_for(Duration::seconds(3));
  net.node(4).leave(net.now());
  net.run_for(Duration::seconds(2));
  net.crash(4);
  net.run_for(Duration::seconds(20));
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(net.state(i, 4), SwimState::kLeft) << "observer " << i;
  }
  EXPECT_EQ(net.count(SwimEventKind::kFailed, 4), 0u);
  EXPECT_EQ(net.count(SwimEventKind::kLeft, 4), 4u);
}

TEST(SwimNode, JoinThroughOneSeedLearnsEveryMemberAndEveryoneLearnsIt) {
  SwimTestNet net(6, lan(), /*formed=*/false);
  for (size_t i = 1; i < net.size(); ++i) {
    const Address seed = SwimTestNet::addr(0);
    net.node(i).join(net.now(), {&seed, 1});
    net.run_for(Duration::millis(100));
  }
  net.run_for(Duration::seconds(20));
  for (size_t i = 0; i < net.size(); ++i) {
    EXPECT_EQ(net.node(i).count(SwimState::kAlive), 6u) << "node " << i;
    if (i > 0) {
      EXPECT_EQ(net.node(i).joined_count(), 1u);
    }
  }
}

// memberlist's pushPullTrigger waits a random stagger and then a whole (scaled) interval
// before its first periodic push-pull, so a freshly started cluster does not resync everything
// within its first interval.
TEST(SwimNode, FirstPeriodicPushPullComesAWholeIntervalAfterTheStartStagger) {
  SwimTestNet net(4, lan(), /*formed=*/false);
  const Address seed = SwimTestNet::addr(0);
  for (size_t i = 1; i < net.size(); ++i) {
    net.node(i).join(net.now(), {&seed, 1});
  }
  std::vector<uint64_t> after_join;
  for (size_t i = 0; i < net.size(); ++i) {
    after_join.push_back(net.node(i).stats().streams_opened);
  }
  net.run_for(lan().push_pull_interval - Duration::millis(1));
  for (size_t i = 0; i < net.size(); ++i) {
    EXPECT_EQ(net.node(i).stats().streams_opened, after_join[i]) << "node " << i;
  }
  net.run_for(lan().push_pull_interval + Duration::millis(2));  // past stagger + interval
  for (size_t i = 0; i < net.size(); ++i) {
    EXPECT_EQ(net.node(i).stats().streams_opened, after_join[i] + 1) << "node " << i;
  }
}

TEST(SwimNode, JoinsInFlightCountSeedsUntilTheyAnswerOrFail) {
  SwimTestNet net(3, lan(), /*formed=*/false);
  net.crash(2);
  const Address seeds[] = {SwimTestNet::addr(0), SwimTestNet::addr(2)};
  net.node(1).join(net.now(), seeds);
  EXPECT_EQ(net.node(1).joins_in_flight(), 2u);
  net.run_for(Duration::millis(100));
  EXPECT_EQ(net.node(1).joins_in_flight(), 0u);  // one answered, the crashed one failed
  EXPECT_EQ(net.node(1).joined_count(), 1u);
}

TEST(SwimNode, PushPullTurnsARemoteDeadIntoSuspectNotDead) {
  SwimTestNet net(3, lan());
  const ml::PushPull remote = push_pull_saying_n2_is_dead();
  net.node(0).handle_stream(net.now(), SwimTestNet::addr(1), 99, encoded(remote));
  EXPECT_EQ(net.state(0, 2), SwimState::kSuspect);
  SwimTransmit reply;
  ASSERT_TRUE(net.node(0).poll_transmit(reply));
  EXPECT_EQ(reply.channel, Channel::kStreamReply);
  EXPECT_EQ(reply.stream, 99u);
}

TEST(SwimNode, CompressedPacketsAndStreamsAreUnderstood) {
  // memberlist compresses streams always and packets when that is smaller (LZW, type 9).
  SwimTestNet net(3, lan());
  ml::Alive a;
  a.incarnation = 1;
  a.node = "n7";
  a.addr = ml::Bytes(std::vector<uint8_t>{10, 0, 0, 8});
  a.port = 7946;
  a.vsn = ml::Bytes(std::vector<uint8_t>(ml::kDefaultVsn.begin(), ml::kDefaultVsn.end()));
  std::vector<uint8_t> packet;
  ml::encode_compressed(encoded(a), packet);
  net.node(0).handle_packet(net.now(), SwimTestNet::addr(1), packet);
  EXPECT_NE(net.node(0).find(*net.directory().find_name("n7")), nullptr);

  const ml::PushPull remote = push_pull_saying_n2_is_dead();
  std::vector<uint8_t> stream;
  ml::encode_compressed(encoded(remote), stream);
  net.node(0).handle_stream(net.now(), SwimTestNet::addr(1), 99, stream);
  EXPECT_EQ(net.state(0, 2), SwimState::kSuspect);
  SwimTransmit reply;
  bool replied = false;
  while (net.node(0).poll_transmit(reply))
    replied |= reply.channel == Channel::kStreamReply && reply.stream == 99u;
  EXPECT_TRUE(replied);
}

TEST(SwimNode, MetadataChangeRaisesIncarnationAndEmitsUpdate) {
  SwimTestNet net(3, lan());
  net.run_for(Duration::seconds(1));
  const std::vector<uint8_t> meta = {0xff, 0x80};
  ASSERT_TRUE(net.node(2).set_meta(net.now(), meta));
  EXPECT_EQ(net.node(2).incarnation(), 2u);
  net.run_for(Duration::seconds(5));
  EXPECT_TRUE(net.first(SwimEventKind::kUpdated, 2, 0).has_value());
  EXPECT_TRUE(net.first(SwimEventKind::kUpdated, 2, 1).has_value());
  std::vector<uint8_t> too_big(513, 1);
  EXPECT_FALSE(net.node(2).set_meta(net.now(), too_big));
}

TEST(SwimNode, IdleGossipTicksDoNotWakeTheNodeAndNewsAtAnIdleNodeGoesOutAtOnce) {
  SwimTestNet net(2, lan());
  net.run_for(Duration::seconds(2));  // the start's alive messages are sent out by now
  const size_t before = net.wakeups(0).size();
  net.run_for(Duration::seconds(10));
  // Ten probe periods: a probe each and perhaps its timeout, no push-pull yet (30 s). The 50
  // gossip ticks in that time find an empty queue and do not wake the node.
  EXPECT_LE(net.wakeups(0).size() - before, 20u);
  const Time t = net.now() + Duration::millis(37);
  net.run_until(t);
  ASSERT_TRUE(net.node(0).set_meta(t, std::vector<uint8_t>{1}));
  EXPECT_EQ(net.node(0).poll_timeout(), t);
  net.run_until(t + net.latency);
  EXPECT_TRUE(net.first(SwimEventKind::kUpdated, 0, 1).has_value());
}

TEST(SwimNode, GossipRoundsAreAtMostOnePerIntervalEvenWhenNewsKeepsComing) {
  SwimTestNet net(2, lan());
  net.run_for(Duration::seconds(2));
  const Time t = net.now() + Duration::millis(37);
  net.run_until(t);
  ASSERT_TRUE(net.node(0).set_meta(t, std::vector<uint8_t>{1}));
  net.run_until(t + Duration::millis(1));  // the first round went out at t
  ASSERT_TRUE(net.node(0).set_meta(net.now(), std::vector<uint8_t>{2}));
  EXPECT_EQ(net.node(0).poll_timeout(), t + lan().gossip_interval);
}

TEST(SwimNode, GossipRoundsCountOnlyTicksThatHadNewsToSend) {
  SwimTestNet net(2, lan());
  net.run_for(Duration::seconds(2));
  const uint64_t before = net.node(0).stats().gossip_rounds;
  EXPECT_GT(before, 0u) << "the start's alive messages went out in gossip rounds";
  net.run_for(Duration::seconds(10));
  EXPECT_EQ(net.node(0).stats().gossip_rounds, before) << "50 idle ticks are not rounds";
  ASSERT_TRUE(net.node(0).set_meta(net.now(), std::vector<uint8_t>{1}));
  net.run_for(lan().gossip_interval / 2);
  EXPECT_EQ(net.node(0).stats().gossip_rounds, before + 1);
}

TEST(SwimNode, WithoutEagerGossipNewsWaitsForTheNextTickOfTheFixedPhase) {
  SwimConfig c = lan();
  c.eager_gossip = false;
  SwimTestNet net(2, c);
  net.run_for(Duration::seconds(12));
  const Time t = net.now() + Duration::millis(37);
  net.run_until(t);
  ASSERT_TRUE(net.node(0).set_meta(t, std::vector<uint8_t>{1}));
  const Time wake = net.node(0).poll_timeout();
  EXPECT_GT(wake, t);
  EXPECT_LE(wake, t + c.gossip_interval);
  EXPECT_FALSE(net.first(SwimEventKind::kUpdated, 0, 1).has_value());
  net.run_until(t + c.gossip_interval + net.latency);
  EXPECT_TRUE(net.first(SwimEventKind::kUpdated, 0, 1).has_value());
}

TEST(SwimNode, GossipOffNeverWakesTheNodeForGossip) {
  SwimConfig c = lan();
  c.gossip_interval = Duration::zero();
  SwimTestNet net(2, c);
  net.run_for(Duration::seconds(2));
  ASSERT_TRUE(net.node(0).set_meta(net.now(), std::vector<uint8_t>{1}));
  EXPECT_GT(net.node(0).poll_timeout(), net.now());
  net.run_for(Duration::seconds(5));  // the news still travels, piggybacked on probes
  EXPECT_TRUE(net.first(SwimEventKind::kUpdated, 0, 1).has_value());
}

TEST(SwimNode, PacketsStayWithinTheUdpBudgetWhilePiggybacking) {
  SwimTestNet net(40, lan());
  for (size_t i = 30; i < 40; ++i)
    net.crash(i);
  net.run_for(Duration::seconds(40));
  EXPECT_LE(net.max_packet_bytes(), 1400u);
  EXPECT_GT(net.count(SwimEventKind::kFailed, 35), 0u);
}

TEST(SwimNode, EachBroadcastIsSentAtMostTheRetransmitLimit) {
  SwimConfig c = lan();
  SwimTestNet net(3, c);
  net.run_for(Duration::seconds(1));
  // One suspect broadcast about n2 at n0 (it refutes later, but count only the suspect bytes).
  const auto suspect = encoded(ml::Suspect{1, "n2", "n1"});
  net.block(0, 2);
  net.block(2, 0);
  net.inject(0, SwimTestNet::addr(1), suspect);
  net.sent.clear();
  net.run_for(Duration::seconds(3));
  size_t copies = 0;
  for (const auto& [from, bytes] : net.sent) {
    if (from != 0) continue;
    std::vector<ml::PacketPart> parts;
    ml::MlErrorCounts errors{};
    ml::unwrap_packet(bytes, "", parts, errors);
    for (const auto& p : parts) {
      if (p.type == ml::MsgType::kSuspect && p.body.size() + 1 == suspect.size() &&
          std::equal(p.body.begin(), p.body.end(), suspect.begin() + 1)) {
        ++copies;
      }
    }
  }
  // n = 3: 4 x ceil(log10 4) = 4 sends (the probe's buddy copies are separate messages).
  EXPECT_GE(copies, 1u);
  EXPECT_LE(copies, retransmit_limit(c.retransmit_mult, 3) + 4u);
}

TEST(SwimNode, PingForAnotherNodeNameIsIgnored) {
  SwimTestNet net(2, lan());
  ml::Ping ping;
  ping.seq_no = 7;
  ping.node = "someone-else";
  const uint64_t ignored = net.node(0).stats().ignored;
  net.node(0).handle_packet(net.now(), SwimTestNet::addr(1), encoded(ping));
  SwimTransmit t;
  EXPECT_FALSE(net.node(0).poll_transmit(t) && t.channel == Channel::kPacket &&
               t.to == SwimTestNet::addr(1));
  EXPECT_EQ(net.node(0).stats().ignored, ignored + 1);
}

TEST(SwimNode, MalformedPacketsAreCountedAndDropped) {
  SwimTestNet net(2, lan());
  const std::vector<uint8_t> junk[] = {{}, {0x04, 0xc1}, {0x07, 0x05, 0x00}, {0xee, 1, 2}};
  for (const auto& j : junk)
    net.node(0).handle_packet(net.now(), SwimTestNet::addr(1), j);
  uint64_t errors = 0;
  for (uint64_t e : net.node(0).decode_errors())
    errors += e;
  EXPECT_GE(errors, 4u);
  EXPECT_EQ(net.node(0).count(SwimState::kAlive), 2u);
}

TEST(SwimNode, AliveWithIncarnationZeroForUnknownMemberIsIgnored) {
  SwimTestNet net(2, lan(), /*formed=*/false);
  ml::Alive a;
  a.incarnation = 0;
  a.node = "stranger";
  a.addr = ml::Bytes(std::vector<uint8_t>{10, 9, 9, 9});
  a.port = 7946;
  a.vsn = ml::Bytes(std::vector<uint8_t>(ml::kDefaultVsn.begin(), ml::kDefaultVsn.end()));
  net.inject(0, SwimTestNet::addr(1), encoded(a));
  EXPECT_EQ(net.node(0).members().size(), 1u);
  a.incarnation = 1;
  net.inject(0, SwimTestNet::addr(1), encoded(a));
  EXPECT_EQ(net.node(0).members().size(), 2u);
}

TEST(SwimNode, AliveFromAnotherAddressForAKnownNameIsAConflict) {
  SwimTestNet net(2, lan());
  ml::Alive a;
  a.incarnation = 5;
  a.node = "n1";
  a.addr = ml::Bytes(std::vector<uint8_t>{10, 9, 9, 9});
  a.port = 7946;
  a.vsn = ml::Bytes(std::vector<uint8_t>(ml::kDefaultVsn.begin(), ml::kDefaultVsn.end()));
  net.inject(0, SwimTestNet::addr(1), encoded(a));
  EXPECT_EQ(net.node(0).stats().address_conflicts, 1u);
  EXPECT_EQ(net.node(0).find(net.name(1))->incarnation, 1u);
}

TEST(SwimNode, MemberLimitRefusesAndCountsNewMembers) {
  SwimConfig c = lan();
  c.max_members = 2;
  SwimTestNet net(4, c, /*formed=*/false);
  for (int i = 0; i < 4; ++i) {
    ml::Alive a;
    a.incarnation = 1;
    a.node = "x" + std::to_string(i);
    a.addr = ml::Bytes(std::vector<uint8_t>{10, 9, 9, static_cast<uint8_t>(i)});
    a.port = 7946;
    a.vsn = ml::Bytes(std::vector<uint8_t>(ml::kDefaultVsn.begin(), ml::kDefaultVsn.end()));
    net.inject(0, SwimTestNet::addr(1), encoded(a));
  }
  EXPECT_EQ(net.node(0).members().size(), 3u);  // itself + 2
  EXPECT_EQ(net.node(0).stats().members_refused, 2u);
}

TEST(SwimNode, DeadMemberReturnsOnlyWithHigherIncarnation) {
  SwimTestNet net(3, lan());
  net.inject(0, SwimTestNet::addr(1), encoded(ml::Dead{1, "n2", "n1"}));
  ASSERT_EQ(net.state(0, 2), SwimState::kDead);
  ml::Alive a;
  a.node = "n2";
  a.addr = ml::Bytes(std::vector<uint8_t>{10, 0, 0, 3});
  a.port = 7946;
  a.vsn = ml::Bytes(std::vector<uint8_t>(ml::kDefaultVsn.begin(), ml::kDefaultVsn.end()));
  a.incarnation = 1;
  net.inject(0, SwimTestNet::addr(1), encoded(a));
  EXPECT_EQ(net.state(0, 2), SwimState::kDead);
  a.incarnation = 2;
  net.inject(0, SwimTestNet::addr(1), encoded(a));
  EXPECT_EQ(net.state(0, 2), SwimState::kAlive);
  EXPECT_TRUE(net.first(SwimEventKind::kJoined, 2, 0).has_value());
}

TEST(SwimNode, SuspicionTimeoutIsFixedMinimumWithoutLifeguard) {
  SwimConfig c = lan();
  c.set_lifeguard(false);
  SwimTestNet net(3, c);
  net.inject(0, SwimTestNet::addr(1), encoded(ml::Suspect{1, "n2", "n1"}));
  net.crash(2);
  const Time start = net.now();
  net.run_for(Duration::seconds(30));
  const auto failed = net.first(SwimEventKind::kFailed, 2, 0);
  ASSERT_TRUE(failed.has_value());
  // LAN, n = 3: min = 4 x max(1, log10 3) x 1 s = 4 s.
  EXPECT_EQ(*failed - start, Duration::seconds(4));
}

TEST(SwimNode, PushPullScaleGrowsLogarithmicallyAbove32Members) {
  const Duration i = Duration::seconds(30);
  EXPECT_EQ(push_pull_scale(i, 1), i);
  EXPECT_EQ(push_pull_scale(i, 32), i);
  EXPECT_EQ(push_pull_scale(i, 33), i * 2);
  EXPECT_EQ(push_pull_scale(i, 64), i * 2);
  EXPECT_EQ(push_pull_scale(i, 65), i * 3);
  EXPECT_EQ(push_pull_scale(i, 10000), i * 10);
}

TEST(SwimNode, SameSeedGivesTheSameRun) {
  auto run = [] {
    SwimTestNet net(8, lan(), true, 42);
    net.run_for(Duration::seconds(3));
    net.crash(5);
    net.run_for(Duration::seconds(40));
    return std::make_pair(net.packets(), net.events().size());
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace rumor::core

namespace rumor::core {
namespace {

TEST(SwimNode, AliveWithAShortVsnIsRefusedNotApplied) {
  SwimTestNet net(2, SwimConfig::lan(), /*formed=*/false);
  wire::ml::Alive a;
  a.incarnation = 1;
  a.node = "odd";
  a.addr = wire::ml::Bytes(std::vector<uint8_t>{10, 9, 9, 9});
  a.port = 7946;
  a.vsn = wire::ml::Bytes(std::vector<uint8_t>{1, 5, 2});  // memberlist would crash on this
  std::vector<uint8_t> bytes;
  wire::ml::encode(a, bytes);
  net.inject(0, SwimTestNet::addr(1), bytes);
  EXPECT_EQ(net.node(0).members().size(), 1u);
  a.vsn = wire::ml::Bytes(std::vector<uint8_t>{});  // an old sender: no versions at all
  bytes.clear();
  wire::ml::encode(a, bytes);
  net.inject(0, SwimTestNet::addr(1), bytes);
  EXPECT_EQ(net.node(0).members().size(), 2u);
}

}  // namespace
}  // namespace rumor::core

namespace rumor::core {
namespace {

wire::ml::PushNodeState remote_state(const std::string& name, uint8_t last_octet,
                                     std::vector<uint8_t> vsn) {
  wire::ml::PushNodeState s;
  s.name = name;
  s.addr = wire::ml::Bytes(std::vector<uint8_t>{10, 7, 7, last_octet});
  s.port = 7946;
  s.incarnation = 1;
  s.vsn = wire::ml::Bytes(std::move(vsn));
  return s;
}

TEST(SwimNode, PushPullWithAnIncompatibleProtocolVersionIsAnsweredButNotMerged) {
  SwimTestNet net(2, SwimConfig::lan());
  const std::vector<uint8_t> ok(wire::ml::kDefaultVsn.begin(), wire::ml::kDefaultVsn.end());
  wire::ml::PushPull remote;
  remote.nodes.push_back(remote_state("fine", 1, ok));
  // Running memberlist protocol 9, above the cluster's maximum of 5 (memberlist verifyProtocol).
  remote.nodes.push_back(remote_state("future", 2, {1, 5, 9, 2, 5, 5}));
  std::vector<uint8_t> bytes;
  wire::ml::encode(remote, bytes);
  net.node(0).handle_stream(net.now(), SwimTestNet::addr(1), 5, bytes);
  SwimTransmit reply;
  ASSERT_TRUE(net.node(0).poll_transmit(reply));
  EXPECT_EQ(reply.channel, Channel::kStreamReply);
  EXPECT_EQ(net.node(0).stats().push_pulls_refused, 1u);
  EXPECT_EQ(net.node(0).members().size(), 2u);  // neither remote member was merged

  remote.nodes.pop_back();
  bytes.clear();
  wire::ml::encode(remote, bytes);
  net.node(0).handle_stream(net.now(), SwimTestNet::addr(1), 6, bytes);
  EXPECT_EQ(net.node(0).stats().push_pulls_refused, 1u);
  EXPECT_EQ(net.node(0).members().size(), 3u);
}

TEST(SwimRules, VersionRangeFollowsMemberlistVerifyProtocol) {
  VersionRange range;
  const std::vector<uint8_t> a = {1, 5, 2, 2, 5, 5};
  const std::vector<uint8_t> b = {2, 4, 3, 3, 4, 4};
  range.narrow(SwimState::kAlive, a);
  range.narrow(SwimState::kAlive, b);
  range.narrow(SwimState::kDead, std::vector<uint8_t>{5, 5, 5, 5, 5, 5});  // not alive: ignored
  range.narrow(SwimState::kAlive, std::vector<uint8_t>{});                 // no versions: ignored
  EXPECT_FALSE(range.admits(a));  // its delegate version 5 is above the range, [3, 4]
  EXPECT_TRUE(range.admits(b));
  EXPECT_TRUE(range.admits(std::vector<uint8_t>{1, 9, 4, 1, 9, 3}));
  EXPECT_FALSE(range.admits(std::vector<uint8_t>{1, 9, 5, 1, 9, 3}));  // pcur above min pmax
  EXPECT_FALSE(range.admits(std::vector<uint8_t>{}));                  // no versions: zeros
}

TEST(MessageCounts, CompoundAndCrcWrappersCountTheirPartsByType) {
  std::vector<uint8_t> ping, alive;
  wire::ml::Ping p;
  p.seq_no = 7;
  p.node = "b";
  wire::ml::encode(p, ping);
  wire::ml::Alive a;
  a.node = "c";
  wire::ml::encode(a, alive);
  std::vector<std::span<const uint8_t>> parts{ping, alive};
  std::vector<uint8_t> compound;
  wire::ml::encode_compound(parts, compound);
  std::vector<uint8_t> crc;
  wire::ml::wrap_crc(compound, crc);

  MessageCounts counts;
  counts.add_packet(crc);
  EXPECT_EQ(counts.messages[0], 1u);  // ping
  EXPECT_EQ(counts.messages[4], 1u);  // alive
  EXPECT_EQ(counts.bytes[0], ping.size());
  EXPECT_EQ(counts.bytes[4], alive.size());
  EXPECT_EQ(counts.messages[7] + counts.messages[12], 0u);  // wrappers are not messages

  compound.resize(compound.size() - 1);  // a truncated compound counts what is whole
  MessageCounts truncated;
  truncated.add_packet(compound);
  EXPECT_EQ(truncated.messages[0], 1u);
  EXPECT_EQ(truncated.messages[4], 0u);
}

TEST(SwimNode, CountsSentAndReceivedMessagesByType) {
  SwimTestNet net(3, lan());
  net.run_for(Duration::seconds(10));
  const SwimStats& s = net.node(0).stats();
  EXPECT_GT(s.sent.messages[0], 0u);      // pings
  EXPECT_GT(s.received.messages[2], 0u);  // acks
  EXPECT_GT(s.received.messages[0], 0u);  // pings from the others
  EXPECT_GT(s.sent.messages[2], 0u);      // acks to them
  EXPECT_GT(s.sent.bytes[0], s.sent.messages[0]);
}

}  // namespace
}  // namespace rumor::core
