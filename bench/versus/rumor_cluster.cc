// rumor_cluster: rumor's side of the rumor-versus-memberlist benchmark (bench/versus/run.py
// runs it beside memberlist_harness and prints both in one table).
//
// It opens N SwimHosts on one Loop (one thread, one io_context) on 127.0.0.1 ports P..P+N-1
// (UDP and TCP on the same port) with SwimConfig::lan() (memberlist's DefaultLANConfig), names
// "n0".."n{N-1}", and measures, exactly as the Go harness measures memberlist:
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
// non-zero with a one-line message. The phases are driven by a timer on the loop, so the
// process runs on one thread, as an agent hosting many nodes would.
#include <sys/resource.h>

#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
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
    } else {
      fail("unknown flag " + std::string(flag) +
           " (allowed: --nodes N --base-port P --steady-s S --timeout-s T --join-parallel K)");
    }
  }
  if (a.nodes < 3 || a.base_port < 1 || a.base_port + a.nodes - 1 > 65535 || a.steady_s <= 0 ||
      a.timeout_s <= 0 || a.join_parallel < 0) {
    fail(
        "need --nodes >= 3, ports within 1..65535, --steady-s > 0, --timeout-s > 0 and "
        "--join-parallel >= 0");
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

// The whole run: the nodes, what their events say, and the phases, each started by the last.
class Cluster {
 public:
  Cluster(Loop& loop, const Args& args)
      : loop_(loop),
        args_(args),
        n_(args.nodes),
        victim_(args.nodes - 1),
        victim_name_(node_name(args.nodes - 1)),
        timer_(loop.io()),
        sweep_(loop.io()),
        views_(n_, 1),  // a node sees itself; it gets no event about itself
        victim_alive_(n_, false),
        marked_(n_, false) {}

  void open() {
    const auto config = rumor::core::SwimConfig::lan();
    hosts_.reserve(n_);
    for (int i = 0; i < n_; ++i) {
      rumor::net::SwimHostOptions options;
      options.name = node_name(i);
      options.bind = rumor::core::Address::v4(127, 0, 0, 1, static_cast<uint16_t>(port(i)));
      // One name table for the whole process, as the simulator's world shares one: every node
      // would otherwise intern all N names and addresses again.
      options.shared_directory = &directory_;
      auto host = SwimHost::open(loop_, config, options);
      if (!host) fail("node " + options.name + ": " + host.message());
      hosts_.push_back(std::move(*host));
      hosts_.back()->set_event_handler([this, i](const SwimEvent& e) { on_event(i, e); });
    }
  }

  // Phase 1: everyone but n0 joins n0.
  void start() {
    t0_ = Loop::now();
    joins_.assign(n_, Join{});
    next_join_ = 1;
    join_more();
    sweep();
    wait(args_.timeout_s, [this] { steady(); });
  }

 private:
  int port(int i) const { return args_.base_port + i; }

  rumor::core::Directory directory_{1u << 24};

  // A join in flight, and what its host's stream errors stood at when it began.
  struct Join {
    bool in_flight = false;
    uint64_t errors = 0;
    Time started;
  };
  uint64_t stream_errors(int i) const {
    const auto& ns = hosts_[i]->net_stats();
    return ns.streams_refused + ns.streams_failed + ns.streams_timed_out;
  }

  // Starts joins until join_parallel are in flight (or all, if it is 0).
  void join_more() {
    const auto seed = rumor::core::Address::v4(127, 0, 0, 1, static_cast<uint16_t>(port(0)));
    while (next_join_ < n_ && (args_.join_parallel == 0 || in_flight_ < args_.join_parallel)) {
      const int i = next_join_++;
      joins_[i] = Join{true, stream_errors(i), Loop::now()};
      ++in_flight_;
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
    --in_flight_;
  }

  // Every 10 ms while joins remain: catches joins that failed (a success is seen at once, by
  // its events).
  void sweep() {
    if (next_join_ >= n_ && in_flight_ == 0) return;
    const Time now = Loop::now();
    for (int i = 1; i < next_join_; ++i) {
      check_join(i, now);
    }
    join_more();
    sweep_.expires_after(std::chrono::milliseconds(10));
    sweep_.async_wait([this](const asio::error_code& ec) {
      if (!ec) sweep();
    });
  }

  void on_event(int i, const SwimEvent& e) {
    const bool is_victim = hosts_[i]->directory().name(e.member) == victim_name_;
    switch (e.kind) {
      case SwimEventKind::kJoined:
        if (joins_[i].in_flight) {
          check_join(i, Loop::now());
          // Not join_more() here: this runs inside host i's flush; the next joins start from
          // the loop, at once.
          if (!joins_[i].in_flight) loop_.post([this] { join_more(); });
        }
        if (is_victim) victim_alive_[i] = true;
        if (++views_[i] == n_ && ++full_views_ == n_ && joining_) {
          joining_ = false;
          converged_ = true;
          converge_s_ = (Loop::now() - t0_).sec();
          timer_.cancel();  // runs the waiting phase's next step now
        }
        break;
      case SwimEventKind::kFailed:
      case SwimEventKind::kLeft:
        if (views_[i]-- == n_) --full_views_;
        if (is_victim && i != victim_) {
          victim_alive_[i] = false;
          if (killed_ && !marked_[i]) {
            marked_[i] = true;
            if (++detected_count_ == expected_ && !detected_) {
              detected_ = true;
              detect_s_ = (Loop::now() - kill_at_).sec();
              timer_.cancel();
            }
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

  // Counters summed over all nodes: what the window measures, and what explains it.
  struct Totals {
    uint64_t packets = 0, packet_bytes = 0, streams = 0, stream_bytes = 0;
    uint64_t refused = 0, failed = 0, timed_out = 0, send_failed = 0;
  };
  Totals totals() const {
    Totals t;
    for (const auto& h : hosts_) {
      const auto& s = h->node().stats();
      const auto& ns = h->net_stats();
      t.packets += s.packets_sent;
      t.packet_bytes += s.packet_bytes_sent;
      t.streams += s.streams_opened;
      t.stream_bytes += s.stream_bytes_sent;
      t.refused += ns.streams_refused;
      t.failed += ns.streams_failed;
      t.timed_out += ns.streams_timed_out;
      t.send_failed += ns.packets_send_failed;
    }
    return t;
  }

  // Phase 2: the steady state, right after convergence (or the give-up).
  void steady() {
    joining_ = false;
    for (int i = 1; i < n_; ++i) {
      if (hosts_[i]->node().joined_count() == 0) ++joins_failed_;
    }
    full_views_at_timeout_ = full_views_;
    cpu0_ = cpu_seconds();
    start_ = totals();
    wall0_ = Loop::now();
    timer_.expires_after(seconds(args_.steady_s));
    timer_.async_wait([this](const asio::error_code&) {
      const double wall = (Loop::now() - wall0_).sec();
      cpu_pct_ = (cpu_seconds() - cpu0_) / wall * 100;
      end_ = totals();
      const uint64_t bytes =
          end_.packet_bytes + end_.stream_bytes - start_.packet_bytes - start_.stream_bytes;
      bytes_per_node_s_ = static_cast<double>(bytes) / n_ / wall;
      peak_rss_mib_ = status_mib("VmHWM");
      rss_end_mib_ = status_mib("VmRSS");
      full_views_end_ = full_views_;
      kill();
    });
  }

  // Phase 3: the victim stops without a leave.
  void kill() {
    for (int i = 0; i < n_; ++i) {
      if (i != victim_ && victim_alive_[i]) ++expected_;
    }
    killed_ = true;
    kill_at_ = Loop::now();
    hosts_[victim_]->close();
    if (expected_ == 0) return finish();
    wait(args_.timeout_s, [this] { finish(); });
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
    j["converged"] = converged_;
    j["converge_s"] = converged_ ? nlohmann::ordered_json(converge_s_) : nullptr;
    j["full_views"] = converged_ ? n_ : full_views_at_timeout_;
    j["full_views_end"] = full_views_end_;
    j["cpu_pct"] = cpu_pct_;
    j["peak_rss_mib"] = peak_rss_mib_;
    j["rss_end_mib"] = rss_end_mib_;
    j["bytes_per_node_s"] = bytes_per_node_s_;
    j["detected"] = detected_;
    j["detect_s"] = detected_ ? nlohmann::ordered_json(detect_s_) : nullptr;
    j["note"] = note;
    std::printf("%s\n", j.dump().c_str());
    // The breakdown behind the figures, for a person reading a run by hand (run.py ignores it).
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
    std::fflush(stdout);
    loop_.stop();
  }

  Loop& loop_;
  Args args_;
  int n_;
  int victim_;
  std::string victim_name_;
  asio::steady_timer timer_;
  asio::steady_timer sweep_;
  std::vector<std::unique_ptr<SwimHost>> hosts_;

  std::vector<int> views_;  // members each node sees alive, itself included
  int full_views_ = 0;      // nodes that see all n_
  bool joining_ = true;     // phase 1: convergence still counts
  bool converged_ = false;
  Time t0_;
  double converge_s_ = 0;
  int full_views_at_timeout_ = 0;
  int joins_failed_ = 0;  // nodes whose join got no push-pull reply from the seed
  std::vector<Join> joins_;
  int next_join_ = 1;  // the next node to start joining
  int in_flight_ = 0;

  double cpu0_ = 0;
  Totals start_, end_;  // at the start and the end of the steady window
  Time wall0_;
  double cpu_pct_ = 0;
  double bytes_per_node_s_ = 0;
  double peak_rss_mib_ = 0;
  double rss_end_mib_ = 0;
  int full_views_end_ = 0;

  std::vector<bool> victim_alive_;  // the victim as each node sees it
  std::vector<bool> marked_;        // survivors that marked it failed after the kill
  bool killed_ = false;
  int expected_ = 0;
  int detected_count_ = 0;
  bool detected_ = false;
  Time kill_at_;
  double detect_s_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }

  Loop loop;
  Cluster cluster(loop, args);
  cluster.open();
  cluster.start();
  loop.run();
  return 0;
}
