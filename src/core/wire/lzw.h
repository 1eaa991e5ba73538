// lzw: Go's compress/lzw with Order LSB and litWidth 8, the only compression memberlist and
// Serf put on the wire (algorithm 0 of memberlist's `compress` message, compress_message.h).
// The fact sheet is ../shared/specs/memberlist-serf-wire.md §5; Go 1.19's
// src/compress/lzw/{writer,reader}.go is the source this follows line for line.
//
// It is written by hand because no library packaged by Debian implements Go's variant: GIF-style
// variable-width LZW with codes 0-255 literal, 256 Clear, 257 End, first free code 258, widths
// 9 to 12 bits packed LSB-first, no GIF sub-blocks, and Go's own reset rule: once the next free
// code reaches 4095 the encoder writes Clear (at width 12) and starts over with an empty table,
// without adding the entry it was about to add. ncompress/gzip's .Z format and giflib's framing
// both differ.
//
// compress is byte-identical to Go's lzw.NewWriter(w, lzw.LSB, 8) fed the input (in any number
// of Writes: Go's encoder carries its state across them) and then closed: Clear first, End last,
// the last partial byte zero-padded (golden tests run the real Go code:
// tests/interop/lzw_golden_test.cc). decompress accepts exactly what Go's reader accepts and
// rejects what it rejects: a stream must end with an End code (bytes after it are ignored; it
// need not start with Clear), a code above the next free one is invalid, and once the table is
// full the width stays 12 and nothing is added until a Clear. It also refuses to produce more
// than the caller's max_out bytes, since one code can stand for up to 4 KB of output (a
// decompression bomb).
//
// Untrusted input never throws, asserts or reads outside its span. Neither function allocates
// per byte: each uses one fixed-size table per call and grows `out` geometrically.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace rumor::core::wire::lzw {

// Appends the LZW encoding of `in` to `out`, exactly as Go writes it. `in` must not alias `out`.
void compress(std::span<const uint8_t> in, std::vector<uint8_t>& out);

enum class Error : uint8_t {
  kTruncated,  // the bits end before an End code (Go: io.ErrUnexpectedEOF)
  kBadCode,    // a code beyond the next free one (Go: "lzw: invalid code")
  kTooLarge,   // the output would exceed the caller's max_out (Go has no such limit)
};
const char* error_name(Error e);

// Decodes one LZW stream into `out` (cleared first; `in` must not alias it). On error `out` holds
// what was decoded before it, which callers must not use.
std::optional<Error> decompress(std::span<const uint8_t> in, size_t max_out,
                                std::vector<uint8_t>& out);

}  // namespace rumor::core::wire::lzw
