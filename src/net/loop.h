// Loop: the one event loop of a process (standalone Asio's io_context, single-threaded), with
// the OS monotonic clock and OS entropy the core is never allowed to touch itself.
//
// Every SwimHost on a Loop is driven from the thread that calls run(); nothing here is
// thread-safe except post() and stop(), which another thread (an HTTP server, a signal
// handler's thread) may call to hand work to the loop. Time is the monotonic clock in
// nanoseconds (steady_clock's epoch: boot), so deadlines never jump with the wall clock.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "base/time.h"
#include "net/deadlines.h"
#include "net/udp_socket.h"
#include "net/udp_watch.h"

namespace rumor::net {

struct LoopOptions {
  // Under load, the least time between two looks for work (run()); zero: none.
  Duration batch = Duration::millis(2);
  // How late a host's deadline may run so that deadlines share wake-ups (deadlines.h). 50 ms
  // is a quarter of memberlist's LAN gossip interval and a tenth of its probe timeout; a driver
  // with another profile passes a quarter of its own gossip interval. On these machines a
  // wake-up costs about 50 us of CPU, so a loop hosting many nodes spends most of its time
  // waking: with 100 nodes a 20 ms slack measured 1.03 % of a core, 50 ms 0.71 %, 100 ms
  // 0.53 % (bench/versus/rumor_cluster --slack-ms, docs/performance.md). Rounding only delays
  // a timer, never drifts a periodic one (the node schedules from its nominal times), and a
  // late probe timeout only makes the node more lenient.
  Duration timer_slack = Duration::millis(50);
};

class Loop {
 public:
  explicit Loop(const LoopOptions& options = {});
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  asio::io_context& io() { return io_; }
  // Runs handlers until stop(); returns at once if stop() was called before. Under load (the
  // thread woke again less than `batch` after the last time) it sleeps out the rest of `batch`
  // before it looks for work, so whatever arrived meanwhile is handled in one pass: at most
  // one sleep per `batch` however many hosts and packets, each input delayed by less than
  // `batch`. A quiet loop (an agent's single node) wakes exactly when work arrives.
  void run();
  void stop();
  // Runs `fn` on the loop thread, soon. Safe from any thread.
  template <typename Fn>
  void post(Fn&& fn) {
    asio::post(io_, std::forward<Fn>(fn));
  }

  // The monotonic clock.
  static Time now();
  // 64 bits from the kernel's entropy pool (getrandom), for seeding a node's Prng.
  static uint64_t entropy_seed();

  // One receive batch shared by every host on the loop: a host handles the datagrams it read
  // before the next host reads, so one is enough. Slots large enough for any UDP payload.
  DatagramBatch& datagram_batch() { return datagrams_; }
  // The UDP sockets of every host, watched as one descriptor (udp_watch.h).
  UdpWatch& udp_watch() { return udp_watch_; }

  // One OS timer for the deadlines of every host on the loop (deadlines.h).
  Deadlines& deadlines() { return deadlines_; }

 private:
  asio::io_context io_{1};
  Duration batch_;
  Time last_wake_ = Time::zero();
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
  DatagramBatch datagrams_{16};
  Deadlines deadlines_;
  UdpWatch udp_watch_{io_};
};

}  // namespace rumor::net
