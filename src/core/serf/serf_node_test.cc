// SerfNode end to end over SerfTestNet (real memberlist and Serf bytes, virtual time, 1 ms
// latency). Each test names the Serf behaviour it checks (serf.go, delegate.go, query.go).
#include "core/serf/serf_node.h"

#include <gtest/gtest.h>

#include "core/serf/serf_test_net.h"
#include "core/wire/memberlist_codec.h"

namespace rumor::core::serf {
namespace {

using testing::SerfTestNet;
using Bytes = std::vector<uint8_t>;

SerfConfig lan() {
  return SerfConfig{};
}

MemberStatus status(SerfTestNet& net, size_t observer, std::string_view member) {
  auto m = net.node(observer).member(member);
  return m ? m->status : MemberStatus::kNone;
}

TEST(SerfNode, JoinThroughOneSeedShowsEveryMemberAliveWithItsTags) {
  SerfTestNet net(4, lan());
  net.join_all();
  for (size_t i = 0; i < net.size(); ++i) {
    const std::vector<SerfMember> members = net.node(i).members();
    ASSERT_EQ(members.size(), 4u) << "node " << i;
    for (size_t j = 0; j < members.size(); ++j) {
      EXPECT_EQ(members[j].name, "n" + std::to_string(j));
      EXPECT_EQ(members[j].status, MemberStatus::kAlive);
      EXPECT_EQ(members[j].tags.at("role"), "r" + std::to_string(j));
      EXPECT_EQ(members[j].vsn, wire::ml::kDefaultVsn);
    }
    EXPECT_EQ(net.count(i, SerfEventKind::kMemberJoin), 4u) << "node " << i;
  }
  // Every join intent went around: each node's own status time is known to the others.
  EXPECT_GE(net.node(0).member_clock(), 2u);
}

TEST(SerfNode, GracefulLeaveIsSeenAsLeftNotFailed) {
  SerfTestNet net(4, lan());
  net.join_all();
  net.node(3).leave(net.now());
  net.drain(3);
  EXPECT_FALSE(net.node(3).leave_done());
  net.run_for(Duration::seconds(3));
  EXPECT_TRUE(net.node(3).leave_done());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(status(net, i, "n3"), MemberStatus::kLeft) << "node " << i;
    EXPECT_EQ(net.count(i, SerfEventKind::kMemberLeave, "n3"), 1u) << "node " << i;
    EXPECT_EQ(net.count(i, SerfEventKind::kMemberFailed, "n3"), 0u) << "node " << i;
  }
}

TEST(SerfNode, CrashedMemberIsSeenAsFailedAndReapedAfterReconnectTimeout) {
  SerfConfig c = lan();
  c.reconnect_timeout = Duration::seconds(40);
  SerfTestNet net(4, c);
  net.join_all();
  net.crash(3);
  net.run_for(Duration::seconds(30));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(status(net, i, "n3"), MemberStatus::kFailed) << "node " << i;
    EXPECT_EQ(net.count(i, SerfEventKind::kMemberFailed, "n3"), 1u) << "node " << i;
  }
  net.run_for(Duration::seconds(60));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(status(net, i, "n3"), MemberStatus::kNone) << "node " << i;
    EXPECT_EQ(net.count(i, SerfEventKind::kMemberReap, "n3"), 1u) << "node " << i;
    EXPECT_EQ(net.node(i).members().size(), 3u);
  }
}

TEST(SerfNode, ForceLeaveTurnsAFailedMemberLeftEverywhere) {
  SerfTestNet net(4, lan());
  net.join_all();
  net.crash(3);
  net.run_for(Duration::seconds(30));
  ASSERT_EQ(status(net, 1, "n3"), MemberStatus::kFailed);
  ASSERT_TRUE(net.node(0).force_leave(net.now(), "n3", false).is_ok());
  net.drain(0);
  net.run_for(Duration::seconds(2));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(status(net, i, "n3"), MemberStatus::kLeft) << "node " << i;
    EXPECT_EQ(net.count(i, SerfEventKind::kMemberLeave, "n3"), 1u) << "node " << i;
  }
}

TEST(SerfNode, UserEventReachesEveryMemberExactlyOnce) {
  SerfTestNet net(5, lan());
  net.join_all();
  const Bytes payload = {'v', '2'};
  ASSERT_TRUE(net.node(2).user_event(net.now(), "deploy", payload, true).is_ok());
  net.drain(2);
  net.run_for(Duration::seconds(5));
  for (size_t i = 0; i < net.size(); ++i) {
    size_t seen = 0;
    for (const auto& e : net.events()) {
      if (e.observer != i || e.event.kind != SerfEventKind::kUser) continue;
      ++seen;
      EXPECT_EQ(e.event.name, "deploy");
      EXPECT_EQ(e.event.payload, payload);
      EXPECT_TRUE(e.event.coalesce);
      EXPECT_EQ(e.event.ltime, 1u) << "the first event carries LTime 1";
    }
    EXPECT_EQ(seen, 1u) << "node " << i;
    EXPECT_EQ(net.node(i).event_clock(), 2u) << "node " << i;
  }
}

TEST(SerfNode, CoalescedUserEventsDeliverOnlyTheNewestOfEachNameOnceQuiet) {
  SerfConfig c = lan();
  c.user_coalesce_period = Duration::seconds(3);
  c.user_quiescent_period = Duration::seconds(1);
  SerfTestNet net(3, c);
  net.join_all();
  for (const char* v : {"v1", "v2", "v3"}) {
    ASSERT_TRUE(net.node(0).user_event(net.now(), "deploy", Bytes(v, v + 2), true).is_ok());
    net.drain(0);
    net.run_for(Duration::millis(200));
  }
  ASSERT_TRUE(net.node(0).user_event(net.now(), "deploy", Bytes{'x'}, false).is_ok());
  net.drain(0);
  net.run_for(Duration::millis(300));
  for (size_t i = 0; i < net.size(); ++i)  // only the uncoalesced one so far
    EXPECT_EQ(net.count(i, SerfEventKind::kUser), 1u) << "node " << i;
  net.run_for(Duration::seconds(2));
  for (size_t i = 0; i < net.size(); ++i) {
    std::vector<std::string> got;
    for (const auto& e : net.events()) {
      if (e.observer != i || e.event.kind != SerfEventKind::kUser) continue;
      got.emplace_back(e.event.payload.begin(), e.event.payload.end());
    }
    EXPECT_EQ(got, (std::vector<std::string>{"x", "v3"})) << "node " << i;
  }
}

TEST(SerfNode, OversizedUserEventIsRefusedWithTheLimit) {
  SerfTestNet net(1, lan());
  const Bytes payload(600, 'x');
  const Status s = net.node(0).user_event(net.now(), "big", payload, false);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("limit is 512"), std::string::npos) << s.message();
}

TEST(SerfNode, LateJoinerGetsRecentEventsByPushPullUnlessItIgnoresOldOnes) {
  SerfTestNet net(4, lan());
  const Address seed = SerfTestNet::addr(0);
  net.node(1).join(net.now(), std::span(&seed, 1));
  net.drain(1);
  net.run_for(Duration::seconds(3));
  ASSERT_TRUE(net.node(0).user_event(net.now(), "early", Bytes{1}, false).is_ok());
  net.drain(0);
  net.run_for(Duration::seconds(10));  // its gossip is over before the late nodes join
  net.node(2).join(net.now(), std::span(&seed, 1), /*ignore_old=*/false);
  net.drain(2);
  net.node(3).join(net.now(), std::span(&seed, 1), /*ignore_old=*/true);
  net.drain(3);
  net.run_for(Duration::seconds(3));
  EXPECT_EQ(net.count(2, SerfEventKind::kUser), 1u);
  EXPECT_EQ(net.count(3, SerfEventKind::kUser), 0u);
}

TEST(SerfNode, QueryIsAnsweredByMatchingMembersWithAcksResponsesAndDone) {
  SerfTestNet net(4, lan());
  net.join_all();
  QueryParams p;
  p.filter_tags = {{"role", "r[12]"}};
  p.request_ack = true;
  p.timeout = Duration::seconds(2);
  auto handle = net.node(0).query(net.now(), "uptime", Bytes{'?'}, p);
  ASSERT_TRUE(handle.is_ok()) << handle.message();
  net.drain(0);
  net.run_for(Duration::millis(500));
  for (size_t i = 0; i < net.size(); ++i) {
    const size_t asked = (i == 1 || i == 2) ? 1 : 0;
    EXPECT_EQ(net.count(i, SerfEventKind::kQuery), asked) << "node " << i;
  }
  for (const auto& e : net.events()) {
    if (e.event.kind != SerfEventKind::kQuery) continue;
    const std::string answer = "up " + std::to_string(e.observer);
    const Bytes bytes(answer.begin(), answer.end());
    ASSERT_TRUE(net.node(e.observer).respond(net.now(), e.event.query_id, bytes).is_ok());
    EXPECT_FALSE(net.node(e.observer).respond(net.now(), e.event.query_id, bytes).is_ok())
        << "a query is answered once";
    net.drain(e.observer);
  }
  net.run_for(Duration::seconds(2));
  std::vector<std::string> acks, responses;
  size_t done = 0;
  for (const auto& e : net.events()) {
    if (e.observer != 0 || e.event.query_id != handle.value()) continue;
    if (e.event.kind == SerfEventKind::kQueryAck) acks.push_back(e.event.from);
    if (e.event.kind == SerfEventKind::kQueryResponse) {
      responses.push_back(e.event.from + "=" +
                          std::string(e.event.payload.begin(), e.event.payload.end()));
    }
    if (e.event.kind == SerfEventKind::kQueryDone) ++done;
  }
  std::sort(acks.begin(), acks.end());
  std::sort(responses.begin(), responses.end());
  EXPECT_EQ(acks, (std::vector<std::string>{"n1", "n2"}));
  EXPECT_EQ(responses, (std::vector<std::string>{"n1=up 1", "n2=up 2"}));
  EXPECT_EQ(done, 1u);
}

TEST(SerfNode, DefaultQueryTimeoutFollowsSerfsFormula) {
  // gossip_interval x 16 x ceil(log10(n + 1)): 3.2 s up to 9 members, 6.4 s from 10.
  SerfTestNet small(3, lan());
  small.join_all();
  EXPECT_EQ(small.node(0).default_query_timeout(), Duration::millis(3200));
  SerfTestNet ten(10, lan());
  ten.join_all();
  EXPECT_EQ(ten.node(0).default_query_timeout(), Duration::millis(6400));
}

TEST(SerfNode, QueryWithABadTagRegexIsRefused) {
  SerfTestNet net(1, lan());
  QueryParams p;
  p.filter_tags = {{"role", "(unclosed"}};
  auto r = net.node(0).query(net.now(), "q", {}, p);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.message().find("not a valid regular expression"), std::string::npos);
}

TEST(SerfNode, ConflictQueryIsAnsweredFromTheMemberTable) {
  SerfTestNet net(3, lan());
  net.join_all();
  QueryParams p;
  p.timeout = Duration::seconds(1);
  auto handle = net.node(0).query(net.now(), "_serf_conflict", Bytes{'n', '2'}, p);
  ASSERT_TRUE(handle.is_ok());
  net.drain(0);
  net.run_for(Duration::seconds(2));
  size_t answers = 0;
  for (const auto& e : net.events()) {
    if (e.observer != 0 || e.event.kind != SerfEventKind::kQueryResponse) continue;
    ConflictResponse resp;
    ASSERT_FALSE(decode(e.event.payload, resp));
    ASSERT_TRUE(resp.member.has_value());
    EXPECT_EQ(resp.member->name, "n2");
    EXPECT_EQ(resp.member->status, MemberStatus::kAlive);
    ++answers;
  }
  EXPECT_EQ(answers, 2u) << "n0 and n1 answer; n2 does not answer about itself";
  EXPECT_EQ(net.count(1, SerfEventKind::kQuery), 0u) << "internal queries stay inside";
}

TEST(SerfNode, TagUpdateReachesEveryMemberAsAnUpdate) {
  SerfTestNet net(3, lan());
  net.join_all();
  ASSERT_TRUE(net.node(2).set_tags(net.now(), {{"role", "web"}, {"dc", "x"}}).is_ok());
  net.drain(2);
  net.run_for(Duration::seconds(3));
  for (size_t i = 0; i < net.size(); ++i) {
    auto m = net.node(i).member("n2");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->tags, (Tags{{"dc", "x"}, {"role", "web"}})) << "node " << i;
    EXPECT_EQ(net.count(i, SerfEventKind::kMemberUpdate, "n2"), 1u) << "node " << i;
  }
}

TEST(SerfNode, AckPayloadsBuildNetworkCoordinates) {
  SerfTestNet net(3, lan());
  net.join_all(Duration::seconds(20));
  const auto other = net.node(0).coordinate_of("n1");
  ASSERT_TRUE(other.has_value());
  const Duration rtt = net.node(0).coordinate().distance_to(*other);
  EXPECT_GT(rtt, Duration::zero());
  EXPECT_LT(rtt, Duration::millis(50)) << "the simulated round trip is 2 ms";
  EXPECT_FALSE(net.node(0).coordinate_of("nobody").has_value());
}

TEST(SerfNode, UndecodableSerfMessagesAreCountedAndDropped) {
  SerfTestNet net(2, lan());
  std::vector<uint8_t> packet;
  wire::ml::encode_user(Bytes{0x03, 0xc1}, packet);  // a user event with a bad body
  net.inject(0, SerfTestNet::addr(1), packet);
  packet.clear();
  wire::ml::encode_user(Bytes{0x2a}, packet);  // no such Serf type
  net.inject(0, SerfTestNet::addr(1), packet);
  EXPECT_EQ(net.node(0).stats().messages_bad, 2u);
  EXPECT_EQ(net.count(0, SerfEventKind::kUser), 0u);
}

TEST(SerfNode, StaleLeaveIntentAboutAnAliveNodeIsRefutedByAJoinIntent) {
  SerfTestNet net(3, lan());
  net.join_all();
  LeaveIntent stale{net.node(1).member_clock() + 5, "n1", false};
  std::vector<uint8_t> msg, packet;
  encode(stale, msg);
  wire::ml::encode_user(msg, packet);
  net.inject(1, SerfTestNet::addr(0), packet);
  net.run_for(Duration::seconds(3));
  for (size_t i = 0; i < net.size(); ++i) {
    EXPECT_EQ(status(net, i, "n1"), MemberStatus::kAlive) << "node " << i;
  }
}

}  // namespace
}  // namespace rumor::core::serf
