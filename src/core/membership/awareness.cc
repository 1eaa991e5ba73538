#include "core/membership/awareness.h"

#include <algorithm>

#include "base/assert.h"

namespace rumor::core {

Awareness::Awareness(uint32_t max_multiplier) : max_(max_multiplier) {
  RUMOR_ASSERT(max_multiplier >= 1, "awareness max multiplier must be at least 1");
}

void Awareness::apply_delta(int delta) {
  // In 64 bits so no delta can overflow before the clamp.
  const int64_t next = int64_t{score_} + delta;
  score_ = static_cast<uint32_t>(std::clamp<int64_t>(next, 0, int64_t{max_} - 1));
}

}  // namespace rumor::core
