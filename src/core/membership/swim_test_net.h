// SwimTestNet: TestNet (test_net.h) over SwimNodes, with helpers that read member states and
// the logged member events. Test-only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/membership/swim_node.h"
#include "core/membership/test_net.h"

namespace rumor::core::testing {

using LoggedEvent = Logged<SwimEvent>;

class SwimTestNet : public TestNet<SwimNode, SwimEvent> {
 public:
  // n nodes named "n0".."n{n-1}" at addr(i). `formed`: everyone starts knowing everyone
  // (restore_member), else each node knows only itself.
  SwimTestNet(size_t n, const SwimConfig& config, bool formed = true, uint64_t seed = 1);
  ~SwimTestNet() { nodes_.clear(); }  // the nodes go before the directory they point into

  NameId name(size_t i) const { return *dir_.find_name("n" + std::to_string(i)); }
  Directory& directory() { return dir_; }
  // Member i's state in observer's view; nullopt when observer does not know it (or forgot it).
  std::optional<SwimState> state(size_t observer, size_t member) const {
    const SwimMember* m = nodes_[observer]->find(name(member));
    if (m == nullptr) return std::nullopt;
    return m->state;
  }
  // The first time `observer` (any observer if SIZE_MAX) logged `kind` about member i.
  std::optional<Time> first(SwimEventKind kind, size_t member, size_t observer = SIZE_MAX) const;
  size_t count(SwimEventKind kind, size_t member) const;

 private:
  SwimConfig config_;
  Directory dir_;
};

}  // namespace rumor::core::testing
