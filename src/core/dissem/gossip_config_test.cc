#include "core/dissem/gossip_config.h"

#include <gtest/gtest.h>

#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace rumor::core {
namespace {

// The error message of a config changed by `edit`, or "ok" when it validates.
std::string error_of(const std::function<void(GossipConfig&)>& edit) {
  GossipConfig c;
  edit(c);
  const Status s = c.validate();
  return s.message();
}

TEST(GossipConfig, DefaultsValidate) {
  const GossipConfig c;
  const Status s = c.validate();
  EXPECT_TRUE(s.is_ok()) << s.message();
}

TEST(GossipConfig, FanoutOutOfRangeNamesTheFieldAndItsRange) {
  EXPECT_EQ(error_of([](GossipConfig& c) { c.fanout = 0; }), "fanout: must be in 1..64, got 0");
  EXPECT_EQ(error_of([](GossipConfig& c) { c.fanout = 65; }), "fanout: must be in 1..64, got 65");
}

TEST(GossipConfig, IntervalOutOfRangeNamesTheFieldAndItsRange) {
  EXPECT_EQ(error_of([](GossipConfig& c) { c.interval = Duration::zero(); }),
            "interval: must be in 1ms..1h, got 0ns");
  EXPECT_EQ(
      error_of([](GossipConfig& c) { c.interval = Duration::millis(1) - Duration::nanos(1); }),
      "interval: must be in 1ms..1h, got 999999ns");
  EXPECT_EQ(error_of([](GossipConfig& c) { c.interval = Duration::seconds(3601); }),
            "interval: must be in 1ms..1h, got 3601000000000ns");
  EXPECT_EQ(error_of([](GossipConfig& c) { c.interval = Duration::seconds(-1); }),
            "interval: must be in 1ms..1h, got -1000000000ns");
}

TEST(GossipConfig, JitterOutOfRangeNamesTheFieldAndItsRange) {
  EXPECT_EQ(error_of([](GossipConfig& c) { c.jitter = 0.6; }),
            "jitter: must be in 0..0.5, got 0.600000");
  EXPECT_EQ(error_of([](GossipConfig& c) { c.jitter = -0.1; }),
            "jitter: must be in 0..0.5, got -0.100000");
}

TEST(GossipConfig, NotANumberOrInfiniteJitterIsRefused) {
  // NaN compares false with everything, so a range check written as "reject if below or above"
  // would let it through.
  for (double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()}) {
    const std::string message = error_of([bad](GossipConfig& c) { c.jitter = bad; });
    EXPECT_EQ(message.rfind("jitter: must be in 0..0.5, got ", 0), 0u) << message;
  }
}

TEST(GossipConfig, IntegerFieldsOutOfRangeNameTheFieldAndItsRange) {
  struct Case {
    std::function<void(GossipConfig&)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](GossipConfig& c) { c.max_message_bytes = 63; },
       "max_message_bytes: must be in 64..67108864, got 63"},
      {[](GossipConfig& c) { c.max_message_bytes = (64u << 20) + 1; },
       "max_message_bytes: must be in 64..67108864, got 67108865"},
      {[](GossipConfig& c) { c.max_entries = 0; }, "max_entries: must be in 1..2147483648, got 0"},
      {[](GossipConfig& c) { c.max_entries = (1u << 31) + 1; },
       "max_entries: must be in 1..2147483648, got 2147483649"},
      {[](GossipConfig& c) { c.rumor_k = 0; }, "rumor_k: must be in 1..64, got 0"},
      {[](GossipConfig& c) { c.rumor_k = 65; }, "rumor_k: must be in 1..64, got 65"},
      {[](GossipConfig& c) { c.max_hot_rumors = 0; },
       "max_hot_rumors: must be in 1..1000000, got 0"},
      {[](GossipConfig& c) { c.max_hot_rumors = 1'000'001; },
       "max_hot_rumors: must be in 1..1000000, got 1000001"},
      {[](GossipConfig& c) { c.antientropy_every = 1'000'001; },
       "antientropy_every: must be in 0..1000000, got 1000001"},
      {[](GossipConfig& c) { c.antientropy_every = std::numeric_limits<uint32_t>::max(); },
       "antientropy_every: must be in 0..1000000, got 4294967295"},
  };
  for (const Case& c : cases)
    EXPECT_EQ(error_of(c.edit), c.message);
}

TEST(GossipConfig, EveryBoundOfEveryRangeIsAccepted) {
  const std::vector<std::function<void(GossipConfig&)>> edges = {
      [](GossipConfig& c) { c.fanout = 1; },
      [](GossipConfig& c) { c.fanout = 64; },
      [](GossipConfig& c) { c.interval = Duration::millis(1); },
      [](GossipConfig& c) { c.interval = Duration::seconds(3600); },
      [](GossipConfig& c) { c.jitter = 0.0; },
      [](GossipConfig& c) { c.jitter = 0.5; },
      [](GossipConfig& c) { c.max_message_bytes = 64; },
      [](GossipConfig& c) { c.max_message_bytes = 64u << 20; },
      [](GossipConfig& c) { c.max_entries = 1; },
      [](GossipConfig& c) { c.max_entries = 1u << 31; },
      [](GossipConfig& c) { c.rumor_k = 1; },
      [](GossipConfig& c) { c.rumor_k = 64; },
      [](GossipConfig& c) { c.max_hot_rumors = 1; },
      [](GossipConfig& c) { c.max_hot_rumors = 1'000'000; },
      [](GossipConfig& c) { c.antientropy_every = 0; },
      [](GossipConfig& c) { c.antientropy_every = 1'000'000; },
  };
  for (size_t i = 0; i < edges.size(); ++i)
    EXPECT_EQ(error_of(edges[i]), "ok") << "edge " << i;
}

TEST(GossipConfig, NamesTheFirstBadFieldWhenSeveralAreBad) {
  EXPECT_EQ(error_of([](GossipConfig& c) {
              c.rumor_k = 0;
              c.fanout = 0;
            }),
            "fanout: must be in 1..64, got 0");
}

// ---- names ----

TEST(GossipMode, NamesParseBackToTheSameMode) {
  const GossipMode all[] = {GossipMode::kPush, GossipMode::kPull, GossipMode::kPushPull,
                            GossipMode::kRumor, GossipMode::kDirectMail};
  std::set<std::string_view> names;
  for (GossipMode m : all) {
    names.insert(gossip_mode_name(m));
    EXPECT_EQ(parse_gossip_mode(gossip_mode_name(m)), m) << gossip_mode_name(m);
  }
  EXPECT_EQ(names.size(), std::size(all));
  EXPECT_EQ(parse_gossip_mode("push-pull"), GossipMode::kPushPull);
  EXPECT_EQ(parse_gossip_mode("direct-mail"), GossipMode::kDirectMail);
}

TEST(GossipMode, UnknownNamesParseToNothing) {
  for (std::string_view bad : {"", "Push", "pushpull", "push_pull", "push ", "unknown", "mail"})
    EXPECT_EQ(parse_gossip_mode(bad), std::nullopt) << "'" << bad << "'";
}

TEST(Reconcile, NamesParseBackToTheSameStyle) {
  for (Reconcile r : {Reconcile::kDigest, Reconcile::kFullState})
    EXPECT_EQ(parse_reconcile(reconcile_name(r)), r) << reconcile_name(r);
  EXPECT_EQ(reconcile_name(Reconcile::kDigest), "digest");
  EXPECT_EQ(reconcile_name(Reconcile::kFullState), "full");
}

TEST(Reconcile, UnknownNamesParseToNothing) {
  for (std::string_view bad : {"", "Digest", "full-state", "fullstate", "digests"})
    EXPECT_EQ(parse_reconcile(bad), std::nullopt) << "'" << bad << "'";
}

}  // namespace
}  // namespace rumor::core
