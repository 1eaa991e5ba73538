// compress_message: memberlist's `compress` message (type 9), the wrapper memberlist puts around
// a packet or stream message when compression is on: 0x09 followed by go-msgpack's encoding of
//   type compress struct { Algo compressionType /* uint8 */; Buf []byte }
// i.e. the map {"Algo": 0, "Buf": <LZW bytes as a str>} with keys in Go's sorted order. Algo 0
// is LZW (lzw.h), the only algorithm memberlist defines; any other is an error, as in memberlist's
// decompressBuffer. The fact sheet is ../shared/specs/memberlist-serf-wire.md §5 (and §1 for the
// msgpack rules, applied through go_msgpack.h); memberlist 0.2.2's util.go compressPayload and
// decompressPayload are the source.
//
// Encoding is byte-identical to memberlist's compressPayload (golden tests:
// tests/interop/lzw_golden_test.cc). Decoding is an untrusted-input boundary: it never throws or
// asserts, reads the body as leniently as go-msgpack does (unknown keys skipped, missing keys
// zero, any integer width, Buf as str, bin or an array of bytes, bytes after the map ignored),
// and never produces more than the caller's max_out bytes. Nothing here keeps state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace rumor::core::wire::ml {

inline constexpr uint8_t kCompressTypeByte = 9;  // MsgType::kCompress
inline constexpr uint8_t kAlgoLzw = 0;

// Appends 0x09 + {Algo: 0, Buf: lzw(msg)}: what memberlist sends in place of `msg`.
void encode_compressed(std::span<const uint8_t> msg, std::vector<uint8_t>& out);

enum class CompressError : uint8_t {
  kBadBody,      // not a msgpack compress struct (malformed, cut short, a field of a wrong type)
  kUnknownAlgo,  // Algo other than 0 (LZW)
  kTruncated,    // the LZW stream ends before its End code
  kBadCode,      // the LZW stream holds an invalid code
  kTooLarge,     // the decompressed message would exceed max_out
};
const char* compress_error_name(CompressError e);

// Decodes the body of a compress message (the bytes after 0x09) and decompresses its Buf into
// `out` (cleared first): the message it wrapped, type byte first.
std::optional<CompressError> decode_compressed(std::span<const uint8_t> body, size_t max_out,
                                               std::vector<uint8_t>& out);

}  // namespace rumor::core::wire::ml
