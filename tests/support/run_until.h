// run_until: runs a net::Loop in short slices until `done` holds or `limit` passes, for the
// wall-clock suites in tests/net (they wait for an outcome, never for a fixed time).
#pragma once

#include <chrono>
#include <functional>

#include "net/loop.h"

namespace rumor::testing {

inline bool run_until(net::Loop& loop, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    loop.io().run_for(std::chrono::milliseconds(5));
  }
  return done();
}

}  // namespace rumor::testing
