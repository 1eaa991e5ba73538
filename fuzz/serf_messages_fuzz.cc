// libFuzzer harness for Serf's messages (src/core/serf/serf_messages.h): decode_message, the
// typed decoder of the same type, and decode_filter, on arbitrary bytes. The seed corpus
// (fuzz/corpus/serf_messages/) holds one message of every type and both filters, as Go's
// go-msgpack wrote them (tests/interop/golden serf-vectors).
//
// Arbitrary bytes must never crash, trip a sanitizer or assert: they are rejected with an error.
// The typed decoder must agree with decode_message. Every value that decodes must survive a
// round trip: encoding it gives bytes that decode to the same value and re-encode to the same
// bytes (our encoding is canonical: Go's), unless the canonical form outgrows the message limit
// (a struct sent as an array comes back as a map, with its keys). A relay's inner message is
// decoded too.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

#include "core/serf/serf_messages.h"

namespace {

namespace serf = rumor::core::serf;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "serf_messages_fuzz: %s\n", what);
  std::abort();
}

// The typed decoder of m's type gives the same value.
template <typename T>
void check_typed(std::span<const uint8_t> input, const T& want) {
  T typed;
  if (serf::decode(input, typed)) fail("the typed decoder rejects what decode_message took");
  if (!(typed == want)) fail("the typed decoder and decode_message disagree");
}

void check_message(std::span<const uint8_t> input, int depth) {
  serf::Message first;
  if (serf::decode_message(input, first)) return;
  std::visit([&](const auto& m) { check_typed(input, m); }, first);
  std::vector<uint8_t> bytes;
  serf::encode(first, bytes);
  if (bytes.size() > serf::max_message_bytes(serf::type_of(first))) return;
  serf::Message second;
  if (auto e = serf::decode_message(bytes, second)) {
    std::fprintf(stderr, "re-encoded message does not decode: %s\n", serf::serf_error_name(*e));
    fail("round trip");
  }
  if (!(second == first)) fail("re-encoded message decodes to another value");
  std::vector<uint8_t> again;
  serf::encode(second, again);
  if (again != bytes) fail("encoding is not a fixed point");
  if (const auto* relay = std::get_if<serf::Relay>(&first); relay != nullptr && depth == 0) {
    check_message(relay->message, depth + 1);
  }
}

void check_filter(std::span<const uint8_t> input) {
  serf::Filter first;
  if (serf::decode_filter(input, first)) return;
  std::vector<uint8_t> bytes;
  serf::encode_filter(first, bytes);
  if (bytes.size() > serf::kMaxSerfMessageBytes) return;
  serf::Filter second;
  if (auto e = serf::decode_filter(bytes, second)) {
    std::fprintf(stderr, "re-encoded filter does not decode: %s\n", serf::serf_error_name(*e));
    fail("filter round trip");
  }
  if (!(second == first)) fail("re-encoded filter decodes to another value");
  std::vector<uint8_t> again;
  serf::encode_filter(second, again);
  if (again != bytes) fail("filter encoding is not a fixed point");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  check_message(input, 0);
  check_filter(input);
  return 0;
}
