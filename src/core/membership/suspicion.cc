#include "core/membership/suspicion.h"

#include <algorithm>
#include <cmath>

#include "base/assert.h"

namespace rumor::core {
namespace {

// Go's time.Duration.Seconds(), bit for bit: whole seconds plus the remainder, so the formula
// below rounds exactly as memberlist's does.
double go_seconds(Duration d) {
  constexpr int64_t kSecond = 1'000'000'000;
  const int64_t sec = d.ns() / kSecond;
  const int64_t nsec = d.ns() % kSecond;
  return static_cast<double>(sec) + static_cast<double>(nsec) / 1e9;
}

}  // namespace

Duration Suspicion::suspicion_min(uint32_t suspicion_mult, size_t n, Duration probe_interval) {
  const double nodes = std::max(1.0, static_cast<double>(n));
  const double scale = std::max(1.0, std::log10(nodes));
  // Go: time.Duration(nodeScale*1000) truncates toward zero.
  const auto scale_milli = static_cast<int64_t>(scale * 1000.0);
  int64_t product = 0;
  if (__builtin_mul_overflow(static_cast<int64_t>(suspicion_mult), scale_milli, &product) ||
      __builtin_mul_overflow(product, probe_interval.ns(), &product)) {
    return Duration::max();
  }
  return Duration::nanos(product / 1000);
}

uint32_t Suspicion::expected_confirmations(uint32_t suspicion_mult, size_t n) {
  if (suspicion_mult <= 2) return 0;
  const uint32_t k = suspicion_mult - 2;
  // "if n-2 < k { k = 0 }", with n - 2 negative for n < 2.
  if (n < 2 || n - 2 < k) return 0;
  return k;
}

SuspicionParams Suspicion::params(const SwimConfig& config, size_t n) {
  SuspicionParams p;
  p.min = suspicion_min(config.suspicion_mult, n, config.probe_interval);
  if (!config.dynamic_suspicion) {
    p.k = 0;
    p.max = p.min;
    return p;
  }
  p.k = expected_confirmations(config.suspicion_mult, n);
  p.max = p.min * config.suspicion_max_timeout_mult;
  return p;
}

Duration Suspicion::timeout_after(uint32_t c, uint32_t k, Duration min, Duration max) {
  if (c == 0) return k < 1 ? min : max;
  const double frac =
      std::log(static_cast<double>(c) + 1.0) / std::log(static_cast<double>(k) + 1.0);
  const double max_s = go_seconds(max);
  const double raw = max_s - frac * (max_s - go_seconds(min));
  const auto ms = static_cast<int64_t>(std::floor(1000.0 * raw));
  return std::max(Duration::millis(ms), min);
}

Suspicion::Suspicion(uint32_t accuser, uint32_t k, Duration min, Duration max, Time start)
    : k_(k), min_(min), max_(max), start_(start), timeout_(timeout_after(0, k, min, max)) {
  RUMOR_ASSERT(min <= max, "suspicion timeout: min must not exceed max");
  seen_.push_back(accuser);
}

bool Suspicion::confirm(uint32_t from) {
  if (confirmations_ >= k_) return false;
  if (std::find(seen_.begin(), seen_.end(), from) != seen_.end()) return false;
  seen_.push_back(from);
  ++confirmations_;
  timeout_ = timeout_after(confirmations_, k_, min_, max_);
  return true;
}

}  // namespace rumor::core
