// Network coordinates: Serf's Vivaldi client and the ping-ack payload that carries a coordinate.
//
// Every Serf node keeps an estimate of its own position in a synthetic space where the distance
// between two nodes predicts their round-trip time: an 8-dimensional Euclidean vector plus a
// non-Euclidean height (the access link), an adjustment term, and an error (the node's
// confidence). Each direct ping's RTT and the peer's coordinate, which the peer sends in its
// ack, move the estimate like a spring (Dabek et al., "Vivaldi: A decentralized network
// coordinate system", SIGCOMM 2004), with the refinements of Ledlie et al., "Network
// Coordinates in the Wild" (NSDI 2007: height, a per-peer moving median filter, gravity toward
// the origin) and Lee et al. (IEEE/ACM ToN 2010: the adjustment window).
//
// This is a port of github.com/hashicorp/serf/coordinate (config.go, coordinate.go, client.go)
// that computes the very same doubles, operation for operation (golden tests run Go's client
// beside ours). Go's quirks are kept on purpose, so a rumor node estimates exactly as a Serf node
// would and the golden tests can demand equality: distances are truncated to whole nanoseconds
// and read back as seconds the way time.Duration.Seconds does. Same doubles assumes no fused
// multiply-add: true of Go and of our builds on x86-64.
//
// Differences from Go, all at the edges:
//  - Randomness: when two coordinates coincide, Go's unitVectorAt picks a random direction from
//    the global math/rand source. Here the caller passes its node's Prng, so a run replays from
//    its seed; the direction then differs from Go's (it is random in both).
//  - Limits: the per-peer latency filter tracks at most `max_nodes` peers (Go: unbounded, until
//    ForgetNode). A new peer beyond that evicts the peer updated least recently.
//  - Errors are values (CoordinateError), never panics: the sans-IO core is handed untrusted
//    coordinates and must survive all of them. Config validation is stricter than Go's (which
//    checks only the dimensionality) and bounds every size.
//  - Decoding refuses a few payloads go-msgpack 0.5.5 would read: map keys that are negative
//    fixints (which it misreads as strings), containers beyond the reader's limits, and nesting
//    deeper than 8 in skipped values. Serf never writes any of them.
//
// Wire form (../shared/specs/memberlist-serf-wire.md §8, "Ack payload"; serf/ping_delegate.go):
// 0x01 (PingVersion), then go-msgpack's encoding of the Go struct with codec.MsgpackHandle{}: a
// map {Adjustment f64, Error f64, Height f64, Vec [8]f64}, keys in that order, every float as
// 0xcb + 8 bytes. 130 bytes with 8 dimensions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/prng.h"
#include "base/status.h"
#include "base/time.h"

namespace rumor::core::serf {

// Upper bounds for the config's sizes (Serf uses 8, 20 and 3).
inline constexpr uint32_t kMaxDimensionality = 32;
inline constexpr uint32_t kMaxAdjustmentWindow = 4096;
inline constexpr uint32_t kMaxLatencyFilterSize = 64;
inline constexpr uint32_t kMaxTrackedNodes = 1u << 20;

// The largest RTT sample the client accepts (Go: maxRTT in Client.Update).
inline constexpr Duration kMaxCoordinateRtt = Duration::seconds(10);

// The first byte of an ack payload (serf's PingVersion).
inline constexpr uint8_t kPingVersion = 1;

// Serf's coordinate.Config with DefaultConfig()'s values, plus our limit on tracked peers.
struct CoordinateConfig {
  // Euclidean dimensions (Ledlie et al.: 8 plus the height). 1..kMaxDimensionality.
  uint32_t dimensionality = 8;
  // A fresh node's error, and the cap on it. Finite, > 0.
  double vivaldi_error_max = 1.5;
  // Most an observation can move the error (Vivaldi's c_e). In (0, 1].
  double vivaldi_ce = 0.25;
  // Most an observation can move the coordinate (Vivaldi's c_c). In (0, 1].
  double vivaldi_cc = 0.25;
  // RTT residuals averaged into the adjustment; 0 disables it. 0..kMaxAdjustmentWindow.
  uint32_t adjustment_window_size = 20;
  // The least height, in seconds (it must stay positive). Finite, > 0.
  double height_min = 10.0e-6;
  // RTT samples per peer whose median is used. 1..kMaxLatencyFilterSize.
  uint32_t latency_filter_size = 3;
  // How weakly gravity pulls toward the origin, in seconds. Finite, > 0.
  double gravity_rho = 150.0;
  // Peers whose latency samples are kept (ours, not Go's). 1..kMaxTrackedNodes.
  uint32_t max_nodes = 16384;

  // Names the first field out of range and its allowed range.
  Status validate() const;
};

enum class CoordinateError : uint8_t {
  kDimensionMismatch,   // the vector's length is not the configured dimensionality
  kInvalidCoordinate,   // a component is NaN or infinite
  kRttOutOfRange,       // an RTT below 0 or above kMaxCoordinateRtt
  kEmptyPayload,        // an ack without a payload (Serf ignores it)
  kUnsupportedVersion,  // the payload's first byte is not kPingVersion
  kBadMsgpack,          // the rest is not a coordinate go-msgpack would decode
};
const char* coordinate_error_name(CoordinateError e);

// One node's position. All values are in seconds except the dimensionless error.
struct Coordinate {
  std::vector<double> vec;  // the Euclidean part
  double error = 0.0;       // confidence; lower is better
  double adjustment = 0.0;  // offset learnt from recent residuals (may be negative)
  double height = 0.0;      // the non-Euclidean access-link part (positive)

  // Go's NewCoordinate: at the origin, error vivaldi_error_max, height height_min.
  static Coordinate fresh(const CoordinateConfig& config);

  // No component is NaN or infinite.
  bool is_valid() const;
  bool is_compatible_with(const Coordinate& other) const { return vec.size() == other.vec.size(); }

  // Go's rawDistanceTo: |vec - other.vec| + both heights, in seconds, without adjustments.
  double raw_distance_to(const Coordinate& other) const;
  // Go's DistanceTo: the RTT estimate, adjustments included unless that makes it <= 0,
  // truncated to whole nanoseconds. Symmetric. The dimensions must match (asserted).
  Duration distance_to(const Coordinate& other) const;
  // Go's ApplyForce: this coordinate moved by `force` seconds away from `other` (toward it when
  // negative), the height scaled along. Coincident points take a direction drawn from `prng`.
  // The dimensions must match (asserted).
  Coordinate apply_force(const CoordinateConfig& config, double force, const Coordinate& other,
                         Prng& prng) const;

  bool operator==(const Coordinate&) const = default;
};

// Counters a driver may export (Go's ClientStats.Resets and metrics).
struct CoordinateStats {
  uint64_t resets = 0;     // updates that left the coordinate invalid, so it restarted fresh
  uint64_t rejected = 0;   // samples refused with an error
  uint64_t zero_rtt = 0;   // accepted samples with an RTT of exactly 0
  uint64_t evictions = 0;  // peers dropped from the latency filter to admit a new one
};

// Go's coordinate.Client: this node's coordinate and the state that refines it. Single-threaded
// (Go's mutex is the caller's business). Invariant: coordinate() is valid and has the
// configured dimensionality; at most config.max_nodes peers have latency samples.
class CoordinateClient {
 public:
  // `config` must have validated (asserted).
  explicit CoordinateClient(const CoordinateConfig& config);

  const Coordinate& coordinate() const { return coord_; }
  const CoordinateConfig& config() const { return config_; }
  const CoordinateStats& stats() const { return stats_; }
  size_t tracked_nodes() const { return filters_.size(); }
  // The median of the peer's kept RTT samples in seconds (what the last update used), or
  // nullopt for a peer without samples.
  std::optional<double> median_rtt_seconds(std::string_view node) const;

  // Replaces the coordinate (a restored snapshot, say) if it is compatible and valid.
  std::optional<CoordinateError> set_coordinate(const Coordinate& c);
  // Drops the latency samples of a peer that left.
  void forget_node(std::string_view node);
  // One direct ping to `node` took `rtt` and its ack carried `other`: Vivaldi, the adjustment
  // and gravity move coordinate(). Bad samples are rejected, as Go rejects them, and change
  // nothing. `prng` is the node's generator, drawn from only when coordinates coincide.
  std::optional<CoordinateError> update(std::string_view node, const Coordinate& other,
                                        Duration rtt, Prng& prng);
  // The estimated RTT to a node at `other` (dimensions must match, as for Coordinate).
  Duration distance_to(const Coordinate& other) const { return coord_.distance_to(other); }

 private:
  struct PeerSamples {
    std::vector<double> rtt_seconds;  // oldest first, at most latency_filter_size
    uint64_t last_update = 0;         // this peer's key in by_age_
  };

  std::optional<CoordinateError> check(const Coordinate& c) const;
  double latency_filter(std::string_view node, double rtt_seconds);
  PeerSamples& peer(std::string_view node);
  void evict_oldest();
  void update_vivaldi(const Coordinate& other, double rtt_seconds, Prng& prng);
  void update_adjustment(const Coordinate& other, double rtt_seconds);
  void update_gravity(Prng& prng);

  CoordinateConfig config_;
  Coordinate coord_;
  Coordinate origin_;
  std::vector<double> adjustment_samples_;
  size_t adjustment_index_ = 0;
  // The latency filter: samples by peer, and peers by the tick of their last update (oldest
  // first) to find whom to evict. Plain values, so a client copies safely.
  std::unordered_map<std::string, PeerSamples> filters_;
  std::map<uint64_t, std::string> by_age_;
  uint64_t tick_ = 0;
  CoordinateStats stats_;
};

// Appends Serf's ack payload for `c`: 0x01 and go-msgpack's bytes, identical to Go's.
void encode_ack_payload(const Coordinate& c, std::vector<uint8_t>& out);
// Reads an ack payload as Serf's ping delegate does, as leniently as go-msgpack (any integer or
// float width for a float, nil as zero, unknown keys skipped, the struct as a map with str keys
// or as an array, bytes after the object ignored), then insists on `dimensionality` finite
// components. On an error `out` is unspecified. Never throws or asserts on input.
std::optional<CoordinateError> decode_ack_payload(std::span<const uint8_t> payload, Coordinate& out,
                                                  uint32_t dimensionality = 8);

}  // namespace rumor::core::serf
