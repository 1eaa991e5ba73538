#include "core/detect/detector.h"

#include <limits>

namespace rumor::core::detect {
namespace {

// last + d, or Time::never() if that does not fit.
Time saturating_add(Time last, Duration d) {
  if (d.ns() > 0 && last.ns() > std::numeric_limits<int64_t>::max() - d.ns()) {
    return Time::never();
  }
  return last + d;
}

Status with_prefix(const char* prefix, Status s) {
  if (s.is_ok()) return s;
  return Status::error(prefix + s.message());
}

}  // namespace

Status DetectorConfig::validate() const {
  Status s = with_prefix("threshold.", threshold.validate());
  if (!s.is_ok()) return s;
  return with_prefix("phi.", phi.validate());
}

std::string_view detector_kind_name(DetectorConfig::Kind kind) {
  return kind == DetectorConfig::Kind::kPhi ? "phi" : "threshold";
}

std::optional<DetectorConfig::Kind> parse_detector_kind(std::string_view s) {
  if (s == "threshold") return DetectorConfig::Kind::kThreshold;
  if (s == "phi") return DetectorConfig::Kind::kPhi;
  return std::nullopt;
}

void MemberDetector::reset(Time now) {
  last_ = now;
  window_ = PhiWindow();
}

void MemberDetector::heartbeat(const DetectorConfig& config, Time now) {
  if (now < last_) return;
  if (config.kind == DetectorConfig::Kind::kPhi) {
    // Judged before the bootstrap samples go in; an empty window already reads as the
    // bootstrap, so the verdict is the same either way.
    const bool record = health(config, now) != Health::kDead;
    if (window_.size() == 0) {
      if (window_.limit() == 0) window_ = PhiWindow(config.phi.window);
      window_.add(phi_bootstrap_low(config.phi));
      window_.add(phi_bootstrap_high(config.phi));
    }
    if (record) window_.add(now - last_);
  }
  last_ = now;
}

double MemberDetector::phi(const DetectorConfig& config, Time now) const {
  if (config.kind != DetectorConfig::Kind::kPhi) return 0.0;
  const PhiFit fit = phi_fit(config);
  return detect::phi(now - last_, fit.mean_ns, fit.std_dev_ns);
}

Health MemberDetector::health(const DetectorConfig& config, Time now) const {
  if (config.kind != DetectorConfig::Kind::kPhi) {
    return threshold_health(config.threshold, last_, now);
  }
  const Duration elapsed = now - last_;
  if (elapsed < Duration::zero()) return Health::kAlive;
  const PhiFit fit = phi_fit(config);
  const double limit = config.phi.threshold;
  if (detect::phi(elapsed, fit.mean_ns, fit.std_dev_ns) < limit) return Health::kAlive;
  // phi is non-decreasing in the elapsed time, so it crossed the threshold at least dead_after
  // ago exactly when it was already over the threshold dead_after earlier. The crossing is
  // never taken to be before the last heartbeat (as suspect_at() reports it).
  const Duration earlier = elapsed - config.phi.dead_after;
  if (earlier >= Duration::zero() && detect::phi(earlier, fit.mean_ns, fit.std_dev_ns) >= limit) {
    return Health::kDead;
  }
  return Health::kSuspect;
}

Time MemberDetector::suspect_at(const DetectorConfig& config) const {
  if (config.kind != DetectorConfig::Kind::kPhi) {
    return saturating_add(last_, config.threshold.suspect_timeout());
  }
  const PhiFit fit = phi_fit(config);
  const double limit = config.phi.threshold;
  const auto over = [&](int64_t elapsed_ns) {
    return detect::phi(Duration::nanos(elapsed_ns), fit.mean_ns, fit.std_dev_ns) >= limit;
  };
  if (over(0)) return last_;
  // Find some elapsed time over the threshold, then bisect: phi(lo) < limit <= phi(hi).
  constexpr int64_t kMaxNs = std::numeric_limits<int64_t>::max();
  int64_t lo = 0;
  const double guess = fit.mean_ns + 8 * fit.std_dev_ns;
  int64_t hi = guess >= 9e18 ? kMaxNs : std::max<int64_t>(1, static_cast<int64_t>(guess));
  while (!over(hi)) {
    if (hi == kMaxNs) return Time::never();
    lo = hi;
    hi = hi > kMaxNs / 2 ? kMaxNs : hi * 2;
  }
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (over(mid)) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return saturating_add(last_, Duration::nanos(hi));
}

Time MemberDetector::dead_at(const DetectorConfig& config) const {
  if (config.kind != DetectorConfig::Kind::kPhi) {
    return saturating_add(last_, config.threshold.dead_timeout());
  }
  const Time suspect = suspect_at(config);
  return suspect == Time::never() ? suspect : saturating_add(suspect, config.phi.dead_after);
}

}  // namespace rumor::core::detect
