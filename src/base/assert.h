// RUMOR_ASSERT: the third error tier, a broken invariant.
//
// Always on (tests, simulator and release builds alike): it prints the condition, the place and
// the message to stderr and aborts. It is never used for untrusted input, which is counted and
// dropped instead.
#pragma once

namespace rumor::detail {
[[noreturn]] void assert_failed(const char* cond, const char* file, int line, const char* msg);
}  // namespace rumor::detail

#define RUMOR_ASSERT(cond, msg)                                                  \
  do {                                                                           \
    if (!(cond)) ::rumor::detail::assert_failed(#cond, __FILE__, __LINE__, msg); \
  } while (0)
