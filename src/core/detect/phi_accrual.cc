#include "core/detect/phi_accrual.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <string>

#include "base/assert.h"

namespace rumor::core::detect {
namespace {

__extension__ using u128 = unsigned __int128;

constexpr double kLn10 = 2.302585092994045684;
constexpr double kInvSqrt2 = 0.7071067811865475244;
constexpr double kHalfLn2Pi = 0.9189385332046727418;  // ln(2 pi) / 2
// erfc underflows a little past z = 37 (Q(38) is already subnormal), so from this many standard
// deviations on phi is taken from the asymptotic series of the normal tail in log space, which
// here is already accurate to below one ulp of phi (the first omitted term is 3e-16 of Q).
constexpr double kTailZ = 30.0;

constexpr uint32_t kFirstCapacity = 8;
constexpr uint32_t kMaxSampleUs = std::numeric_limits<uint32_t>::max();

std::string format_double(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

Status check_duration(const char* field, Duration value, Duration lo, Duration hi,
                      const char* range) {
  if (value >= lo && value <= hi) return Status::ok();
  return Status::error(std::string(field) + ": must be in " + range + ", got " +
                       std::to_string(value.ns()) + "ns");
}

// -log10 of the normal upper tail Q(z) = 0.5 erfc(z / sqrt 2), without cancellation on either
// side and without underflow in the far tail.
double phi_of_z(double z) {
  if (z < 0) {
    // Q(z) = 1 - q with q = Q(-z) the (small) lower tail: log1p keeps its digits.
    const double q = 0.5 * std::erfc(-z * kInvSqrt2);
    return -std::log1p(-q) / kLn10;
  }
  if (z < kTailZ) return -std::log10(0.5 * std::erfc(z * kInvSqrt2));
  // ln Q(z) = -z^2/2 - ln z - ln(2 pi)/2 + ln(1 - 1/z^2 + 3/z^4 - 15/z^6 + ...).
  const double w = 1.0 / (z * z);
  const double series =
      1.0 + w * (-1.0 + w * (3.0 + w * (-15.0 + w * (105.0 + w * (-945.0 + w * 10395.0)))));
  const double ln_q = -0.5 * z * z - std::log(z) - kHalfLn2Pi + std::log(series);
  return std::min(kMaxPhi, -ln_q / kLn10);
}

}  // namespace

Status PhiAccrualConfig::validate() const {
  if (!(threshold >= 0.1 && threshold <= 100.0)) {
    return Status::error("threshold: must be in 0.1..100, got " + format_double(threshold));
  }
  if (window < 1 || window > kMaxPhiWindow) {
    return Status::error("window: must be in 1.." + std::to_string(kMaxPhiWindow) + ", got " +
                         std::to_string(window));
  }
  Status s = check_duration("min_std_dev", min_std_dev, Duration::micros(1),
                            Duration::seconds(3600), "1us..1h");
  if (!s.is_ok()) return s;
  s = check_duration("acceptable_pause", acceptable_pause, Duration::zero(),
                     Duration::seconds(3600), "0..1h");
  if (!s.is_ok()) return s;
  s = check_duration("first_heartbeat_estimate", first_heartbeat_estimate, Duration::millis(1),
                     Duration::seconds(3600), "1ms..1h");
  if (!s.is_ok()) return s;
  return check_duration("dead_after", dead_after, Duration::millis(1),
                        Duration::seconds(int64_t{24} * 3600), "1ms..24h");
}

double phi(Duration elapsed, double mean_ns, double std_dev_ns) {
  RUMOR_ASSERT(!std::isnan(mean_ns) && !std::isnan(std_dev_ns), "phi() given a NaN fit");
  const double diff = static_cast<double>(elapsed.ns()) - mean_ns;
  if (!(std_dev_ns > 0)) {
    if (diff < 0) return 0.0;
    return diff == 0 ? phi_of_z(0.0) : kMaxPhi;
  }
  return phi_of_z(diff / std_dev_ns);
}

// One heap block: this header, then `capacity` samples. The samples form a ring: the oldest is
// at `head`, the newest at (head + size - 1) mod capacity. The sum of squares is split in two
// 64-bit halves so the block needs only 8-byte alignment.
struct PhiWindow::Block {
  uint64_t sum;       // sum of the held samples, in us (< 2^17 * 2^32)
  uint64_t sumsq_lo;  // sum of their squares, in us^2 (< 2^17 * 2^64), low and high halves
  uint64_t sumsq_hi;
  uint32_t limit;
  uint32_t capacity;
  uint32_t size;
  uint32_t head;

  u128 sumsq() const { return (static_cast<u128>(sumsq_hi) << 64) | sumsq_lo; }
  void set_sumsq(u128 v) {
    sumsq_lo = static_cast<uint64_t>(v);
    sumsq_hi = static_cast<uint64_t>(v >> 64);
  }
  uint32_t* samples() {
    return reinterpret_cast<uint32_t*>(reinterpret_cast<unsigned char*>(this) + sizeof(Block));
  }
  const uint32_t* samples() const {
    return reinterpret_cast<const uint32_t*>(reinterpret_cast<const unsigned char*>(this) +
                                             sizeof(Block));
  }
  static size_t bytes(uint32_t capacity) { return sizeof(Block) + capacity * sizeof(uint32_t); }

  static Block* allocate(uint32_t limit, uint32_t capacity) {
    // The samples start right after the header, which ::operator new aligns for both.
    static_assert(alignof(Block) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    static_assert(sizeof(Block) % alignof(uint32_t) == 0);
    void* raw = ::operator new(bytes(capacity));
    return new (raw) Block{0, 0, 0, limit, capacity, 0, 0};
  }
  static void release(Block* b) { ::operator delete(b); }
};
// The exact variance needs size * sumsq and sum^2 in 128 bits: both stay below 2^98.
static_assert(kMaxPhiWindow <= (1u << 17));

PhiWindow::PhiWindow(uint32_t limit) {
  RUMOR_ASSERT(limit >= 1 && limit <= kMaxPhiWindow, "PhiWindow limit out of 1..kMaxPhiWindow");
  block_ = Block::allocate(limit, std::min(limit, kFirstCapacity));
}

PhiWindow::PhiWindow(const PhiWindow& other) {
  if (other.block_ == nullptr) return;
  const size_t n = Block::bytes(other.block_->capacity);
  block_ = static_cast<Block*>(::operator new(n));
  std::memcpy(static_cast<void*>(block_), other.block_, n);
}

PhiWindow& PhiWindow::operator=(const PhiWindow& other) {
  if (this != &other) *this = PhiWindow(other);
  return *this;
}

PhiWindow::PhiWindow(PhiWindow&& other) noexcept : block_(other.block_) {
  other.block_ = nullptr;
}

PhiWindow& PhiWindow::operator=(PhiWindow&& other) noexcept {
  if (this != &other) {
    if (block_ != nullptr) Block::release(block_);
    block_ = other.block_;
    other.block_ = nullptr;
  }
  return *this;
}

PhiWindow::~PhiWindow() {
  if (block_ != nullptr) Block::release(block_);
}

uint32_t PhiWindow::to_sample_us(Duration interval) {
  const int64_t ns = interval.ns();
  if (ns <= 0) return 0;
  constexpr int64_t kSaturateNs = int64_t{kMaxSampleUs} * 1000 - 500;
  if (ns >= kSaturateNs) return kMaxSampleUs;
  return static_cast<uint32_t>((ns + 500) / 1000);
}

void PhiWindow::add(Duration interval) {
  RUMOR_ASSERT(block_ != nullptr, "add() on a PhiWindow with no limit");
  const uint32_t s = to_sample_us(interval);
  const u128 sq = static_cast<u128>(s) * s;
  Block* b = block_;
  if (b->size == b->limit) {
    // Full (so capacity == limit): the newest sample takes the oldest's slot.
    uint32_t& slot = b->samples()[b->head];
    b->sum -= slot;
    b->set_sumsq(b->sumsq() - static_cast<u128>(slot) * slot);
    slot = s;
    b->head = b->head + 1 == b->capacity ? 0 : b->head + 1;
  } else {
    if (b->size == b->capacity) {
      // Grow by doubling up to the limit, unrolling the ring so the oldest lands at index 0.
      const uint32_t capacity = std::min(b->limit, b->capacity * 2);
      Block* grown = Block::allocate(b->limit, capacity);
      grown->sum = b->sum;
      grown->sumsq_lo = b->sumsq_lo;
      grown->sumsq_hi = b->sumsq_hi;
      grown->size = b->size;
      for (uint32_t i = 0; i < b->size; ++i)
        grown->samples()[i] = sample_us(i);
      Block::release(b);
      block_ = b = grown;
    }
    uint32_t tail = b->head + b->size;
    if (tail >= b->capacity) tail -= b->capacity;
    b->samples()[tail] = s;
    ++b->size;
  }
  b->sum += s;
  b->set_sumsq(b->sumsq() + sq);
}

size_t PhiWindow::size() const {
  return block_ == nullptr ? 0 : block_->size;
}

uint32_t PhiWindow::limit() const {
  return block_ == nullptr ? 0 : block_->limit;
}

size_t PhiWindow::heap_bytes() const {
  return block_ == nullptr ? 0 : Block::bytes(block_->capacity);
}

uint32_t PhiWindow::sample_us(size_t i) const {
  RUMOR_ASSERT(i < size(), "PhiWindow sample index out of range");
  size_t at = block_->head + i;
  if (at >= block_->capacity) at -= block_->capacity;
  return block_->samples()[at];
}

double PhiWindow::mean_ns() const {
  if (size() == 0) return 0.0;
  return static_cast<double>(block_->sum) / static_cast<double>(block_->size) * 1000.0;
}

double PhiWindow::std_dev_ns() const {
  if (size() == 0) return 0.0;
  // n^2 * variance = n * sum(x^2) - (sum x)^2, exact in integers and never negative.
  const u128 n = block_->size;
  const u128 sum = block_->sum;
  const u128 scaled = n * block_->sumsq() - sum * sum;
  const double variance_us2 = static_cast<double>(scaled) / static_cast<double>(n * n);
  return std::sqrt(variance_us2) * 1000.0;
}

Duration phi_bootstrap_low(const PhiAccrualConfig& config) {
  return config.first_heartbeat_estimate - config.first_heartbeat_estimate / 4;
}

Duration phi_bootstrap_high(const PhiAccrualConfig& config) {
  return config.first_heartbeat_estimate + config.first_heartbeat_estimate / 4;
}

PhiFit phi_fit(const PhiAccrualConfig& config, const PhiWindow& window) {
  double mean_ns = window.mean_ns();
  double std_dev_ns = window.std_dev_ns();
  if (window.size() == 0) {
    // What a window holding just the two bootstrap samples reports.
    const double lo = PhiWindow::to_sample_us(phi_bootstrap_low(config));
    const double hi = PhiWindow::to_sample_us(phi_bootstrap_high(config));
    mean_ns = (lo + hi) / 2 * 1000.0;
    std_dev_ns = (hi - lo) / 2 * 1000.0;
  }
  return PhiFit{mean_ns + static_cast<double>(config.acceptable_pause.ns()),
                std::max(std_dev_ns, static_cast<double>(config.min_std_dev.ns()))};
}

}  // namespace rumor::core::detect
