// SerfTestNet: TestNet (membership/test_net.h) over SerfNodes named "n0".."n{n-1}", each with
// the tag role=r{i}. Test-only.
#pragma once

#include <memory>
#include <string>

#include "core/membership/test_net.h"
#include "core/serf/serf_node.h"

namespace rumor::core::serf::testing {

using core::testing::Logged;

class SerfTestNet : public core::testing::TestNet<SerfNode, SerfEvent> {
 public:
  SerfTestNet(size_t n, const SerfConfig& config, uint64_t seed = 1) {
    for (size_t i = 0; i < n; ++i) {
      const std::string name = "n" + std::to_string(i);
      SerfIdentity id;
      id.name = name;
      id.addr = addr(i);
      id.tags = {{"role", "r" + std::to_string(i)}};
      add_node(std::make_unique<SerfNode>(config, dir_, id, seed * 1000 + i, now()));
    }
  }
  ~SerfTestNet() { nodes_.clear(); }  // the nodes go before the directory they point into

  // Every node but n0 joins n0, then the cluster runs for `settle`.
  void join_all(Duration settle = Duration::seconds(5)) {
    const Address seed = addr(0);
    for (size_t i = 1; i < size(); ++i) {
      node(i).join(now(), std::span(&seed, 1));
      drain(i);
    }
    run_for(settle);
  }
  // How many events of `kind` observer logged (about `member`, if given).
  size_t count(size_t observer, SerfEventKind kind, std::string_view member = {}) const {
    size_t n = 0;
    for (const auto& e : events()) {
      if (e.observer == observer && e.event.kind == kind &&
          (member.empty() || e.event.member.name == member)) {
        ++n;
      }
    }
    return n;
  }

 private:
  Directory dir_;
};

}  // namespace rumor::core::serf::testing
