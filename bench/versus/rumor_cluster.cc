// rumor_cluster: rumor's side of the rumor-versus-memberlist benchmark (bench/versus/run.py
// runs it beside memberlist_harness and prints both in one table).
//
// It opens N SwimHosts on 127.0.0.1 ports P..P+N-1 (UDP and TCP on the same port) with
// SwimConfig::lan() (memberlist's DefaultLANConfig), names "n0".."n{N-1}", spread round-robin
// over --threads loops (one Loop and thread each; default one per started 1,000 nodes, at most
// one per core, as memberlist's goroutines use every core), and measures, exactly as the Go
// harness measures memberlist:
//
//   1. converge_s: from the moment the nodes but n0 start joining n0 until every node sees all
//      N alive, counted from the nodes' events (kJoined adds a member to a node's view, kFailed
//      and kLeft take it away). At most --join-parallel joins (default 64, as the Go harness
//      runs memberlist's blocking Joins) are in flight at once; a join ends when its push-pull
//      reply merged or its stream failed. 0 issues all N-1 at once;
//   2. over --steady-s seconds right after that: cpu_pct (user+system CPU of this process over
//      wall time, in % of one core), bytes_per_node_s (SwimStats packet_bytes_sent +
//      stream_bytes_sent summed over all nodes, / N / window), and peak_rss_mib (VmHWM at the
//      end of the window; rss_end_mib is VmRSS then, the steady state without the join's peak);
//   3. detect_s: from close() of one node that is not the seed (no leave: a crash as the others
//      see it) until every survivor that had it alive has marked it failed (kFailed).
//
// It prints one JSON line and exits 0; only a harness error (a bind failure, a bad flag) exits
// non-zero with a one-line message. The phases are driven by a timer on a control loop on the
// main thread; a host's node, join and events are only ever touched on its own loop's thread
// (the control thread asks through post()), and what events count is in atomics.
#include <sys/resource.h>

#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/membership/swim_config.h"
#include "core/membership/swim_node.h"
#include "net/loop.h"
#include "net/swim_host.h"

namespace {

using rumor::Duration;
using rumor::Time;
using rumor::core::SwimEvent;
using rumor::core::SwimEventKind;
using rumor::net::Loop;
using rumor::net::SwimHost;

struct Args {
  int nodes = 100;
  int base_port = 20000;
  double steady_s = 30;
  double timeout_s = 120;
  int join_parallel = 64;  // joins in flight at once; 0: all
  int threads = 0;         // loop threads; 0: one per 1,000 nodes, at most one per core
  double batch_ms = -1;    // the loops' batch (net/loop.h); negative: LoopOptions' default
  double slack_ms = -1;    // the loops' timer slack (net/deadlines.h); negative: the default
  int eager_gossip = 1;    // SwimConfig::eager_gossip (1) or memberlist's gossip ticker (0)
};

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "rumor_cluster: %s\n", message.c_str());
  std::exit(1);
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) fail("flag " + std::string(flag) + " needs a value");
    const char* value = argv[++i];
    char* end = nullptr;
    const double v = std::strtod(value, &end);
    if (end == value || *end != '\0') fail("flag " + std::string(flag) + ": not a number");
    if (flag == "--nodes") {
      a.nodes = static_cast<int>(v);
    } else if (flag == "--base-port") {
      a.base_port = static_cast<int>(v);
    } else if (flag == "--steady-s") {
      a.steady_s = v;
    } else if (flag == "--timeout-s") {
      a.timeout_s = v;
    } else if (flag == "--join-parallel") {
      a.join_parallel = static_cast<int>(v);
    } else if (flag == "--threads") {
      a.threads = static_cast<int>(v);
    } else if (flag == "--batch-ms") {
      a.batch_ms = v;
    } else if (flag == "--slack-ms") {
      a.slack_ms = v;
    } else if (flag == "--eager-gossip") {
      a.eager_gossip = static_cast<int>(v);
    } else {
      fail("unknown flag " + std::string(flag) +
           " (allowed: --nodes N --base-port P --steady-s S --timeout-s T --join-parallel K"
           " --threads T --batch-ms B --slack-ms S --eager-gossip 0|1)");
    }
  }
  if (a.nodes < 3 || a.base_port < 1 || a.base_port + a.nodes - 1 > 65535 || a.steady_s <= 0 ||
      a.timeout_s <= 0 || a.join_parallel < 0 || a.threads < 0 || a.threads > 256 ||
      (a.eager_gossip != 0 && a.eager_gossip != 1)) {
    fail(
        "need --nodes >= 3, ports within 1..65535, --steady-s > 0, --timeout-s > 0 and "
        "--join-parallel >= 0, --threads in 0..256, --eager-gossip 0 or 1");
  }
  return a;
}

// This process's user + system CPU time so far, in seconds.
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// A field of /proc/self/status in MiB: VmHWM (the largest resident set so far) or VmRSS (now).
double status_mib(std::string_view field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0 && line.size() > field.size() && line[field.size()] == ':') {
      return std::strtod(line.c_str() + field.size() + 1, nullptr) / 1024;
    }
  }
  return 0;
}

// "n<i>". (Appending, not "n" + to_string(i): GCC 12 warns falsely on that at -O2.)
std::string node_name(int i) {
  std::string name = "n";
  name += std::to_string(i);
  return name;
}

asio::steady_timer::duration seconds(double s) {
  return std::chrono::duration_cast<asio::steady_timer::duration>(std::chrono::duration<double>(s));
}

// One loop thread and the hosts it drives. Everything about a host (its node, its join, its
// events) is touched only on its shard's thread; the control thread asks through post().
struct Shard {
  explicit Shard(const rumor::net::LoopOptions& options) : loop(options) {}
  Loop loop;
  rumor::core::Directory directory;  // one name table per thread: a Directory is not shared
  std::vector<int> members;          // the hosts on this shard, in join order
  size_t next_join = 0;              // members[next_join] is the next to join
  std::unique_ptr<asio::steady_timer> sweep;
  std::thread thread;
};

// What a host's joins and the window count; summed over hosts on their own threads.
struct Totals {
  uint64_t packets = 0, packet_bytes = 0, streams = 0, stream_bytes = 0;
  uint64_t refused = 0, failed = 0, timed_out = 0, send_failed = 0;
  int not_joined = 0;               // hosts but n0 whose join got no push-pull reply
  rumor::core::MessageCounts sent;  // by memberlist message type
};

// The whole run: the nodes, what their events say, and the phases, each started by the last.
// The phases run on the control loop (the main thread); the hosts on the shards' loops.
class Cluster {
 public:
  Cluster(const Args& args)
      : args_(args),
        n_(args.nodes),
        victim_(args.nodes - 1),
        victim_name_(node_name(args.nodes - 1)),
        timer_(control_.io()),
        views_(new std::atomic<int>[args.nodes]),
        joins_(args.nodes),
        victim_alive_(new std::atomic<bool>[args.nodes]),
        marked_(new std::atomic<bool>[args.nodes]) {
    for (int i = 0; i < n_; ++i) {
      views_[i] = 1;  // a node sees itself; it gets no event about itself
      victim_alive_[i] = false;
      marked_[i] = false;
    }
    // Default: a loop thread per started 1,000 nodes, at most one per core. Below that one
    // loop is cheaper: packets between hosts on one loop are handled in the same wake-up,
    // while a packet to another thread wakes it.
    const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    const int threads = args.threads > 0 ? args.threads : std::min(cores, (n_ + 999) / 1000);
    for (int k = 0; k < threads; ++k)
      shards_.push_back(std::make_unique<Shard>(loop_options()));
  }

  void open() {
    auto config = rumor::core::SwimConfig::lan();
    config.eager_gossip = args_.eager_gossip == 1;
    hosts_.resize(n_);
    shard_of_.resize(n_);
    for (int i = 0; i < n_; ++i) {
      Shard& shard = *shards_[i % shards_.size()];
      rumor::net::SwimHostOptions options;
      options.name = node_name(i);
      options.bind = rumor::core::Address::v4(127, 0, 0, 1, static_cast<uint16_t>(port(i)));
      // One name table per shard, as the simulator's world shares one: every node would
      // otherwise intern all N names and addresses again.
      options.shared_directory = &shard.directory;
      auto host = SwimHost::open(shard.loop, config, options);
      if (!host) fail("node " + options.name + ": " + host.message());
      hosts_[i] = std::move(*host);
      hosts_[i]->set_event_handler([this, i](const SwimEvent& e) { on_event(i, e); });
      shard_of_[i] = &shard;
      if (i != 0) shard.members.push_back(i);
    }
  }

  // Phase 1: everyone but n0 joins n0, each shard starting its own hosts' joins.
  void run() {
    t0_ns_ = Loop::now().ns();
    for (auto& shard : shards_) {
      Shard* sh = shard.get();
      sh->sweep = std::make_unique<asio::steady_timer>(sh->loop.io());
      sh->thread = std::thread([sh] { sh->loop.run(); });
      sh->loop.post([this, sh] { sweep(*sh); });
    }
    wait(args_.timeout_s, [this] { steady(); });
    control_.run();
    for (auto& shard : shards_) {
      shard->loop.stop();
      shard->thread.join();
    }
  }

 private:
  int port(int i) const { return args_.base_port + i; }
  rumor::net::LoopOptions loop_options() const {
    rumor::net::LoopOptions o;
    if (args_.batch_ms >= 0) o.batch = Duration::nanos(static_cast<int64_t>(args_.batch_ms * 1e6));
    if (args_.slack_ms > 0) {
      o.timer_slack = Duration::nanos(static_cast<int64_t>(args_.slack_ms * 1e6));
    }
    return o;
  }

  // A join in flight (shard thread only), and what its host's stream errors stood at then.
  struct Join {
    bool in_flight = false;
    uint64_t errors = 0;
    Time started;
  };
  uint64_t stream_errors(int i) const {
    const auto& ns = hosts_[i]->net_stats();
    return ns.streams_refused + ns.streams_failed + ns.streams_timed_out;
  }

  // Starts this shard's next joins while fewer than join_parallel are in flight in all.
  void join_more(Shard& shard) {
    const auto seed = rumor::core::Address::v4(127, 0, 0, 1, static_cast<uint16_t>(port(0)));
    while (shard.next_join < shard.members.size()) {
      if (args_.join_parallel > 0 && in_flight_.fetch_add(1) >= args_.join_parallel) {
        in_flight_.fetch_sub(1);
        return;
      }
      if (args_.join_parallel == 0) in_flight_.fetch_add(1);
      const int i = shard.members[shard.next_join++];
      joins_[i] = Join{true, stream_errors(i), Loop::now()};
      hosts_[i]->join(std::span(&seed, 1));
    }
  }

  // Ends node i's join if its reply merged, its stream failed, or the stream timeout passed
  // (then it failed too: joins are not retried, by either harness).
  void check_join(int i, Time now) {
    Join& j = joins_[i];
    if (!j.in_flight) return;
    const bool done = hosts_[i]->node().joined_count() > 0 || stream_errors(i) != j.errors ||
                      now - j.started > Duration::seconds(11);
    if (!done) return;
    j.in_flight = false;
    in_flight_.fetch_sub(1);
  }

  // Every 10 ms while the shard has joins to start or in flight: catches joins that failed (a
  // success is seen at once, by its events) and starts more.
  void sweep(Shard& shard) {
    const Time now = Loop::now();
    bool pending = shard.next_join < shard.members.size();
    for (size_t k = 0; k < shard.next_join; ++k) {
      check_join(shard.members[k], now);
      pending = pending || joins_[shard.members[k]].in_flight;
    }
    join_more(shard);
    if (!pending) return;
    shard.sweep->expires_after(std::chrono::milliseconds(10));
    shard.sweep->async_wait([this, &shard](const asio::error_code& ec) {
      if (!ec) sweep(shard);
    });
  }

  // On host i's shard thread.
  void on_event(int i, const SwimEvent& e) {
    const bool is_victim = hosts_[i]->directory().name(e.member) == victim_name_;
    switch (e.kind) {
      case SwimEventKind::kJoined:
        if (joins_[i].in_flight) {
          check_join(i, Loop::now());
          // Not join_more() here: this runs inside host i's flush; the next joins start from
          // the loop, at once.
          if (!joins_[i].in_flight) {
            Shard* sh = shard_of_[i];
            sh->loop.post([this, sh] { join_more(*sh); });
          }
        }
        if (is_victim) victim_alive_[i] = true;
        if (views_[i].fetch_add(1) + 1 == n_ && full_views_.fetch_add(1) + 1 == n_ &&
            joining_.exchange(false)) {
          converge_ns_ = Loop::now().ns() - t0_ns_;
          converged_ = true;
          control_.post([this] { timer_.cancel(); });  // the waiting phase's next step, now
        }
        break;
      case SwimEventKind::kFailed:
      case SwimEventKind::kLeft:
        if (views_[i].fetch_sub(1) == n_) full_views_.fetch_sub(1);
        if (is_victim && i != victim_) {
          victim_alive_[i] = false;
          if (killed_ && !marked_[i].exchange(true) &&
              detected_count_.fetch_add(1) + 1 == expected_ && !detected_.exchange(true)) {
            detect_ns_ = Loop::now().ns() - kill_at_ns_;
            control_.post([this] { timer_.cancel(); });
          }
        }
        break;
      default:
        break;
    }
  }

  // Runs `next` after `s` seconds, or as soon as timer_.cancel() is called.
  template <typename Fn>
  void wait(double s, Fn next) {
    timer_.expires_after(seconds(s));
    timer_.async_wait([next](const asio::error_code&) { next(); });
  }

  // Counters summed over all nodes, each shard summing its own hosts on its own thread.
  Totals totals() {
    std::vector<std::future<Totals>> parts;
    for (auto& shard : shards_) {
      auto done = std::make_shared<std::promise<Totals>>();
      parts.push_back(done->get_future());
      Shard* sh = shard.get();
      sh->loop.post([this, sh, done] {
        Totals t;
        for (int i : sh->members)
          add(t, i);
        if (sh == shards_[0].get()) add(t, 0);
        done->set_value(t);
      });
    }
    Totals sum;
    for (auto& f : parts) {
      const Totals t = f.get();
      sum.packets += t.packets;
      sum.packet_bytes += t.packet_bytes;
      sum.streams += t.streams;
      sum.stream_bytes += t.stream_bytes;
      sum.refused += t.refused;
      sum.failed += t.failed;
      sum.timed_out += t.timed_out;
      sum.send_failed += t.send_failed;
      sum.not_joined += t.not_joined;
      for (size_t k = 0; k < rumor::core::MessageCounts::kTypes; ++k) {
        sum.sent.messages[k] += t.sent.messages[k];
        sum.sent.bytes[k] += t.sent.bytes[k];
      }
    }
    return sum;
  }
  void add(Totals& t, int i) const {
    const auto& s = hosts_[i]->node().stats();
    const auto& ns = hosts_[i]->net_stats();
    t.packets += s.packets_sent;
    t.packet_bytes += s.packet_bytes_sent;
    t.streams += s.streams_opened;
    t.stream_bytes += s.stream_bytes_sent;
    t.refused += ns.streams_refused;
    t.failed += ns.streams_failed;
    t.timed_out += ns.streams_timed_out;
    t.send_failed += ns.packets_send_failed;
    if (i != 0 && hosts_[i]->node().joined_count() == 0) ++t.not_joined;
    for (size_t k = 0; k < rumor::core::MessageCounts::kTypes; ++k) {
      t.sent.messages[k] += s.sent.messages[k];
      t.sent.bytes[k] += s.sent.bytes[k];
    }
  }

  // At the give-up: which node lacks which member, and how (stderr), so a run that did not
  // converge says why. Each shard looks at its own hosts on its own thread.
  void report_missing() {
    for (auto& shard : shards_) {
      Shard* sh = shard.get();
      auto done = std::make_shared<std::promise<void>>();
      auto fut = done->get_future();
      sh->loop.post([this, sh, done] {
        for (int i = 0; i < n_; ++i) {
          if (shard_of_[i] != sh || views_[i] == n_) continue;
          const auto& node = hosts_[i]->node();
          for (int j = 0; j < n_; ++j) {
            const auto id = sh->directory.find_name(node_name(j));
            const auto* m = id ? node.find(*id) : nullptr;
            if (m != nullptr && (m->state == rumor::core::SwimState::kAlive ||
                                 m->state == rumor::core::SwimState::kSuspect)) {
              continue;
            }
            std::fprintf(stderr, "rumor_cluster: %s lacks %s (%s)\n", node_name(i).c_str(),
                         node_name(j).c_str(),
                         m == nullptr
                             ? "never heard of"
                             : (m->state == rumor::core::SwimState::kDead ? "dead" : "left"));
          }
        }
        done->set_value();
      });
      fut.wait();
    }
  }

  // Phase 2: the steady state, right after convergence (or the give-up).
  void steady() {
    joining_ = false;
    if (!converged_) report_missing();
    full_views_at_timeout_ = full_views_;
    cpu0_ = cpu_seconds();
    start_ = totals();
    joins_failed_ = start_.not_joined;
    wall0_ = Loop::now();
    timer_.expires_after(seconds(args_.steady_s));
    timer_.async_wait([this](const asio::error_code&) {
      const double wall = (Loop::now() - wall0_).sec();
      cpu_pct_ = (cpu_seconds() - cpu0_) / wall * 100;
      end_ = totals();
      const uint64_t bytes =
          end_.packet_bytes + end_.stream_bytes - start_.packet_bytes - start_.stream_bytes;
      bytes_per_node_s_ = static_cast<double>(bytes) / n_ / wall;
      packets_per_node_s_ = static_cast<double>(end_.packets - start_.packets) / n_ / wall;
      peak_rss_mib_ = status_mib("VmHWM");
      rss_end_mib_ = status_mib("VmRSS");
      full_views_end_ = full_views_;
      kill();
    });
  }

  // Phase 3: the victim stops without a leave, on its own thread.
  void kill() {
    int expected = 0;
    for (int i = 0; i < n_; ++i) {
      if (i != victim_ && victim_alive_[i]) ++expected;
    }
    expected_ = expected;
    if (expected == 0) return finish();
    wait(args_.timeout_s, [this] { finish(); });
    shard_of_[victim_]->loop.post([this] {
      kill_at_ns_ = Loop::now().ns();
      killed_ = true;
      hosts_[victim_]->close();
    });
  }

  void finish() {
    std::vector<std::string> notes;
    if (joins_failed_ > 0) notes.push_back(std::to_string(joins_failed_) + " joins failed");
    if (!converged_) {
      notes.push_back("not converged after " + std::to_string(static_cast<int>(args_.timeout_s)) +
                      " s: " + std::to_string(full_views_at_timeout_) + " of " +
                      std::to_string(n_) + " nodes had full views");
    }
    if (full_views_end_ != n_) {
      notes.push_back(std::to_string(full_views_end_) + " of " + std::to_string(n_) +
                      " full views at the end of the steady window");
    }
    if (expected_ != n_ - 1) {
      notes.push_back(std::to_string(expected_) + " of " + std::to_string(n_ - 1) +
                      " survivors had the victim alive at the kill");
    }
    if (!detected_) {
      notes.push_back("victim " + victim_name_ + " marked failed by " +
                      std::to_string(detected_count_) + " of " + std::to_string(expected_));
    }
    std::string note;
    for (const auto& s : notes)
      note += (note.empty() ? "" : "; ") + s;

    nlohmann::ordered_json j;
    j["impl"] = "rumor";
    j["nodes"] = n_;
    j["threads"] = shards_.size();
    j["converged"] = converged_.load();
    j["converge_s"] = converged_
                          ? nlohmann::ordered_json(static_cast<double>(converge_ns_.load()) / 1e9)
                          : nullptr;
    j["full_views"] = converged_ ? n_ : full_views_at_timeout_;
    j["full_views_end"] = full_views_end_;
    j["cpu_pct"] = cpu_pct_;
    j["peak_rss_mib"] = peak_rss_mib_;
    j["rss_end_mib"] = rss_end_mib_;
    j["bytes_per_node_s"] = bytes_per_node_s_;
    j["packets_per_node_s"] = packets_per_node_s_;
    j["detected"] = detected_.load();
    j["detect_s"] =
        detected_ ? nlohmann::ordered_json(static_cast<double>(detect_ns_.load()) / 1e9) : nullptr;
    j["note"] = note;
    std::printf("%s\n", j.dump().c_str());
    report_breakdown();
    std::fflush(stdout);
    control_.stop();
  }

  // The breakdown behind the figures, for a person reading a run by hand (run.py ignores it).
  void report_breakdown() {
    const Totals t = totals();
    std::fprintf(stderr,
                 "rumor_cluster: steady window: %llu packets, %llu packet bytes, %llu streams, "
                 "%llu stream bytes; whole run: streams refused %llu, failed %llu, timed out "
                 "%llu; datagrams refused by the kernel %llu\n",
                 static_cast<unsigned long long>(end_.packets - start_.packets),
                 static_cast<unsigned long long>(end_.packet_bytes - start_.packet_bytes),
                 static_cast<unsigned long long>(end_.streams - start_.streams),
                 static_cast<unsigned long long>(end_.stream_bytes - start_.stream_bytes),
                 static_cast<unsigned long long>(t.refused),
                 static_cast<unsigned long long>(t.failed),
                 static_cast<unsigned long long>(t.timed_out),
                 static_cast<unsigned long long>(t.send_failed));
    std::fprintf(stderr, "rumor_cluster: steady window, messages sent by type (count/bytes):");
    for (size_t k = 0; k < rumor::core::MessageCounts::kTypes; ++k) {
      const uint64_t m = end_.sent.messages[k] - start_.sent.messages[k];
      if (m == 0) continue;
      std::fprintf(stderr, " %zu:%llu/%llu", k, static_cast<unsigned long long>(m),
                   static_cast<unsigned long long>(end_.sent.bytes[k] - start_.sent.bytes[k]));
    }
    std::fprintf(stderr, "\n");
  }

  Args args_;
  int n_;
  int victim_;
  std::string victim_name_;
  Loop control_;
  asio::steady_timer timer_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::unique_ptr<SwimHost>> hosts_;  // destroyed before the shards' loops
  std::vector<Shard*> shard_of_;

  // Written on the shards' threads.
  std::unique_ptr<std::atomic<int>[]> views_;  // members each node sees alive, itself included
  std::atomic<int> full_views_{0};             // nodes that see all n_
  std::atomic<bool> joining_{true};            // phase 1: convergence still counts
  std::atomic<bool> converged_{false};
  std::atomic<int64_t> converge_ns_{0};
  std::atomic<int64_t> t0_ns_{0};
  std::vector<Join> joins_;  // each entry on its host's thread only
  std::atomic<int> in_flight_{0};
  std::unique_ptr<std::atomic<bool>[]> victim_alive_;  // the victim as each node sees it
  std::unique_ptr<std::atomic<bool>[]> marked_;  // survivors that marked it failed after the kill
  std::atomic<bool> killed_{false};
  std::atomic<int> expected_{0};
  std::atomic<int> detected_count_{0};
  std::atomic<bool> detected_{false};
  std::atomic<int64_t> kill_at_ns_{0};
  std::atomic<int64_t> detect_ns_{0};

  // The control thread's.
  int full_views_at_timeout_ = 0;
  int joins_failed_ = 0;
  double cpu0_ = 0;
  Totals start_, end_;  // at the start and the end of the steady window
  Time wall0_;
  double cpu_pct_ = 0;
  double bytes_per_node_s_ = 0;
  double packets_per_node_s_ = 0;
  double peak_rss_mib_ = 0;
  double rss_end_mib_ = 0;
  int full_views_end_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }

  Cluster cluster(args);
  cluster.open();
  cluster.run();
  return 0;
}
