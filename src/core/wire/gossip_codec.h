// The byte encoding of gossip messages (gossip_message.h): rumor's own format, not memberlist's.
//
//   u8 format version (1) | u8 type | u8 flags
//   varint n, then n digests   (varint origin, varint generation, varint counter)
//   varint n, then n requests  (same shape as digests)
//   varint n, then n entries   (varint origin, generation, counter, key length, key bytes,
//                               value length, value bytes)
// Varints are LEB128 (7 bits a byte, low first), at most 10 bytes, minimal length not required.
//
// decode() is the first-tier error boundary: it never asserts or throws on untrusted bytes. It
// rejects, with a specific DecodeError, anything truncated, oversize, with trailing bytes, with
// an unknown version, type or flag, out-of-range fields (origin kNoNode, 32-bit fields over
// 2^32-1, entry counter 0), digests (but FEEDBACK's) or requests not strictly ascending by
// origin, keys over
// kMaxKeyBytes or values over kMaxValueBytes. Part counts are bounded by the bytes that remain, so
// a lying count cannot make it allocate more than the input's size allows.
//
// The *_size functions give the exact encoded size of each part, so engines can keep messages
// under a byte limit without encoding them; encoded_size(v) == encode(v).size() always.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/wire/gossip_message.h"

namespace rumor::core::wire {

inline constexpr uint8_t kFormatVersion = 1;
inline constexpr size_t kMaxKeyBytes = 1024;
inline constexpr size_t kMaxValueBytes = 1 << 20;
// Bytes of the fixed header plus three part counts at their largest (5-byte varints).
inline constexpr size_t kHeaderBound = 3 + 3 * 5;

enum class DecodeError : uint8_t {
  kNone = 0,
  kTruncated,
  kOversize,
  kTrailingBytes,
  kBadVersion,
  kBadType,
  kBadFlags,
  kVarintOverflow,
  kFieldRange,
  kUnsorted,
  kKeyTooLong,
  kValueTooLong,
};
inline constexpr size_t kDecodeErrorCount = 12;
const char* decode_error_name(DecodeError e);

size_t varint_size(uint64_t v);
size_t digest_size(const Digest& d);
size_t entry_size(const Entry& e);
size_t encoded_size(const MessageView& m);

void encode(const MessageView& m, std::vector<uint8_t>& out);

// Decodes `bytes` into `out` (cleared first). max_bytes bounds the input size accepted.
DecodeError decode(std::span<const uint8_t> bytes, size_t max_bytes, Message& out);

}  // namespace rumor::core::wire
