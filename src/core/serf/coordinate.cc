#include "core/serf/coordinate.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "base/assert.h"
#include "core/wire/go_msgpack.h"

namespace rumor::core::serf {
namespace {

namespace gm = rumor::core::wire::gomsgpack;

// Go's zeroThreshold: closer than this (1 us) two coordinates count as on top of each other.
constexpr double kZeroThreshold = 1.0e-6;
constexpr double kSecondsToNanoseconds = 1.0e9;
constexpr double kTwoTo63 = 9223372036854775808.0;

// --- Go's arithmetic, where it is not plain IEEE ------------------------------------------------

// time.Duration(seconds * 1e9) as Go compiles it on amd64 (CVTTSD2SQ): truncation toward zero,
// and the "integer indefinite" value, the least int64, for NaN and out-of-range values. C++
// leaves those undefined, so they are spelled out.
int64_t go_duration_ns(double seconds) {
  const double ns = seconds * kSecondsToNanoseconds;
  if (!(ns >= -kTwoTo63 && ns < kTwoTo63)) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(ns);
}

// time.Duration.Seconds: whole seconds and the remainder converted apart, which is not always
// the same double as ns / 1e9.
double go_seconds(int64_t ns) {
  const int64_t sec = ns / 1'000'000'000;
  const int64_t nsec = ns % 1'000'000'000;
  return static_cast<double>(sec) + static_cast<double>(nsec) / 1e9;
}

// math.Max, with Go's handling of NaN, infinities and signed zeros.
double go_max(double x, double y) {
  if (std::isinf(x) && x > 0) return x;
  if (std::isinf(y) && y > 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}

// math.Pow(x, 2). Go's Pow squares the mantissa from Frexp and scales it back with Ldexp, which
// is x * x exactly except where the square is subnormal (a gravity force below 1e-300 s, which
// moves nothing).
double go_square(double x) {
  return x * x;
}

// --- vectors, in Go's order of operations -------------------------------------------------------

double magnitude(const std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v)
    sum += x * x;
  return std::sqrt(sum);
}

std::vector<double> diff(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> out(a.size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = a[i] - b[i];
  return out;
}

void scale(std::vector<double>& v, double factor) {
  for (double& x : v)
    x *= factor;
}

// Go's unitVectorAt: the unit vector pointing at `a` from `b`, and their distance. Coincident
// points get a random direction (Go: the global math/rand; here the caller's Prng) and a
// distance of 0, so the caller leaves the height alone.
std::vector<double> unit_vector_at(const std::vector<double>& a, const std::vector<double>& b,
                                   Prng& prng, double& mag_out) {
  std::vector<double> v = diff(a, b);
  mag_out = magnitude(v);
  if (mag_out > kZeroThreshold) {
    scale(v, 1.0 / mag_out);
    return v;
  }
  mag_out = 0.0;
  for (double& x : v)
    x = prng.unit() - 0.5;
  const double mag = magnitude(v);
  if (mag > kZeroThreshold) {
    scale(v, 1.0 / mag);
    return v;
  }
  // Eight draws all within 1e-6 of 0.5: Go gives up and points along the first axis.
  std::fill(v.begin(), v.end(), 0.0);
  v[0] = 1.0;
  return v;
}

// Go's latencyFilter: the upper median of a sorted copy.
double median(const std::vector<double>& samples) {
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  return sorted[sorted.size() / 2];
}

bool finite(double x) {
  return std::isfinite(x);
}

// --- config validation --------------------------------------------------------------------------

std::string format_double(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

Status out_of_range(const char* field, const char* range, const std::string& got) {
  return Status::error(std::string(field) + ": must be " + range + ", got " + got);
}

Status check_uint(const char* field, uint32_t v, uint32_t lo, uint32_t hi) {
  if (v >= lo && v <= hi) return Status::ok();
  const std::string range = "in " + std::to_string(lo) + ".." + std::to_string(hi);
  return out_of_range(field, range.c_str(), std::to_string(v));
}

Status check_positive(const char* field, double v) {
  if (finite(v) && v > 0) return Status::ok();
  return out_of_range(field, "finite and > 0", format_double(v));
}

Status check_fraction(const char* field, double v) {
  if (v > 0 && v <= 1) return Status::ok();
  return out_of_range(field, "in (0, 1]", format_double(v));
}

// --- decoding as go-msgpack does ----------------------------------------------------------------

// go-msgpack's decodeFloat into a float64 field: either float width, any integer (a uint64
// above the int64 range wraps negative, as Go's int64 conversion does), nil as 0.
std::optional<CoordinateError> read_go_float(const msgpack::object& o, double& out) {
  switch (o.type) {
    case msgpack::type::NIL:
      out = 0.0;
      return std::nullopt;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      out = o.via.f64;
      return std::nullopt;
    case msgpack::type::POSITIVE_INTEGER:
      out = static_cast<double>(static_cast<int64_t>(o.via.u64));
      return std::nullopt;
    case msgpack::type::NEGATIVE_INTEGER:
      out = static_cast<double>(o.via.i64);
      return std::nullopt;
    default:
      return CoordinateError::kBadMsgpack;
  }
}

// go-msgpack's kSlice for []float64: nil empties it; an array (or a map, read as key, value,
// key, ...) overwrites the first n elements, growing the slice to n but never shrinking it, as
// Go does when a key repeats.
std::optional<CoordinateError> read_vec(const msgpack::object& o, std::vector<double>& vec) {
  if (o.type == msgpack::type::NIL) {
    vec.clear();
    return std::nullopt;
  }
  std::vector<const msgpack::object*> items;
  if (o.type == msgpack::type::ARRAY) {
    for (uint32_t i = 0; i < o.via.array.size; ++i)
      items.push_back(&o.via.array.ptr[i]);
  } else if (o.type == msgpack::type::MAP) {
    for (uint32_t i = 0; i < o.via.map.size; ++i) {
      items.push_back(&o.via.map.ptr[i].key);
      items.push_back(&o.via.map.ptr[i].val);
    }
  } else {
    return CoordinateError::kBadMsgpack;
  }
  if (items.size() > vec.size()) vec.resize(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (auto e = read_go_float(*items[i], vec[i])) return e;
  }
  return std::nullopt;
}

// The fields of Go's Coordinate in declaration order: the order of its array form.
constexpr std::array<std::string_view, 4> kDeclarationOrder = {"Vec", "Error", "Adjustment",
                                                               "Height"};

std::optional<CoordinateError> read_field(std::string_view key, const msgpack::object& v,
                                          Coordinate& c) {
  if (key == "Vec") return read_vec(v, c.vec);
  if (key == "Error") return read_go_float(v, c.error);
  if (key == "Adjustment") return read_go_float(v, c.adjustment);
  if (key == "Height") return read_go_float(v, c.height);
  return std::nullopt;  // go-msgpack skips keys the struct does not have
}

// go-msgpack 0.5.5's kStruct. Not gomsgpack::read_struct, which also takes bin keys: this
// version reads a key only from the str family (a bin key fails the whole decode, as the
// golden test shows), and a nil key as the empty name, which matches no field.
std::optional<CoordinateError> read_coordinate(const msgpack::object& o, Coordinate& c) {
  switch (o.type) {
    case msgpack::type::NIL:
      return std::nullopt;
    case msgpack::type::MAP:
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const msgpack::object_kv& kv = o.via.map.ptr[i];
        if (kv.key.type == msgpack::type::NIL) continue;
        if (kv.key.type != msgpack::type::STR) return CoordinateError::kBadMsgpack;
        const std::string_view key(kv.key.via.str.ptr, kv.key.via.str.size);
        if (auto e = read_field(key, kv.val, c)) return e;
      }
      return std::nullopt;
    case msgpack::type::ARRAY:
      for (uint32_t i = 0; i < o.via.array.size && i < kDeclarationOrder.size(); ++i) {
        if (auto e = read_field(kDeclarationOrder[i], o.via.array.ptr[i], c)) return e;
      }
      return std::nullopt;  // extra elements are read and dropped
    default:
      return CoordinateError::kBadMsgpack;
  }
}

void put_f64(std::vector<uint8_t>& out, double v) {
  out.push_back(0xcb);
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<uint8_t>(bits >> shift));
}

}  // namespace

const char* coordinate_error_name(CoordinateError e) {
  switch (e) {
    case CoordinateError::kDimensionMismatch:
      return "dimension mismatch";
    case CoordinateError::kInvalidCoordinate:
      return "invalid coordinate (NaN or infinite component)";
    case CoordinateError::kRttOutOfRange:
      return "rtt out of range";
    case CoordinateError::kEmptyPayload:
      return "empty payload";
    case CoordinateError::kUnsupportedVersion:
      return "unsupported ping version";
    case CoordinateError::kBadMsgpack:
      return "bad msgpack";
  }
  return "unknown";
}

Status CoordinateConfig::validate() const {
  Status s = check_uint("dimensionality", dimensionality, 1, kMaxDimensionality);
  if (s.is_ok()) s = check_positive("vivaldi_error_max", vivaldi_error_max);
  if (s.is_ok()) s = check_fraction("vivaldi_ce", vivaldi_ce);
  if (s.is_ok()) s = check_fraction("vivaldi_cc", vivaldi_cc);
  if (s.is_ok()) {
    s = check_uint("adjustment_window_size", adjustment_window_size, 0, kMaxAdjustmentWindow);
  }
  if (s.is_ok()) s = check_positive("height_min", height_min);
  if (s.is_ok()) {
    s = check_uint("latency_filter_size", latency_filter_size, 1, kMaxLatencyFilterSize);
  }
  if (s.is_ok()) s = check_positive("gravity_rho", gravity_rho);
  if (s.is_ok()) s = check_uint("max_nodes", max_nodes, 1, kMaxTrackedNodes);
  return s;
}

// --- Coordinate ---------------------------------------------------------------------------------

Coordinate Coordinate::fresh(const CoordinateConfig& config) {
  Coordinate c;
  c.vec.assign(config.dimensionality, 0.0);
  c.error = config.vivaldi_error_max;
  c.height = config.height_min;
  return c;
}

bool Coordinate::is_valid() const {
  return std::all_of(vec.begin(), vec.end(), finite) && finite(error) && finite(adjustment) &&
         finite(height);
}

double Coordinate::raw_distance_to(const Coordinate& other) const {
  return magnitude(diff(vec, other.vec)) + height + other.height;
}

Duration Coordinate::distance_to(const Coordinate& other) const {
  RUMOR_ASSERT(is_compatible_with(other), "distance_to: coordinate dimensions differ");
  double dist = raw_distance_to(other);
  const double adjusted = dist + adjustment + other.adjustment;
  if (adjusted > 0.0) dist = adjusted;
  return Duration::nanos(go_duration_ns(dist));
}

Coordinate Coordinate::apply_force(const CoordinateConfig& config, double force,
                                   const Coordinate& other, Prng& prng) const {
  RUMOR_ASSERT(is_compatible_with(other), "apply_force: coordinate dimensions differ");
  RUMOR_ASSERT(!vec.empty(), "apply_force: a coordinate needs at least one dimension");
  Coordinate ret = *this;
  double mag = 0.0;
  const std::vector<double> unit = unit_vector_at(vec, other.vec, prng, mag);
  for (size_t i = 0; i < ret.vec.size(); ++i)
    ret.vec[i] = ret.vec[i] + unit[i] * force;
  if (mag > kZeroThreshold) {
    ret.height = (ret.height + other.height) * force / mag + ret.height;
    ret.height = go_max(ret.height, config.height_min);
  }
  return ret;
}

// --- CoordinateClient ---------------------------------------------------------------------------

CoordinateClient::CoordinateClient(const CoordinateConfig& config)
    : config_(config),
      coord_(Coordinate::fresh(config)),
      origin_(Coordinate::fresh(config)),
      adjustment_samples_(config.adjustment_window_size, 0.0) {
  RUMOR_ASSERT(config.validate().is_ok(), "CoordinateClient: config must validate");
}

std::optional<CoordinateError> CoordinateClient::check(const Coordinate& c) const {
  if (!coord_.is_compatible_with(c)) return CoordinateError::kDimensionMismatch;
  if (!c.is_valid()) return CoordinateError::kInvalidCoordinate;
  return std::nullopt;
}

std::optional<CoordinateError> CoordinateClient::set_coordinate(const Coordinate& c) {
  if (auto e = check(c)) return e;
  coord_ = c;
  return std::nullopt;
}

void CoordinateClient::forget_node(std::string_view node) {
  const auto it = filters_.find(std::string(node));
  if (it == filters_.end()) return;
  by_age_.erase(it->second.last_update);
  filters_.erase(it);
}

std::optional<CoordinateError> CoordinateClient::update(std::string_view node,
                                                        const Coordinate& other, Duration rtt,
                                                        Prng& prng) {
  std::optional<CoordinateError> e = check(other);
  if (!e && (rtt < Duration::zero() || rtt > kMaxCoordinateRtt)) {
    e = CoordinateError::kRttOutOfRange;
  }
  if (e) {
    ++stats_.rejected;
    return e;
  }
  // Coarse clocks do report a zero RTT (hashicorp/consul#3789); the filter and the Vivaldi
  // step cope with it, so it is only counted.
  if (rtt == Duration::zero()) ++stats_.zero_rtt;
  const double rtt_seconds = latency_filter(node, go_seconds(rtt.ns()));
  update_vivaldi(other, rtt_seconds, prng);
  update_adjustment(other, rtt_seconds);
  update_gravity(prng);
  if (!coord_.is_valid()) {
    ++stats_.resets;
    coord_ = Coordinate::fresh(config_);
  }
  return std::nullopt;
}

CoordinateClient::PeerSamples& CoordinateClient::peer(std::string_view node) {
  std::string key(node);
  auto it = filters_.find(key);
  if (it != filters_.end()) {
    by_age_.erase(it->second.last_update);
  } else {
    if (filters_.size() >= config_.max_nodes) evict_oldest();
    it = filters_.emplace(key, PeerSamples{}).first;
    it->second.rtt_seconds.reserve(config_.latency_filter_size + 1);
  }
  it->second.last_update = ++tick_;
  by_age_.emplace(tick_, std::move(key));
  return it->second;
}

void CoordinateClient::evict_oldest() {
  const auto oldest = by_age_.begin();
  filters_.erase(oldest->second);
  by_age_.erase(oldest);
  ++stats_.evictions;
}

std::optional<double> CoordinateClient::median_rtt_seconds(std::string_view node) const {
  const auto it = filters_.find(std::string(node));
  if (it == filters_.end()) return std::nullopt;
  return median(it->second.rtt_seconds);
}

// A moving median over the peer's last latency_filter_size samples, to ride out blips
// (Ledlie et al. §4).
double CoordinateClient::latency_filter(std::string_view node, double rtt_seconds) {
  std::vector<double>& samples = peer(node).rtt_seconds;
  samples.push_back(rtt_seconds);
  if (samples.size() > config_.latency_filter_size) samples.erase(samples.begin());
  return median(samples);
}

// Vivaldi's adaptive timestep (Dabek et al. §3.3): the less sure we are relative to the peer,
// the further the sample moves both our error and our position.
void CoordinateClient::update_vivaldi(const Coordinate& other, double rtt_seconds, Prng& prng) {
  const double dist = go_seconds(coord_.distance_to(other).ns());
  const double rtt = std::max(rtt_seconds, kZeroThreshold);
  const double wrongness = std::abs(dist - rtt) / rtt;
  double total_error = coord_.error + other.error;
  if (total_error < kZeroThreshold) total_error = kZeroThreshold;
  const double weight = coord_.error / total_error;
  const double ce = config_.vivaldi_ce;
  coord_.error = ce * weight * wrongness + coord_.error * (1.0 - ce * weight);
  if (coord_.error > config_.vivaldi_error_max) coord_.error = config_.vivaldi_error_max;
  const double delta = config_.vivaldi_cc * weight;
  const double force = delta * (rtt - dist);
  coord_ = coord_.apply_force(config_, force, other, prng);
}

// The adjustment (Lee et al.): half the mean residual of the last window samples, measured
// against the raw distance so earlier adjustments do not feed back into it.
void CoordinateClient::update_adjustment(const Coordinate& other, double rtt_seconds) {
  const uint32_t window = config_.adjustment_window_size;
  if (window == 0) return;
  const double dist = coord_.raw_distance_to(other);
  adjustment_samples_[adjustment_index_] = rtt_seconds - dist;
  adjustment_index_ = (adjustment_index_ + 1) % window;
  double sum = 0.0;
  for (double s : adjustment_samples_)
    sum += s;
  coord_.adjustment = sum / (2.0 * static_cast<double>(window));
}

// Gravity (Ledlie et al. §5): a pull toward the origin, quadratic in the distance, so the
// coordinates of a whole cluster cannot drift away together.
void CoordinateClient::update_gravity(Prng& prng) {
  const double dist = go_seconds(origin_.distance_to(coord_).ns());
  const double force = -1.0 * go_square(dist / config_.gravity_rho);
  coord_ = coord_.apply_force(config_, force, origin_, prng);
}

// --- the ack payload ----------------------------------------------------------------------------

void encode_ack_payload(const Coordinate& c, std::vector<uint8_t>& out) {
  out.push_back(kPingVersion);
  gm::Encoder enc(out);
  // Go's struct order would be Vec first; go-msgpack writes the keys sorted.
  enc.map_header(4);
  enc.str("Adjustment");
  put_f64(out, c.adjustment);
  enc.str("Error");
  put_f64(out, c.error);
  enc.str("Height");
  put_f64(out, c.height);
  enc.str("Vec");
  if (c.vec.empty()) {
    enc.nil();  // what Go writes for the nil slice of a zero Coordinate
    return;
  }
  enc.array_header(static_cast<uint32_t>(c.vec.size()));
  for (double v : c.vec)
    put_f64(out, v);
}

std::optional<CoordinateError> decode_ack_payload(std::span<const uint8_t> payload, Coordinate& out,
                                                  uint32_t dimensionality) {
  if (payload.empty()) return CoordinateError::kEmptyPayload;
  if (payload[0] != kPingVersion) return CoordinateError::kUnsupportedVersion;
  gm::Reader reader(payload.subspan(1));
  msgpack::object o;
  if (reader.next(o)) return CoordinateError::kBadMsgpack;
  out = Coordinate{};
  if (auto e = read_coordinate(o, out)) return e;
  if (out.vec.size() != dimensionality) return CoordinateError::kDimensionMismatch;
  if (!out.is_valid()) return CoordinateError::kInvalidCoordinate;
  return std::nullopt;
}

}  // namespace rumor::core::serf
