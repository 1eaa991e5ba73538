#include "net/loop.h"

#include <sys/random.h>
#include <unistd.h>

#include <cerrno>

#include <chrono>
#include <cstring>
#include <thread>

namespace rumor::net {

Loop::Loop(const LoopOptions& options)
    : batch_(options.batch),
      guard_(asio::make_work_guard(io_)),
      deadlines_(io_, options.timer_slack) {}

void Loop::run() {
  if (batch_ <= Duration::zero()) {
    io_.run();
    return;
  }
  while (io_.run_one() > 0) {  // blocks until there is work; 0 once stopped
    const Time woke = now();
    io_.poll();  // everything else that is ready now
    const Duration busy = now() - woke;
    if (busy < batch_) {
      // Whether the next wake-up comes soon is unknown; sleeping out the batch only when the
      // last one did keeps a quiet loop's latency at zero.
      if (woke - last_wake_ < batch_ * 2) {
        std::this_thread::sleep_for(std::chrono::nanoseconds((batch_ - busy).ns()));
      }
    }
    last_wake_ = woke;
  }
}

void Loop::stop() {
  // Dropping the guard alone would let run() return only once every socket is closed; stop()
  // returns now, and the hosts' pending handlers are discarded with the io_context.
  io_.stop();
}

Time Loop::now() {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
  return Time::from_ns(ns.count());
}

uint64_t Loop::entropy_seed() {
  uint64_t seed = 0;
  uint8_t bytes[sizeof seed];
  size_t have = 0;
  while (have < sizeof bytes) {
    const ssize_t n = getrandom(bytes + have, sizeof bytes - have, 0);
    if (n > 0) {
      have += static_cast<size_t>(n);
    } else if (errno != EINTR) {
      // No getrandom (very old kernels): the clock is a poor seed, but a seed that differs per
      // start is all a node's Prng needs; nothing here is cryptographic.
      return static_cast<uint64_t>(now().ns()) ^ (static_cast<uint64_t>(getpid()) << 32);
    }
  }
  std::memcpy(&seed, bytes, sizeof seed);
  return seed;
}

}  // namespace rumor::net
