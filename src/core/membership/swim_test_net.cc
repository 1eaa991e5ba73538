#include "core/membership/swim_test_net.h"

#include <algorithm>

namespace rumor::core::testing {

SwimTestNet::SwimTestNet(size_t n, const SwimConfig& config, bool formed, uint64_t seed)
    : config_(config) {
  for (size_t i = 0; i < n; ++i) {
    SwimIdentity id;
    const std::string name = "n" + std::to_string(i);
    id.name = name;
    id.addr = addr(i);
    add_node(std::make_unique<SwimNode>(config_, dir_, id, seed * 1000 + i, now()));
  }
  if (!formed) return;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      auto identity = dir_.intern_identity(name(j), addr(j));
      nodes_[i]->restore_member(now(), *identity, 1);
    }
  }
}

std::optional<Time> SwimTestNet::first(SwimEventKind kind, size_t member, size_t observer) const {
  for (const LoggedEvent& e : events()) {
    if (e.event.kind == kind && e.event.member == name(member) &&
        (observer == SIZE_MAX || e.observer == observer)) {
      return e.event.at;
    }
  }
  return std::nullopt;
}

size_t SwimTestNet::count(SwimEventKind kind, size_t member) const {
  return static_cast<size_t>(
      std::count_if(events().begin(), events().end(), [&](const LoggedEvent& e) {
        return e.event.kind == kind && e.event.member == name(member);
      }));
}

}  // namespace rumor::core::testing
