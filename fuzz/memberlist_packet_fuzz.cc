// libFuzzer harness for memberlist packets (src/core/wire/memberlist_codec.h): unwrap_packet
// and the decoder of every message it finds.
//
// Arbitrary bytes must never crash, trip a sanitizer or assert: they are counted and dropped.
// Every part unwrap_packet returns must be a view inside the input. Every body that decodes must
// survive a round trip: encoding it gives bytes that decode to the same value and re-encode to
// the same bytes (our encoding is canonical: Go's). The input is unwrapped twice, once expecting
// no label and once expecting the label "dc1", so both label paths are explored.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include "core/wire/memberlist_codec.h"

namespace {

namespace ml = rumor::core::wire::ml;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "memberlist_packet_fuzz: %s\n", what);
  std::abort();
}

template <typename T>
void check_round_trip(std::span<const uint8_t> body) {
  T first;
  if (ml::decode(body, first)) return;
  std::vector<uint8_t> bytes;
  ml::encode(first, bytes);
  T second;
  if (auto e = ml::decode(std::span(bytes).subspan(1), second)) {
    std::fprintf(stderr, "re-encoded message does not decode: %s\n", ml::ml_error_name(*e));
    fail("round trip");
  }
  if (!(second == first)) fail("re-encoded message decodes to another value");
  std::vector<uint8_t> again;
  ml::encode(second, again);
  if (again != bytes) fail("encoding is not a fixed point");
}

void check_part(const ml::PacketPart& part) {
  switch (part.type) {
    case ml::MsgType::kPing:
      return check_round_trip<ml::Ping>(part.body);
    case ml::MsgType::kIndirectPing:
      return check_round_trip<ml::IndirectPingReq>(part.body);
    case ml::MsgType::kAck:
      return check_round_trip<ml::AckResp>(part.body);
    case ml::MsgType::kNack:
      return check_round_trip<ml::NackResp>(part.body);
    case ml::MsgType::kSuspect:
      return check_round_trip<ml::Suspect>(part.body);
    case ml::MsgType::kAlive:
      return check_round_trip<ml::Alive>(part.body);
    case ml::MsgType::kDead:
      return check_round_trip<ml::Dead>(part.body);
    case ml::MsgType::kUser:
      return;
    default:
      fail("unwrap_packet returned a type it must not");
  }
}

void unwrap(std::span<const uint8_t> input, std::string_view label) {
  std::vector<ml::PacketPart> parts;
  ml::MlErrorCounts errors{};
  ml::unwrap_packet(input, label, parts, errors);
  for (const ml::PacketPart& part : parts) {
    const uint8_t* begin = input.data();
    const uint8_t* end = input.data() + input.size();
    if (part.body.data() < begin || part.body.data() + part.body.size() > end) {
      fail("a part's body is not inside the packet");
    }
    check_part(part);
  }
}

// With scratch, compressed messages are decompressed (LZW from untrusted bytes): every part
// must still decode as its type says, and at least the parts found without scratch come out.
void unwrap_with_scratch(std::span<const uint8_t> input) {
  std::vector<ml::PacketPart> plain_parts, parts;
  ml::MlErrorCounts errors{};
  ml::unwrap_packet(input, "", plain_parts, errors);
  ml::UnwrapScratch scratch;
  ml::unwrap_packet(input, "", parts, errors, &scratch);
  if (parts.size() < plain_parts.size()) fail("decompressing lost parts");
  for (const ml::PacketPart& part : parts)
    check_part(part);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  unwrap(input, "");
  unwrap(input, "dc1");
  unwrap_with_scratch(input);
  return 0;
}
