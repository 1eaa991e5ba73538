// libFuzzer harness for Serf's ack payload and the Vivaldi client (src/core/serf/coordinate.h):
// decode_ack_payload on arbitrary bytes, then the decoded coordinate into a client's update.
//
// Arbitrary bytes must never crash, trip a sanitizer or assert: they decode or give an error
// value. A payload that decodes is a valid coordinate of the configured dimensionality, and it
// survives a round trip: its encoding decodes to the same value and re-encodes to the same bytes
// (ours is Go's canonical encoding). Fed to a client, as a peer's coordinate or as our own, with
// RTTs across the accepted range, it is always accepted and never leaves the client's
// coordinate NaN, infinite or of another dimensionality.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "base/prng.h"
#include "base/time.h"
#include "core/serf/coordinate.h"

namespace {

namespace cs = rumor::core::serf;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "coordinate_fuzz: %s\n", what);
  std::abort();
}

void check_round_trip(const cs::Coordinate& c) {
  std::vector<uint8_t> bytes;
  cs::encode_ack_payload(c, bytes);
  cs::Coordinate back;
  if (auto e = cs::decode_ack_payload(bytes, back)) {
    std::fprintf(stderr, "re-encoded payload does not decode: %s\n", cs::coordinate_error_name(*e));
    fail("round trip");
  }
  // Compared bit for bit through the bytes: a -0.0 must stay -0.0.
  std::vector<uint8_t> again;
  cs::encode_ack_payload(back, again);
  if (again != bytes) fail("encoding is not a fixed point");
}

void check_client(const cs::CoordinateClient& client) {
  if (!client.coordinate().is_valid()) fail("the client's coordinate is NaN or infinite");
  if (client.coordinate().vec.size() != client.config().dimensionality) {
    fail("the client's coordinate changed dimensionality");
  }
}

void check_updates(const cs::Coordinate& c, uint64_t seed) {
  const rumor::Duration rtts[] = {rumor::Duration::zero(), rumor::Duration::nanos(1),
                                  rumor::Duration::millis(1), rumor::Duration::millis(250),
                                  rumor::Duration::seconds(10)};
  rumor::Prng prng(seed);
  cs::CoordinateClient client{cs::CoordinateConfig{}};
  for (rumor::Duration rtt : rtts) {
    if (client.update("peer", c, rtt, prng)) fail("a valid coordinate was rejected");
    check_client(client);
  }
  // The same coordinate as our own, and a fresh peer's against it (which may coincide).
  if (client.set_coordinate(c)) fail("set_coordinate refused a valid coordinate");
  for (rumor::Duration rtt : rtts) {
    if (client.update("fresh", cs::Coordinate::fresh(client.config()), rtt, prng)) {
      fail("a fresh coordinate was rejected");
    }
    check_client(client);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  cs::Coordinate c;
  if (cs::decode_ack_payload(input, c)) return 0;
  if (!c.is_valid() || c.vec.size() != cs::CoordinateConfig{}.dimensionality) {
    fail("decode_ack_payload accepted an invalid coordinate");
  }
  check_round_trip(c);
  check_updates(c, size);
  return 0;
}
