// Prng: the one source of randomness in the core and the simulator.
//
// xoshiro256** (Blackman & Vigna 2018) seeded through splitmix64, so any 64-bit seed gives a
// well-mixed state. Every draw is defined here bit for bit (no <random> distributions, whose
// output differs between standard libraries), so the same seed gives the same run on every
// machine. Each node owns one Prng whose seed is derived from the world or config seed with
// derive(); nothing in core or sim may draw from any other source.
#pragma once

#include <cstdint>

namespace rumor {

class Prng {
 public:
  explicit Prng(uint64_t seed = 0) { reseed(seed); }
  void reseed(uint64_t seed);

  // A 64-bit seed for a sub-stream (node i of a world, say): mixing, not drawing, so it does
  // not disturb this generator's sequence.
  static uint64_t derive(uint64_t seed, uint64_t stream);

  uint64_t next_u64();
  // Uniform in [0, bound); bound > 0. Lemire's multiply-shift with rejection: unbiased.
  uint64_t uniform(uint64_t bound);
  // Uniform in [0, 1) with 53 random bits.
  double unit();
  // True with probability p (p <= 0 never draws true, p >= 1 always does; both still draw once
  // so a run's sequence does not depend on the value of p).
  bool chance(double p) { return unit() < p; }
  // Standard normal deviate (Box-Muller, one value per call).
  double normal();
  // Exponential deviate with mean 1.
  double exponential();

 private:
  uint64_t s_[4];
};

}  // namespace rumor
