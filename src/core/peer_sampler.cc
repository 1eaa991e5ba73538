#include "core/peer_sampler.h"

#include <algorithm>
#include <limits>

namespace rumor::core {

std::string_view peer_selection_name(PeerSelection p) {
  return p == PeerSelection::kUniform ? "uniform" : "least-recent";
}

void UniformSampler::sample(NodeId self, Prng& prng, uint32_t k, Time /*now*/,
                            std::vector<NodeId>& out) {
  const size_t start = out.size();
  const uint32_t others = n_ > 0 ? n_ - 1 : 0;
  k = std::min(k, others);
  while (out.size() - start < k) {
    // Draw from the n-1 others directly: index i maps to i, skipping self.
    auto peer = static_cast<NodeId>(prng.uniform(others));
    if (peer >= self) ++peer;
    if (std::find(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(), peer) == out.end()) {
      out.push_back(peer);
    }
  }
}

void UniformSampler::all(NodeId self, std::vector<NodeId>& out) {
  for (NodeId i = 0; i < n_; ++i) {
    if (i != self) out.push_back(i);
  }
}

LeastRecentSampler::LeastRecentSampler(uint32_t n)
    : n_(n), last_contact_ns_(static_cast<size_t>(n) * n, std::numeric_limits<int64_t>::min()) {}

void LeastRecentSampler::sample(NodeId self, Prng& prng, uint32_t k, Time now,
                                std::vector<NodeId>& out) {
  int64_t* row = &last_contact_ns_[static_cast<size_t>(self) * n_];
  const size_t start = out.size();
  for (uint32_t picked = 0; picked < k && picked + 1 < n_; ++picked) {
    // The oldest contact time among the others not yet picked in this call; reservoir-sample
    // among ties.
    NodeId best = kNoNode;
    int64_t best_t = std::numeric_limits<int64_t>::max();
    uint64_t ties = 0;
    for (NodeId p = 0; p < n_; ++p) {
      if (p == self) continue;
      if (std::find(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(), p) != out.end()) {
        continue;
      }
      if (row[p] < best_t) {
        best_t = row[p];
        best = p;
        ties = 1;
      } else if (row[p] == best_t && prng.uniform(++ties) == 0) {
        best = p;
      }
    }
    out.push_back(best);
    row[best] = now.ns();
  }
}

void LeastRecentSampler::all(NodeId self, std::vector<NodeId>& out) {
  for (NodeId i = 0; i < n_; ++i) {
    if (i != self) out.push_back(i);
  }
}

void sample_distinct(std::vector<NodeId>& candidates, Prng& prng, uint32_t k,
                     std::vector<NodeId>& out) {
  const size_t n = candidates.size();
  for (size_t i = 0; i < n && i < k; ++i) {
    const size_t j = i + static_cast<size_t>(prng.uniform(n - i));
    std::swap(candidates[i], candidates[j]);
    out.push_back(candidates[i]);
  }
}

}  // namespace rumor::core
