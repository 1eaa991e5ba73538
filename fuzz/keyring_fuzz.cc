// libFuzzer harness for memberlist's encryption (src/core/wire/keyring.h): open and open_stream
// on arbitrary bytes with a fixed keyring, and seal on arbitrary plaintexts.
//
// Arbitrary bytes must never crash, trip a sanitizer or assert: they are refused with an
// OpenError. Whatever opens must re-seal: with the nonce and version the input carried, one of
// the ring's keys gives a message that opens to the same plaintext, and for version 1 (no
// padding to vary) gives the input's very bytes. The seed corpus holds messages sealed with these
// keys, so mutations reach past the header checks into GCM. The input is also sealed as a
// plaintext, both versions and both forms, and must open back to itself; a flipped bit must not.
// Each input is opened without a label and with the label "dc1", as the packet harness does.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include "core/wire/keyring.h"

namespace {

namespace ml = rumor::core::wire::ml;
using Buf = std::vector<uint8_t>;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "keyring_fuzz: %s\n", what);
  std::abort();
}

// The keys of the seed corpus: 16 bytes of 0x01, 24 of 0x02, 32 of 0x03 (primary first).
const ml::Keyring& ring() {
  static const ml::Keyring r = [] {
    ml::Keyring k;
    for (size_t n : {16u, 24u, 32u}) {
      if (!k.add(Buf(n, static_cast<uint8_t>(n / 8 - 1)))) fail("bad fixed key");
    }
    return k;
  }();
  return r;
}

ml::Nonce nonce_at(std::span<const uint8_t> sealed) {
  ml::Nonce n{};
  for (size_t i = 0; i < n.size(); ++i)
    n[i] = sealed[ml::kVersionBytes + i];
  return n;
}

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// `sealed` opened to `plain`: re-sealing it with the nonce and version it carried opens to the
// same plaintext, and for version 1 one of the keys gives back the very bytes (version 0 may not:
// only the last padding byte is checked, as memberlist does, so the others may differ).
void check_reseal(std::span<const uint8_t> sealed, std::string_view label, const Buf& plain) {
  const auto vsn = static_cast<ml::EncryptionVersion>(sealed[0]);
  for (const ml::Key& key : ring().keys()) {
    Buf again;
    if (!ml::seal(key, vsn, nonce_at(sealed), bytes_of(label), plain, again)) fail("seal");
    if (again.size() != ml::sealed_size(vsn, plain.size())) fail("sealed size");
    Buf back;
    if (ml::open(ring(), bytes_of(label), again, back) || back != plain) fail("reseal reopens");
    if (vsn == ml::EncryptionVersion::kV0) return;
    if (std::equal(again.begin(), again.end(), sealed.begin(), sealed.end())) return;
  }
  fail("no key re-seals an opened message to its bytes");
}

void open_packet(std::span<const uint8_t> input, std::string_view label) {
  Buf plain;
  if (ml::open(ring(), bytes_of(label), input, plain)) {
    if (!plain.empty()) fail("output left after a failed open");
    return;
  }
  check_reseal(input, label, plain);
}

void open_stream(std::span<const uint8_t> input, std::string_view label) {
  Buf plain;
  size_t consumed = 0;
  if (ml::open_stream(ring(), label, input, plain, &consumed)) return;
  if (consumed < ml::kStreamHeaderBytes + ml::kEncryptOverheadV1 || consumed > input.size()) {
    fail("consumed outside the input");
  }
  const auto sealed = input.subspan(ml::kStreamHeaderBytes, consumed - ml::kStreamHeaderBytes);
  Buf again;
  const auto vsn = static_cast<ml::EncryptionVersion>(sealed[0]);
  if (!ml::seal_stream(ring().primary(), vsn, nonce_at(sealed), label, plain, again)) {
    fail("seal_stream");
  }
  Buf back;
  if (ml::open_stream(ring(), label, again, back) || back != plain) fail("stream reseal reopens");
}

// The input as a plaintext: sealed with a key chosen by its size, it opens back to itself.
void seal_input(std::span<const uint8_t> input, std::string_view label) {
  const ml::Key& key = ring().keys()[input.size() % ring().size()];
  ml::Nonce nonce{};
  nonce[0] = static_cast<uint8_t>(input.size());
  for (auto vsn : {ml::EncryptionVersion::kV0, ml::EncryptionVersion::kV1}) {
    Buf sealed, stream, back;
    if (!ml::seal(key, vsn, nonce, bytes_of(label), input, sealed)) fail("seal input");
    if (ml::open(ring(), bytes_of(label), sealed, back)) fail("sealed input does not open");
    if (!std::equal(back.begin(), back.end(), input.begin(), input.end())) fail("round trip");
    sealed[sealed.size() / 2] ^= 0x80;
    if (!ml::open(ring(), bytes_of(label), sealed, back)) fail("a flipped bit opened");
    if (!ml::seal_stream(key, vsn, nonce, label, input, stream)) fail("seal_stream input");
    if (ml::open_stream(ring(), label, stream, back)) fail("sealed stream does not open");
    if (!std::equal(back.begin(), back.end(), input.begin(), input.end())) fail("stream trip");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  for (std::string_view label : {"", "dc1"}) {
    open_packet(input, label);
    open_stream(input, label);
  }
  if (size <= 4096) seal_input(input, "");
  return 0;
}
