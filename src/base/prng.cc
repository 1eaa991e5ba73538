#include "base/prng.h"

#include <cmath>

namespace rumor {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

// The full 128-bit product of two 64-bit numbers (GCC and Clang's __int128, named once here).
__extension__ using u128 = unsigned __int128;

}  // namespace

void Prng::reseed(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : s_)
    s = splitmix64(x);
}

uint64_t Prng::derive(uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ rotl(stream * 0xd1b54a32d192ed03ULL, 17);
  splitmix64(x);
  return splitmix64(x);
}

uint64_t Prng::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

uint64_t Prng::uniform(uint64_t bound) {
  u128 m = static_cast<u128>(next_u64()) * bound;
  auto low = static_cast<uint64_t>(m);
  if (low < bound) {
    const uint64_t threshold = -bound % bound;
    while (low < threshold) {
      m = static_cast<u128>(next_u64()) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

double Prng::unit() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

double Prng::normal() {
  // 1 - unit() is in (0, 1], so the log is finite.
  const double u1 = 1.0 - unit();
  const double u2 = unit();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

double Prng::exponential() {
  return -std::log(1.0 - unit());
}

}  // namespace rumor
