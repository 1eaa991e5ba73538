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

namespace rumor::net {

class Loop {
 public:
  Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  asio::io_context& io() { return io_; }
  // Runs handlers until stop(); returns at once if stop() was called before.
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

  // One receive buffer shared by every host on the loop: datagrams are handled as soon as they
  // are read, so only one is ever in it. Large enough for any UDP payload.
  std::vector<uint8_t>& datagram_buffer() { return datagram_; }

 private:
  asio::io_context io_{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
  std::vector<uint8_t> datagram_ = std::vector<uint8_t>(65536);
};

}  // namespace rumor::net
