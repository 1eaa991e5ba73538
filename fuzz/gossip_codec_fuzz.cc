// libFuzzer harness for the gossip codec (src/core/wire/gossip_codec.h).
//
// decode() is the first-tier error boundary: arbitrary bytes must never crash it, trip a
// sanitizer, or make it allocate beyond what the input's size allows. Whatever it accepts must
// also survive a round trip: encoding the decoded message gives bytes that decode again, to a
// message that encodes to exactly the same bytes (the canonical form is a fixed point). The
// canonical form is never longer than the input, since decode accepts non-minimal varints and
// encode writes minimal ones. Any violation aborts, which libFuzzer reports as a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "core/wire/gossip_codec.h"

namespace {

using rumor::core::Message;
using rumor::core::wire::decode;
using rumor::core::wire::decode_error_name;
using rumor::core::wire::DecodeError;
using rumor::core::wire::encode;
using rumor::core::wire::encoded_size;

// The largest input the harness feeds decode(); bigger inputs must be refused as oversize.
constexpr size_t kMaxInputBytes = 1 << 20;

[[noreturn]] void fail(const char* what, DecodeError e = DecodeError::kNone) {
  std::fprintf(stderr, "gossip_codec_fuzz: %s (%s)\n", what, decode_error_name(e));
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  Message first;
  const DecodeError e = decode(input, kMaxInputBytes, first);
  if (size > kMaxInputBytes && e != DecodeError::kOversize) fail("oversize input accepted", e);
  if (e != DecodeError::kNone) return 0;

  std::vector<uint8_t> canonical;
  encode(first.view(), canonical);
  if (canonical.size() != encoded_size(first.view())) fail("encoded_size disagrees with encode");
  if (canonical.size() > size) fail("re-encoding is longer than the accepted input");

  Message second;
  const DecodeError again = decode(canonical, kMaxInputBytes, second);
  if (again != DecodeError::kNone) fail("re-encoded message does not decode", again);

  std::vector<uint8_t> reencoded;
  encode(second.view(), reencoded);
  if (reencoded != canonical) fail("second re-encoding differs from the first");
  return 0;
}
