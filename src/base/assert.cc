#include "base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace rumor::detail {

void assert_failed(const char* cond, const char* file, int line, const char* msg) {
  std::fprintf(stderr, "rumor: invariant broken at %s:%d: %s (%s)\n", file, line, msg, cond);
  std::fflush(stderr);
  std::abort();
}

}  // namespace rumor::detail
