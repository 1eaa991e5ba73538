// SwimHost on real loopback sockets: clusters of hosts on one Loop form, detect a crash, take a
// leave, and survive junk: garbage and oversize datagrams, connections that send nothing,
// garbage, or more than max_stream_bytes, and more connections than max_streams. Wall-clock
// tests (DESIGN.md: they live only in tests/net); each waits for an outcome with a generous
// deadline rather than for a fixed time.
#include <gtest/gtest.h>

#include <asio/connect.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/membership/swim_config.h"
#include "net/endpoint.h"
#include "net/loop.h"
#include "net/swim_host.h"
#include "support/run_until.h"

namespace rumor::net {
namespace {

using core::SwimState;

// memberlist's local profile, with push-pull every 2 s instead of 15 s. Members that join
// through one seed at once can miss one another's alive broadcasts (local retransmits each only
// twice) and then see one another only at the first periodic push-pull, which memberlist (and
// rumor) schedule up to two intervals after start: 30 s with the profile's own interval.
core::SwimConfig fast() {
  core::SwimConfig c = core::SwimConfig::local();
  c.push_pull_interval = Duration::seconds(2);
  return c;
}

std::unique_ptr<SwimHost> open_host(Loop& loop, const std::string& name, NetLimits limits = {}) {
  SwimHostOptions o;
  o.name = name;
  o.bind = core::Address::v4(127, 0, 0, 1, 0);
  o.limits = limits;
  auto host = SwimHost::open(loop, fast(), o);
  EXPECT_TRUE(host.is_ok()) << host.message();
  return std::move(*host);
}

using testing::run_until;

struct Cluster {
  Loop loop;
  std::vector<std::unique_ptr<SwimHost>> hosts;

  explicit Cluster(size_t n, NetLimits limits = {}) {
    for (size_t i = 0; i < n; ++i)
      hosts.push_back(open_host(loop, "n" + std::to_string(i), limits));
    const core::Address seed = hosts[0]->bound();
    for (size_t i = 1; i < n; ++i)
      hosts[i]->join(std::span<const core::Address>(&seed, 1));
  }
  bool all_see(size_t alive) const {
    for (const auto& h : hosts) {
      if (h->closed()) continue;
      if (h->node().count(SwimState::kAlive) != alive) return false;
    }
    return true;
  }
  // Each open host's counts, for failure messages: tells a slow suspicion from a reaped member.
  std::string describe() const {
    std::string out;
    for (size_t i = 0; i < hosts.size(); ++i) {
      if (hosts[i]->closed()) continue;
      const auto& n = hosts[i]->node();
      out += "\n  n" + std::to_string(i) + ": alive " + std::to_string(n.count(SwimState::kAlive)) +
             ", suspect " + std::to_string(n.count(SwimState::kSuspect)) + ", dead " +
             std::to_string(n.count(SwimState::kDead)) + ", left " +
             std::to_string(n.count(SwimState::kLeft)) + ", members " +
             std::to_string(n.members().size());
    }
    return out;
  }
  bool all_mark(size_t dead_or_left, SwimState s) const {
    for (const auto& h : hosts) {
      if (!h->closed() && h->node().count(s) != dead_or_left) return false;
    }
    return true;
  }
};

TEST(SwimHost, FiveHostsOnOneLoopConverge) {
  Cluster c(5);
  EXPECT_TRUE(run_until(c.loop, [&] { return c.all_see(5); })) << c.describe();
  uint64_t push_pulls = 0;
  for (const auto& h : c.hosts)
    push_pulls += h->node().stats().push_pulls;
  EXPECT_GE(push_pulls, 4u);  // every join went over a TCP push-pull
  EXPECT_GT(c.hosts[0]->net_stats().streams_accepted, 0u);
}

TEST(SwimHost, ClosedHostIsMarkedFailedByEverySurvivor) {
  Cluster c(4);
  ASSERT_TRUE(run_until(c.loop, [&] { return c.all_see(4); }));
  c.hosts[3]->close();
  // Lifeguard with 4 members expects one independent confirmation (k = 1): a survivor that
  // hears the suspicion from only one accuser, and misses the dead broadcasts, waits the full
  // 6 x 3 s = 18 s; its own probes, slowed by its awareness score, may come later still.
  EXPECT_TRUE(run_until(
      c.loop, [&] { return c.all_mark(1, SwimState::kDead); }, std::chrono::seconds(40)))
      << c.describe();
  EXPECT_TRUE(c.all_see(3));
}

TEST(SwimHost, LeaveIsSeenAsLeftNotFailed) {
  Cluster c(3);
  ASSERT_TRUE(run_until(c.loop, [&] { return c.all_see(3); }));
  c.hosts[2]->leave();
  c.loop.io().run_for(std::chrono::milliseconds(300));  // let the leave go out
  c.hosts[2]->close();
  EXPECT_TRUE(run_until(c.loop, [&] { return c.all_mark(1, SwimState::kLeft); }));
  EXPECT_TRUE(c.all_mark(0, SwimState::kDead));
}

TEST(SwimHost, EventsReachTheHandlerInOrder) {
  Loop loop;
  auto a = open_host(loop, "a");
  auto b = open_host(loop, "b");
  std::vector<core::SwimEventKind> seen;
  a->set_event_handler([&](const core::SwimEvent& e) { seen.push_back(e.kind); });
  const core::Address seed = a->bound();
  b->join(std::span<const core::Address>(&seed, 1));
  ASSERT_TRUE(run_until(loop, [&] { return !seen.empty(); }));
  EXPECT_EQ(seen.front(), core::SwimEventKind::kJoined);
  b->close();
  ASSERT_TRUE(run_until(loop, [&] { return seen.back() == core::SwimEventKind::kFailed; }));
}

TEST(SwimHost, SecondHostOnTheSamePortFailsWithAClearError) {
  Loop loop;
  auto a = open_host(loop, "a");
  SwimHostOptions o;
  o.name = "b";
  o.bind = a->bound();
  auto b = SwimHost::open(loop, fast(), o);
  ASSERT_FALSE(b.is_ok());
  EXPECT_NE(b.message().find("Address already in use"), std::string::npos) << b.message();
  EXPECT_NE(b.message().find(to_string(a->bound())), std::string::npos) << b.message();
}

TEST(SwimHost, JunkDatagramsAreCountedAndTheClusterStillWorks) {
  Cluster c(2);
  ASSERT_TRUE(run_until(c.loop, [&] { return c.all_see(2); }));
  asio::ip::udp::socket junk(c.loop.io(), asio::ip::udp::v4());
  const auto to = to_udp(c.hosts[0]->bound());
  const uint64_t before = c.hosts[0]->net_stats().packets_received;
  std::vector<uint8_t> bytes(60000, 0xc1);  // 0xc1: never valid msgpack
  // In batches the kernel's receive buffer can hold, the loop running between them; every
  // message type (and some that are none), sizes up to 60,000 bytes.
  for (int batch = 0; batch < 20; ++batch) {
    for (int i = 0; i < 100; ++i) {
      const int k = batch * 100 + i;
      bytes[0] = static_cast<uint8_t>(k);
      const size_t size = k % 50 == 0 ? bytes.size() : 1 + static_cast<size_t>(k) * 29 % 1400;
      junk.send_to(asio::buffer(bytes.data(), size), to);
    }
    c.loop.io().run_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(run_until(c.loop, [&] {
    return c.hosts[0]->net_stats().packets_received >= before + 1000;
  })) << c.hosts[0]->net_stats().packets_received - before;
  uint64_t errors = 0;
  for (uint64_t e : c.hosts[0]->node().decode_errors())
    errors += e;
  EXPECT_GT(errors + c.hosts[0]->node().stats().ignored, 500u);
  // Still probing and acking each other afterwards.
  const uint64_t acks = c.hosts[0]->node().stats().probe_acks;
  EXPECT_TRUE(run_until(c.loop, [&] { return c.hosts[0]->node().stats().probe_acks > acks + 2; }));
  EXPECT_TRUE(c.all_see(2));
}

// Opens a TCP connection to `to` and writes `bytes` (possibly none), keeping it open.
std::shared_ptr<asio::ip::tcp::socket> connect_and_write(Loop& loop, const core::Address& to,
                                                         const std::vector<uint8_t>& bytes) {
  auto s = std::make_shared<asio::ip::tcp::socket>(loop.io());
  s->connect(to_tcp(to));
  if (!bytes.empty()) asio::write(*s, asio::buffer(bytes));
  return s;
}

TEST(SwimHost, MalformedAndOversizeStreamsAreClosedAndCounted) {
  NetLimits limits;
  limits.max_stream_bytes = 64 * 1024;
  Cluster c(1, limits);
  SwimHost& h = *c.hosts[0];
  auto garbage = connect_and_write(c.loop, h.bound(), std::vector<uint8_t>(16, 0xc1));
  // A push-pull header claiming a huge user state: it can only be framed past the limit.
  std::vector<uint8_t> huge(200 * 1024, 0);
  huge[0] = 6;  // push-pull
  auto oversize = connect_and_write(c.loop, h.bound(), huge);
  EXPECT_TRUE(run_until(
      c.loop,
      [&] { return h.net_stats().streams_malformed + h.net_stats().streams_oversize >= 2; }))
      << "malformed " << h.net_stats().streams_malformed << " oversize "
      << h.net_stats().streams_oversize;
}

TEST(SwimHost, SilentConnectionsTimeOutAndExtraOnesAreRefused) {
  NetLimits limits;
  limits.max_streams = 4;
  limits.stream_timeout = Duration::millis(300);
  Cluster c(1, limits);
  SwimHost& h = *c.hosts[0];
  std::vector<std::shared_ptr<asio::ip::tcp::socket>> silent;
  for (int i = 0; i < 10; ++i)
    silent.push_back(connect_and_write(c.loop, h.bound(), {}));
  EXPECT_TRUE(run_until(
      c.loop,
      [&] { return h.net_stats().streams_refused >= 6 && h.net_stats().streams_timed_out >= 4; }))
      << "refused " << h.net_stats().streams_refused << " timed out "
      << h.net_stats().streams_timed_out;
  // Room again once they timed out: a real node can still join.
  auto b = open_host(c.loop, "b");
  const core::Address seed = h.bound();
  b->join(std::span<const core::Address>(&seed, 1));
  EXPECT_TRUE(run_until(c.loop, [&] { return h.node().count(SwimState::kAlive) == 2; }));
}

TEST(Endpoint, ParsesAndRejectsAddressesWithSpecificErrors) {
  auto v4 = parse_address("10.1.2.3:7000", 7946);
  ASSERT_TRUE(v4.is_ok());
  EXPECT_EQ(to_string(*v4), "10.1.2.3:7000");
  auto dflt = parse_address("10.1.2.3", 7946);
  ASSERT_TRUE(dflt.is_ok());
  EXPECT_EQ(dflt->port, 7946);
  auto v6 = parse_address("[::1]:7001", 7946);
  ASSERT_TRUE(v6.is_ok());
  EXPECT_EQ(to_string(*v6), "[::1]:7001");
  EXPECT_NE(parse_address("::1:7000", 1).message().find("brackets"), std::string::npos);
  EXPECT_NE(parse_address("10.0.0.1:99999", 1).message().find("0..65535"), std::string::npos);
  EXPECT_NE(parse_address("[::1:7000", 1).message().find("closing"), std::string::npos);
  EXPECT_NE(parse_address("example.com:1", 1).message().find("not an IP"), std::string::npos);
  EXPECT_NE(parse_address("", 1).message().find("empty"), std::string::npos);
}

TEST(Endpoint, ResolvesLiteralsAndLocalhostAndNamesTheUnresolvable) {
  auto lit = resolve("127.0.0.1:5", 1);
  ASSERT_TRUE(lit.is_ok());
  EXPECT_EQ(lit->size(), 1u);
  auto local = resolve("localhost:5", 1);
  ASSERT_TRUE(local.is_ok()) << local.message();
  EXPECT_EQ(local->front().port, 5);
  auto bad = resolve("no-such-host.invalid:5", 1);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("no-such-host.invalid"), std::string::npos);
}

}  // namespace
}  // namespace rumor::net
