#include "core/wire/gossip_codec.h"

namespace rumor::core::wire {
namespace {

void put_varint(uint64_t v, std::vector<uint8_t>& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

void put_digest(const Digest& d, std::vector<uint8_t>& out) {
  put_varint(d.origin, out);
  put_varint(d.generation, out);
  put_varint(d.counter, out);
}

void put_bytes(const std::string& s, std::vector<uint8_t>& out) {
  put_varint(s.size(), out);
  out.insert(out.end(), s.begin(), s.end());
}

// A cursor over untrusted bytes; every read reports failure instead of running past the end.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  size_t remaining() const { return b_.size() - pos_; }

  DecodeError u8(uint8_t& v) {
    if (remaining() < 1) return DecodeError::kTruncated;
    v = b_[pos_++];
    return DecodeError::kNone;
  }
  DecodeError varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (remaining() < 1) return DecodeError::kTruncated;
      const uint8_t byte = b_[pos_++];
      if (shift == 63 && byte > 1) return DecodeError::kVarintOverflow;
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return DecodeError::kNone;
    }
    return DecodeError::kVarintOverflow;
  }
  DecodeError u32(uint32_t& v) {
    uint64_t x = 0;
    if (auto e = varint(x); e != DecodeError::kNone) return e;
    if (x > 0xffffffffULL) return DecodeError::kFieldRange;
    v = static_cast<uint32_t>(x);
    return DecodeError::kNone;
  }
  DecodeError bytes(size_t max_len, DecodeError too_long, std::string& s) {
    uint64_t n = 0;
    if (auto e = varint(n); e != DecodeError::kNone) return e;
    if (n > max_len) return too_long;
    if (n > remaining()) return DecodeError::kTruncated;
    s.assign(reinterpret_cast<const char*>(b_.data() + pos_), static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return DecodeError::kNone;
  }
  // A part count: each part takes at least `min_part_bytes`, so a count the remaining bytes
  // cannot hold is truncation, caught before anything is reserved.
  DecodeError count(size_t min_part_bytes, size_t& n) {
    uint64_t x = 0;
    if (auto e = varint(x); e != DecodeError::kNone) return e;
    if (x > remaining() / min_part_bytes) return DecodeError::kTruncated;
    n = static_cast<size_t>(x);
    return DecodeError::kNone;
  }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

#define RUMOR_TRY(expr)                                               \
  do {                                                                \
    if (DecodeError e_ = (expr); e_ != DecodeError::kNone) return e_; \
  } while (0)

DecodeError read_digests(Reader& r, bool sorted, std::vector<Digest>& out) {
  size_t n = 0;
  RUMOR_TRY(r.count(3, n));
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    Digest d;
    RUMOR_TRY(r.u32(d.origin));
    RUMOR_TRY(r.u32(d.generation));
    RUMOR_TRY(r.varint(d.counter));
    if (d.origin == kNoNode) return DecodeError::kFieldRange;
    if (sorted && !out.empty() && out.back().origin >= d.origin) return DecodeError::kUnsorted;
    out.push_back(d);
  }
  return DecodeError::kNone;
}

DecodeError read_entries(Reader& r, std::vector<Entry>& out) {
  size_t n = 0;
  RUMOR_TRY(r.count(5, n));
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    Entry e;
    RUMOR_TRY(r.u32(e.origin));
    RUMOR_TRY(r.u32(e.generation));
    RUMOR_TRY(r.varint(e.counter));
    if (e.origin == kNoNode || e.counter == 0) return DecodeError::kFieldRange;
    std::string key, value;
    RUMOR_TRY(r.bytes(kMaxKeyBytes, DecodeError::kKeyTooLong, key));
    RUMOR_TRY(r.bytes(kMaxValueBytes, DecodeError::kValueTooLong, value));
    e.item = make_item(std::move(key), std::move(value));
    out.push_back(std::move(e));
  }
  return DecodeError::kNone;
}

}  // namespace

const char* decode_error_name(DecodeError e) {
  switch (e) {
    case DecodeError::kNone:
      return "none";
    case DecodeError::kTruncated:
      return "truncated";
    case DecodeError::kOversize:
      return "oversize";
    case DecodeError::kTrailingBytes:
      return "trailing_bytes";
    case DecodeError::kBadVersion:
      return "bad_version";
    case DecodeError::kBadType:
      return "bad_type";
    case DecodeError::kBadFlags:
      return "bad_flags";
    case DecodeError::kVarintOverflow:
      return "varint_overflow";
    case DecodeError::kFieldRange:
      return "field_range";
    case DecodeError::kUnsorted:
      return "unsorted";
    case DecodeError::kKeyTooLong:
      return "key_too_long";
    case DecodeError::kValueTooLong:
      return "value_too_long";
  }
  return "unknown";
}

size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t digest_size(const Digest& d) {
  return varint_size(d.origin) + varint_size(d.generation) + varint_size(d.counter);
}

size_t entry_size(const Entry& e) {
  return varint_size(e.origin) + varint_size(e.generation) + varint_size(e.counter) +
         varint_size(e.key().size()) + e.key().size() + varint_size(e.value().size()) +
         e.value().size();
}

size_t encoded_size(const MessageView& m) {
  size_t n = 3 + varint_size(m.digests.size()) + varint_size(m.requests.size()) +
             varint_size(m.entries.size());
  for (const Digest& d : m.digests)
    n += digest_size(d);
  for (const Digest& d : m.requests)
    n += digest_size(d);
  for (const Entry& e : m.entries)
    n += entry_size(e);
  return n;
}

void encode(const MessageView& m, std::vector<uint8_t>& out) {
  out.push_back(kFormatVersion);
  out.push_back(static_cast<uint8_t>(m.type));
  out.push_back(m.flags);
  put_varint(m.digests.size(), out);
  for (const Digest& d : m.digests)
    put_digest(d, out);
  put_varint(m.requests.size(), out);
  for (const Digest& d : m.requests)
    put_digest(d, out);
  put_varint(m.entries.size(), out);
  for (const Entry& e : m.entries) {
    put_varint(e.origin, out);
    put_varint(e.generation, out);
    put_varint(e.counter, out);
    put_bytes(e.key(), out);
    put_bytes(e.value(), out);
  }
}

DecodeError decode(std::span<const uint8_t> bytes, size_t max_bytes, Message& out) {
  out.clear();
  if (bytes.size() > max_bytes) return DecodeError::kOversize;
  Reader r(bytes);
  uint8_t version = 0, type = 0;
  RUMOR_TRY(r.u8(version));
  if (version != kFormatVersion) return DecodeError::kBadVersion;
  RUMOR_TRY(r.u8(type));
  if (type == 0 || type > kMaxMessageType) return DecodeError::kBadType;
  out.type = static_cast<MessageType>(type);
  RUMOR_TRY(r.u8(out.flags));
  if ((out.flags & ~flags::kAll) != 0) return DecodeError::kBadFlags;
  // A SYN's digests and an ACK's requests name each origin once, in order (the engine merges
  // them against its store in one pass); FEEDBACK may name several versions of one origin.
  RUMOR_TRY(read_digests(r, out.type != MessageType::kFeedback, out.digests));
  RUMOR_TRY(read_digests(r, true, out.requests));
  RUMOR_TRY(read_entries(r, out.entries));
  if (r.remaining() != 0) return DecodeError::kTrailingBytes;
  return DecodeError::kNone;
}

}  // namespace rumor::core::wire
