// libFuzzer harness for Go-compatible LZW (src/core/wire/lzw.h) and memberlist's compress
// message (src/core/wire/compress_message.h).
//
// Arbitrary bytes, read as an LZW stream and as a compress message body, must never crash, trip
// a sanitizer or assert, and never produce more than the limit. Whenever a stream decodes, its
// output must survive our own round trip: compressing it and decompressing that gives it back
// (and the compress message wrapping it decodes to it too).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "core/wire/compress_message.h"
#include "core/wire/lzw.h"

namespace {

namespace lzw = rumor::core::wire::lzw;
namespace ml = rumor::core::wire::ml;

// Enough for a few bombs' worth of fan-out, small enough to keep each run fast.
constexpr size_t kMaxOut = 1 << 20;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "lzw_fuzz: %s\n", what);
  std::abort();
}

void check_round_trip(const std::vector<uint8_t>& plain) {
  std::vector<uint8_t> stream;
  lzw::compress(plain, stream);
  std::vector<uint8_t> again;
  if (auto e = lzw::decompress(stream, plain.size(), again)) {
    std::fprintf(stderr, "our own stream does not decode: %s\n", lzw::error_name(*e));
    fail("round trip");
  }
  if (again != plain) fail("our own stream decodes to other bytes");

  std::vector<uint8_t> msg;
  ml::encode_compressed(plain, msg);
  if (ml::decode_compressed(std::span(msg).subspan(1), plain.size(), again)) {
    fail("our own compress message does not decode");
  }
  if (again != plain) fail("our own compress message decodes to other bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  std::vector<uint8_t> out;
  const auto e = lzw::decompress(input, kMaxOut, out);
  if (out.size() > kMaxOut) fail("output beyond the limit");
  if (!e) check_round_trip(out);

  const auto me = ml::decode_compressed(input, kMaxOut, out);
  if (out.size() > kMaxOut) fail("compress message output beyond the limit");
  if (!me) check_round_trip(out);
  return 0;
}
