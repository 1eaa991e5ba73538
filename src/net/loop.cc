#include "net/loop.h"

#include <sys/random.h>
#include <unistd.h>

#include <cerrno>

#include <chrono>
#include <cstring>

namespace rumor::net {

Loop::Loop() : guard_(asio::make_work_guard(io_)) {}

void Loop::run() {
  io_.run();
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
