// PeerSampler: where an engine's gossip partners come from.
//
// The gossip engine never owns a peer list. It asks a sampler, so the same engine runs over the
// member table in the agent (peers are the members this node believes alive) and over a uniform
// sampler of all nodes in a million-node simulation (no per-node list at all). A sampler is
// handed the node's own Prng so that every random choice stays on that node's one stream.
//
// Policies (PeerSelection): uniform random, and least-recently-contacted (the peers this node
// has gone longest without contacting; ties broken at random), which spreads exchanges evenly.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/prng.h"
#include "base/time.h"
#include "core/node_id.h"

namespace rumor::core {

enum class PeerSelection : uint8_t { kUniform, kLeastRecentlyContacted };
std::string_view peer_selection_name(PeerSelection p);

class PeerSampler {
 public:
  virtual ~PeerSampler() = default;
  // Appends up to k distinct peers of `self` (never `self`) to `out`. A sampler that tracks
  // contact times counts the chosen peers as contacted at `now`.
  virtual void sample(NodeId self, Prng& prng, uint32_t k, Time now, std::vector<NodeId>& out) = 0;
  // Appends every peer `self` knows of (direct mail sends to all of them).
  virtual void all(NodeId self, std::vector<NodeId>& out) = 0;
};

// Uniform sampling over the nodes 0..n-1 of a simulated world, with no per-node state: the
// sampler of large simulations. Needs n >= 2 to return anyone.
class UniformSampler final : public PeerSampler {
 public:
  explicit UniformSampler(uint32_t n) : n_(n) {}
  void sample(NodeId self, Prng& prng, uint32_t k, Time now, std::vector<NodeId>& out) override;
  void all(NodeId self, std::vector<NodeId>& out) override;
  uint32_t size() const { return n_; }

 private:
  uint32_t n_;
};

// Least-recently-contacted over nodes 0..n-1: keeps, for each node, when it last contacted each
// other node (n*n times, so it is meant for worlds of up to a few thousand nodes).
class LeastRecentSampler final : public PeerSampler {
 public:
  explicit LeastRecentSampler(uint32_t n);
  void sample(NodeId self, Prng& prng, uint32_t k, Time now, std::vector<NodeId>& out) override;
  void all(NodeId self, std::vector<NodeId>& out) override;

 private:
  uint32_t n_;
  std::vector<int64_t> last_contact_ns_;  // [self * n + peer]; INT64_MIN when never
};

// Appends k distinct members of `candidates`, uniformly (a partial Fisher-Yates shuffle, which
// reorders `candidates` in place); used by samplers over explicit lists such as a member table.
void sample_distinct(std::vector<NodeId>& candidates, Prng& prng, uint32_t k,
                     std::vector<NodeId>& out);

}  // namespace rumor::core
