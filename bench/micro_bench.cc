// Micro-benchmarks of the gossip core's hot paths (Google Benchmark).
//
// What each one measures is written beside it; bench/README.md lists them and how to run the
// full mode. Under ctest this binary runs in a tiny mode (--benchmark_min_time=0.01) only so it
// cannot rot: figures we quote come from full-mode runs on a quiet machine, never from ctest.
//
// Everything here drives the same engine code the simulator and the agent run; nothing is a
// model of it. Inputs are built from fixed seeds, so every run measures the same work.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/prng.h"
#include "base/time.h"
#include "core/antientropy/entry.h"
#include "core/antientropy/store.h"
#include "core/dissem/gossip_config.h"
#include "core/dissem/gossiper.h"
#include "core/membership/swim_node.h"
#include "core/outbox.h"
#include "core/peer_sampler.h"
#include "core/wire/gossip_codec.h"
#include "core/wire/gossip_message.h"
#include "sim/gossip_world.h"
#include "sim/sim_config.h"

#ifndef RUMOR_BUILD_TYPE
#define RUMOR_BUILD_TYPE "unknown"
#endif

namespace rumor {
namespace {

using core::ApplyResult;
using core::Digest;
using core::Entry;
using core::ItemRef;
using core::NodeId;

constexpr size_t kNoLimit = static_cast<size_t>(-1);

Entry make_entry(NodeId origin, uint64_t counter, ItemRef item) {
  Entry e;
  e.origin = origin;
  e.generation = 1;
  e.counter = counter;
  e.item = std::move(item);
  return e;
}

// ---------------------------------------------------------------------------------------------
// merge() of two copies of one (origin, key). Arg 0: the versions differ (the common case, a
// comparison of generation then counter); arg 1: equal versions with different values, the
// misbehaving-origin tie broken by comparing the value bytes.
void BM_Merge(benchmark::State& state) {
  const bool tie = state.range(0) == 1;
  const Entry local = make_entry(7, 41, core::make_item("service/web", "10.0.0.1:8080"));
  const Entry incoming =
      make_entry(7, tie ? 41 : 42, core::make_item("service/web", "10.0.0.2:8080"));
  for (auto _ : state) {
    benchmark::DoNotOptimize(core::merge(local, incoming));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Merge)->ArgName("equal_versions")->Arg(0)->Arg(1);

// ---------------------------------------------------------------------------------------------
// Store::apply of an entry of a new origin into a store of N entries (one key per origin). The
// store is a sorted vector, so this is a binary search plus the shift of the entries after the
// insertion point; new origins fall at random places, half the store moves on average.
//
// Every timed iteration is exactly one apply that inserts. To keep each store at N entries
// within ~3%, a store takes at most max(1, N/32) new entries and is then reset (untimed) to its
// N; small stores are kept in a row of several so a reset, and its pause of the timer, comes at
// most once every ~256 applies. A reset keeps the vector's capacity, so this measures the
// steady state (no reallocation), not a store's first growth.
void BM_StoreApplyNewEntry(benchmark::State& state) {
  const auto n = static_cast<uint32_t>(state.range(0));
  const uint32_t per_store = std::max<uint32_t>(1, n / 32);
  const uint32_t store_count = std::max<uint32_t>(1, 256 / per_store);
  const ItemRef item = core::make_item("k", "v");
  core::Store base;
  for (uint32_t i = 0; i < n; ++i) {
    (void)base.apply(make_entry(2 * i, 1, item), kNoLimit);  // even origins, in order
  }
  // New entries: distinct odd origins between the held ones, in random order.
  std::vector<NodeId> odd(n);
  for (uint32_t i = 0; i < n; ++i)
    odd[i] = 2 * i + 1;
  Prng prng(42);
  std::vector<NodeId> picked;
  core::sample_distinct(odd, prng, per_store, picked);
  std::vector<Entry> fresh;
  for (NodeId o : picked)
    fresh.push_back(make_entry(o, 1, item));

  core::Store probe = base;
  for (const Entry& e : fresh) {
    if (probe.apply(e, kNoLimit) != ApplyResult::kChanged) {
      state.SkipWithError("a fresh entry did not insert");
      return;
    }
  }
  std::vector<core::Store> stores(store_count, base);
  size_t s = 0, j = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(stores[s].apply(fresh[j], kNoLimit));
    if (++s < store_count) continue;
    s = 0;
    if (++j < per_store) continue;
    j = 0;
    state.PauseTiming();
    for (core::Store& st : stores)
      st = base;
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_StoreApplyNewEntry)->ArgName("entries")->Arg(1)->Arg(1000)->Arg(100000);

// ---------------------------------------------------------------------------------------------
// Store::digests over 10,000 origins: one linear scan producing one digest per origin, into a
// reused vector (what every digest SYN and every answer to one starts with). Second arg: keys
// per origin (1, or 4 to show the cost of scanning entries rather than origins).
void BM_StoreDigests(benchmark::State& state) {
  const auto origins = static_cast<uint32_t>(state.range(0));
  const auto keys = static_cast<uint32_t>(state.range(1));
  std::vector<ItemRef> items;
  for (uint32_t k = 0; k < keys; ++k)
    items.push_back(core::make_item("k" + std::to_string(k), "v"));
  core::Store store;
  for (uint32_t o = 0; o < origins; ++o) {
    for (uint32_t k = 0; k < keys; ++k)
      (void)store.apply(make_entry(o, k + 1, items[k]), kNoLimit);
  }
  std::vector<Digest> out;
  out.reserve(origins);
  for (auto _ : state) {
    out.clear();
    store.digests(out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (out.size() != origins) state.SkipWithError("wrong digest count");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * origins);
}
BENCHMARK(BM_StoreDigests)->ArgNames({"origins", "keys"})->Args({10000, 1})->Args({10000, 4});

// ---------------------------------------------------------------------------------------------
// The wire codec on two typical messages:
//   SYN with 1,000 digests: origins spread over a million-node id space (3-byte varints),
//     generation 1, counters 1..1000 (about 7 bytes a digest);
//   ACK with 100 entries: 10-byte keys and 32-byte values (about 50 bytes an entry).
// Encode appends to a reused buffer; decode fills a reused Message (so it allocates only the
// entries' items). Throughput in encoded bytes per second.
core::Message make_syn(size_t digests) {
  core::Message m;
  m.type = core::MessageType::kSyn;
  m.flags = core::flags::kPush | core::flags::kPull;
  Prng prng(7);
  for (size_t i = 0; i < digests; ++i) {
    m.digests.push_back(Digest{static_cast<NodeId>(i * 997 + 3), 1, 1 + prng.uniform(1000)});
  }
  return m;
}

core::Message make_ack(size_t entries) {
  core::Message m;
  m.type = core::MessageType::kAck;
  Prng prng(9);
  for (size_t i = 0; i < entries; ++i) {
    std::string key = "key-" + std::to_string(100000 + i);  // 10 bytes
    std::string value(32, static_cast<char>('a' + i % 26));
    m.entries.push_back(make_entry(static_cast<NodeId>(i * 9973 + 5), 1 + prng.uniform(1000),
                                   core::make_item(std::move(key), std::move(value))));
  }
  return m;
}

core::Message make_message(int64_t which) {
  return which == 0 ? make_syn(1000) : make_ack(100);
}

void BM_Encode(benchmark::State& state) {
  const core::Message m = make_message(state.range(0));
  std::vector<uint8_t> out;
  out.reserve(core::wire::encoded_size(m.view()));
  for (auto _ : state) {
    out.clear();
    core::wire::encode(m.view(), out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(state.range(0) == 0 ? "SYN, 1000 digests" : "ACK, 100 entries");
  state.counters["msg_bytes"] = static_cast<double>(out.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_Encode)->ArgName("ack")->Arg(0)->Arg(1);

void BM_Decode(benchmark::State& state) {
  const core::Message m = make_message(state.range(0));
  std::vector<uint8_t> bytes;
  core::wire::encode(m.view(), bytes);
  core::Message decoded;
  for (auto _ : state) {
    const auto err = core::wire::decode(bytes, bytes.size(), decoded);
    benchmark::DoNotOptimize(err);
    benchmark::DoNotOptimize(decoded.entries.data());
  }
  if (core::wire::decode(bytes, bytes.size(), decoded) != core::wire::DecodeError::kNone ||
      decoded.digests.size() != m.digests.size() || decoded.entries.size() != m.entries.size()) {
    state.SkipWithError("our own encoding did not decode back");
  }
  state.SetLabel(state.range(0) == 0 ? "SYN, 1000 digests" : "ACK, 100 entries");
  state.counters["msg_bytes"] = static_cast<double>(bytes.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_Decode)->ArgName("ack")->Arg(0)->Arg(1);

// ---------------------------------------------------------------------------------------------
// One full digest push-pull exchange between two engines, end to end: A (node 0) and B (node 1)
// hold the same 1,000 origins; A is newer on 10 of them and B on 10 others. A's SYN carries
// 1,000 digests, B's ACK the 10 entries A lacks and 10 requests, A's ACK2 the 10 entries B
// lacks: three messages, after which both stores are equal. Each iteration restores both
// engines (untimed) and runs the exchange to quiet. Arg wire=1 also encodes and decodes every
// message, as `rumor sim --wire` does. Items/s are messages handled per second.
class ExchangeDriver {
 public:
  explicit ExchangeDriver(bool wire) : sampler_(2), wire_(wire) {
    config_.mode = core::GossipMode::kPushPull;
    config_.reconcile = core::Reconcile::kDigest;
  }
  const core::GossipConfig& config() const { return config_; }
  core::GossipContext ctx() { return core::GossipContext{Time::zero(), config_, sampler_, ws_}; }

  // Delivers what the engines send until nothing is left; returns the messages handled.
  size_t drain(core::Gossiper* nodes[2]) {
    size_t handled = 0;
    while (!ws_.out.empty()) {
      std::swap(ws_.out, inflight_);
      ws_.out.clear();
      for (size_t i = 0; i < inflight_.size(); ++i) {
        core::MessageView v = inflight_.view(i);
        if (wire_) {
          bytes_.clear();
          core::wire::encode(v, bytes_);
          if (core::wire::decode(bytes_, config_.max_message_bytes + 64u, decoded_) !=
              core::wire::DecodeError::kNone) {
            return 0;
          }
          v = decoded_.view();
        }
        auto c = ctx();
        nodes[inflight_.to(i)]->handle_message(c, inflight_.from(i), v);
        ++handled;
      }
      inflight_.clear();
    }
    return handled;
  }

 private:
  core::GossipConfig config_;
  core::UniformSampler sampler_;
  core::Workspace ws_;
  core::Outbox inflight_;
  bool wire_;
  std::vector<uint8_t> bytes_;
  core::Message decoded_;
};

bool same_state(const core::Store& a, const core::Store& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const Entry &x = a.entries()[i], &y = b.entries()[i];
    if (x.origin != y.origin || x.version() != y.version() || x.key() != y.key()) return false;
  }
  return true;
}

void BM_DigestExchange(benchmark::State& state) {
  constexpr uint32_t kOrigins = 1000;
  ExchangeDriver driver(state.range(0) == 1);
  // Origins 2..1001 (0 and 1 are the engines themselves), one key each at counter 5; where a
  // side is newer it holds counter 6 with another value.
  std::vector<Entry> a_entries, b_entries;
  for (uint32_t i = 0; i < kOrigins; ++i) {
    const NodeId origin = 2 + i;
    const Entry old_entry = make_entry(origin, 5, core::make_item("k", "old"));
    const Entry new_entry = make_entry(origin, 6, core::make_item("k", "new"));
    a_entries.push_back(i % 100 == 0 ? new_entry : old_entry);
    b_entries.push_back(i % 100 == 50 ? new_entry : old_entry);
  }
  core::Gossiper a0(0, 1, 100, Time::zero()), b0(1, 1, 101, Time::zero());
  {
    // Load the states through the engines' own MAIL path (Store::apply).
    core::Outbox box;
    box.begin(kOrigins + 2, core::MessageType::kMail, 0);
    for (const Entry& e : a_entries)
      box.add_entry(e);
    box.send(0);
    box.finish();
    box.begin(kOrigins + 2, core::MessageType::kMail, 0);
    for (const Entry& e : b_entries)
      box.add_entry(e);
    box.send(1);
    box.finish();
    auto c = driver.ctx();
    a0.handle_message(c, box.from(0), box.view(0));
    b0.handle_message(c, box.from(1), box.view(1));
  }
  core::Gossiper a = a0, b = b0;
  core::Gossiper* nodes[2] = {&a, &b};
  size_t handled = 0;
  for (auto _ : state) {
    state.PauseTiming();
    a = a0;
    b = b0;
    state.ResumeTiming();
    auto c = driver.ctx();
    a.exchange_with(c, 1);
    handled = driver.drain(nodes);
  }
  if (handled != 3 || !same_state(a.store(), b.store()) || same_state(a0.store(), b0.store())) {
    state.SkipWithError("the exchange did not converge the two stores in three messages");
  }
  state.counters["msgs"] = static_cast<double>(handled);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * handled));
}
BENCHMARK(BM_DigestExchange)->ArgName("wire")->Arg(0)->Arg(1);

// ---------------------------------------------------------------------------------------------
// run_gossip: one whole simulated run of push-pull in rounds mode, fanout 1, n nodes, seed 1,
// to full convergence (the engines' construction included). Items/s are messages per second.
void BM_RunGossipPushPull(benchmark::State& state) {
  sim::SimConfig config;
  config.nodes = static_cast<uint32_t>(state.range(0));
  config.modes = {core::GossipMode::kPushPull};
  config.timing = sim::Timing::kRounds;
  config.gossip.fanout = 1;
  config.seed = 1;
  if (!config.validate().is_ok()) {
    state.SkipWithError("invalid SimConfig");
    return;
  }
  sim::RunResult r;
  for (auto _ : state) {
    r = sim::run_gossip(config, core::GossipMode::kPushPull, sim::RunOptions{});
    benchmark::DoNotOptimize(r.messages_total);
  }
  if (!r.rounds_to_full) {
    state.SkipWithError("the run did not converge");
    return;
  }
  state.counters["rounds_to_full"] = *r.rounds_to_full;
  state.counters["msgs_per_run"] = static_cast<double>(r.messages_total);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * r.messages_total));
}
BENCHMARK(BM_RunGossipPushPull)->ArgName("nodes")->Arg(10000)->Unit(benchmark::kMillisecond);

// One SWIM push-pull between two formed n-member nodes, through their sans-IO surface: A
// encodes its list, B decodes and merges it and answers with its own, A decodes and merges that.
// Items/s are member states handled per side (n per message, two messages).
void BM_SwimPushPullExchange(benchmark::State& state) {
  const auto n = static_cast<uint32_t>(state.range(0));
  core::Directory dir;
  std::vector<core::IdentityId> ids;
  std::vector<std::string> names;
  for (uint32_t i = 0; i < n; ++i) {
    names.push_back("node-" + std::to_string(i));
    const auto name = dir.intern_name(names.back());
    const auto addr =
        core::Address::v4(10, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8),
                          static_cast<uint8_t>(i), 7946);
    ids.push_back(*dir.intern_identity(*name, addr));
  }
  const core::SwimConfig config = core::SwimConfig::lan();
  auto make = [&](uint32_t self) {
    core::SwimIdentity id;
    id.name = names[self];
    id.addr = dir.identity_addr(ids[self]);
    auto node = std::make_unique<core::SwimNode>(config, dir, id, self, Time::zero());
    node->reserve_members(n);
    for (uint32_t j = 0; j < n; ++j) {
      if (j != self) node->restore_member(Time::zero(), ids[j], 1);
    }
    return node;
  };
  auto a = make(0);
  auto b = make(1);
  const core::Address b_addr = b->self_addr();
  core::SwimTransmit open;
  core::SwimTransmit reply;
  for (auto _ : state) {
    a->join(Time::zero(), {&b_addr, 1});
    while (a->poll_transmit(open) && open.channel != core::Channel::kStreamOpen) {
    }
    b->handle_stream(Time::zero(), a->self_addr(), 1, open.bytes);
    while (b->poll_transmit(reply) && reply.channel != core::Channel::kStreamReply) {
    }
    a->handle_stream_reply(Time::zero(), open.stream, reply.bytes);
  }
  if (a->joined_count() != static_cast<size_t>(state.iterations())) {
    state.SkipWithError("an exchange failed");
  }
  state.counters["bytes_per_message"] = static_cast<double>(open.bytes.size());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 2 * n);
}
BENCHMARK(BM_SwimPushPullExchange)
    ->ArgName("members")
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond);

// One probe round between two formed nodes, through their sans-IO surface: A's probe timer
// fires and it pings B (its only peer), B decodes the ping and acks, A decodes the ack. This is
// the core's share of the steady state, where each node does one such round a second; the
// rest of an agent's CPU is the kernel and the event loop. Items/s are probe rounds.
void BM_SwimProbeRound(benchmark::State& state) {
  core::Directory dir;
  const core::SwimConfig config = core::SwimConfig::lan();
  auto make = [&](const char* name, uint8_t last) {
    core::SwimIdentity id;
    id.name = name;
    id.addr = core::Address::v4(10, 0, 0, last, 7946);
    return std::make_unique<core::SwimNode>(config, dir, id, last, Time::zero());
  };
  auto a = make("node-a", 1);
  auto b = make("node-b", 2);
  const auto b_identity = dir.intern_identity(*dir.intern_name("node-b"), b->self_addr());
  a->restore_member(Time::zero(), *b_identity, 1);
  a->stagger_timers(Time::zero());
  core::SwimTransmit t;
  core::SwimEvent e;
  uint64_t steps = 0;
  uint64_t acked = 0;
  for (auto _ : state) {
    // Timer steps until one ack is back (gossip ticks and the like come in between).
    for (const uint64_t before = acked; acked == before && steps < 100 * (before + 1); ++steps) {
      const Time now = a->poll_timeout();
      a->handle_timeout(now);
      while (a->poll_transmit(t)) {
        if (t.channel == core::Channel::kPacket) b->handle_packet(now, a->self_addr(), t.bytes);
      }
      while (b->poll_transmit(t)) {
        if (t.channel != core::Channel::kPacket) continue;
        a->handle_packet(now, b->self_addr(), t.bytes);
        ++acked;
      }
      while (a->poll_event(e) || b->poll_event(e)) {
      }
    }
  }
  if (acked < static_cast<uint64_t>(state.iterations())) state.SkipWithError("an ack was missing");
  state.counters["timer_steps_per_ack"] =
      static_cast<double>(steps) / static_cast<double>(std::max<uint64_t>(acked, 1));
  state.SetItemsProcessed(static_cast<int64_t>(acked));
}
BENCHMARK(BM_SwimProbeRound);

}  // namespace
}  // namespace rumor

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("rumor_build_type", RUMOR_BUILD_TYPE);
  benchmark::AddCustomContext("sizeof(core::Gossiper)",
                              std::to_string(sizeof(rumor::core::Gossiper)));
  benchmark::AddCustomContext("sizeof(core::Entry)", std::to_string(sizeof(rumor::core::Entry)));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
