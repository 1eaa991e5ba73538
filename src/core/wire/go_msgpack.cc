#include "core/wire/go_msgpack.h"

#include <exception>
#include <new>

#include "base/assert.h"

namespace rumor::core::wire::gomsgpack {

void Encoder::sint(int64_t v) {
  if (v >= 0) {
    packer_.pack_uint64(static_cast<uint64_t>(v));
  } else {
    packer_.pack_int64(v);  // smallest signed form, as go-msgpack's encodeInt
  }
}

// The str header is written by hand: msgpack::packer::pack_str emits str8 (0xd9) for 32..255
// bytes, as the current msgpack spec allows, but go-msgpack with WriteExt=false never does
// (writeContainerLen only takes the 8-bit form when WriteExt is set), and an old Go peer
// decoding a str8 is not what we are checking; byte-identical output is.
void Encoder::str_header(size_t n) {
  RUMOR_ASSERT(n <= 0xffffffffu, "msgpack strings are at most 2^32-1 bytes");
  if (n < 32) {
    out_->push_back(static_cast<uint8_t>(0xa0 | n));
  } else if (n < 65536) {
    out_->push_back(0xda);
    out_->push_back(static_cast<uint8_t>(n >> 8));
    out_->push_back(static_cast<uint8_t>(n));
  } else {
    out_->push_back(0xdb);
    out_->push_back(static_cast<uint8_t>(n >> 24));
    out_->push_back(static_cast<uint8_t>(n >> 16));
    out_->push_back(static_cast<uint8_t>(n >> 8));
    out_->push_back(static_cast<uint8_t>(n));
  }
}

void Encoder::str(std::string_view s) {
  str_header(s.size());
  out_->insert(out_->end(), s.begin(), s.end());
}

void Encoder::bytes(std::span<const uint8_t> b) {
  str_header(b.size());
  out_->insert(out_->end(), b.begin(), b.end());
}

size_t str_header_size(size_t n) {
  if (n < 32) return 1;
  if (n < 65536) return 3;
  return 5;
}

const char* error_name(Error e) {
  switch (e) {
    case Error::kTruncated:
      return "truncated";
    case Error::kBadMsgpack:
      return "bad_msgpack";
    case Error::kLimit:
      return "limit";
    case Error::kTooDeep:
      return "too_deep";
    case Error::kWrongType:
      return "wrong_type";
    case Error::kOutOfRange:
      return "out_of_range";
    case Error::kTooLong:
      return "too_long";
  }
  return "unknown";
}

namespace {

// msgpack-cxx asks, for each str, bin and ext, whether the object may point into the input
// instead of copying. Within the limit it may (no copy). Beyond it, answering "copy" sends
// msgpack-cxx down the path that checks unpack_limit and throws a size overflow before it
// allocates, so the string limit holds for referenced strings too.
bool reference_within_limit(msgpack::type::object_type /*type*/, size_t size, void* user_data) {
  return size <= static_cast<const Limits*>(user_data)->max_string;
}

// 24 bytes per msgpack::object: the zone grows by chunks of this size when one is not enough.
constexpr size_t kZoneChunkBytes = 2048;

}  // namespace

Reader::Reader(std::span<const uint8_t> bytes, Limits limits)
    : bytes_(bytes), limits_(limits), zone_(kZoneChunkBytes) {}

std::optional<Error> Reader::next(msgpack::object& out) {
  if (offset_ >= bytes_.size()) return Error::kTruncated;
  const msgpack::unpack_limit limit(limits_.max_container, limits_.max_container,
                                    limits_.max_string, limits_.max_string, limits_.max_string,
                                    limits_.max_depth);
  size_t off = offset_;
  try {
    out = msgpack::unpack(zone_, reinterpret_cast<const char*>(bytes_.data()), bytes_.size(), off,
                          reference_within_limit, &limits_, limit);
  } catch (const msgpack::insufficient_bytes&) {
    return Error::kTruncated;
  } catch (const msgpack::depth_size_overflow&) {
    return Error::kTooDeep;
  } catch (const msgpack::size_overflow&) {
    return Error::kLimit;
  } catch (const msgpack::parse_error&) {
    return Error::kBadMsgpack;
  } catch (const std::bad_alloc&) {
    return Error::kLimit;
  } catch (const std::exception&) {
    return Error::kBadMsgpack;
  }
  offset_ = off;
  return std::nullopt;
}

std::optional<Error> read_uint(const msgpack::object& o, uint64_t max, uint64_t& out) {
  switch (o.type) {
    case msgpack::type::NIL:
      out = 0;
      return std::nullopt;
    case msgpack::type::POSITIVE_INTEGER:
      if (o.via.u64 > max) return Error::kOutOfRange;
      out = o.via.u64;
      return std::nullopt;
    case msgpack::type::NEGATIVE_INTEGER:
      return Error::kOutOfRange;
    default:
      return Error::kWrongType;
  }
}

std::optional<Error> read_int(const msgpack::object& o, int64_t min, int64_t max, int64_t& out) {
  switch (o.type) {
    case msgpack::type::NIL:
      out = 0;
      return std::nullopt;
    case msgpack::type::POSITIVE_INTEGER:
      if (o.via.u64 > static_cast<uint64_t>(max)) return Error::kOutOfRange;
      out = static_cast<int64_t>(o.via.u64);
      return std::nullopt;
    case msgpack::type::NEGATIVE_INTEGER:
      if (o.via.i64 < min) return Error::kOutOfRange;
      out = o.via.i64;
      return std::nullopt;
    default:
      return Error::kWrongType;
  }
}

std::optional<Error> read_bool(const msgpack::object& o, bool& out) {
  switch (o.type) {
    case msgpack::type::NIL:
      out = false;
      return std::nullopt;
    case msgpack::type::BOOLEAN:
      out = o.via.boolean;
      return std::nullopt;
    case msgpack::type::POSITIVE_INTEGER:
      if (o.via.u64 > 1) return Error::kOutOfRange;
      out = o.via.u64 == 1;
      return std::nullopt;
    default:
      return Error::kWrongType;
  }
}

std::optional<Error> read_str_view(const msgpack::object& o, size_t max_len,
                                   std::string_view& out) {
  switch (o.type) {
    case msgpack::type::NIL:
      out = {};
      return std::nullopt;
    case msgpack::type::STR:
      if (o.via.str.size > max_len) return Error::kTooLong;
      out = std::string_view(o.via.str.ptr, o.via.str.size);
      return std::nullopt;
    case msgpack::type::BIN:
      if (o.via.bin.size > max_len) return Error::kTooLong;
      out = std::string_view(o.via.bin.ptr, o.via.bin.size);
      return std::nullopt;
    default:
      return Error::kWrongType;
  }
}

std::optional<Error> read_str(const msgpack::object& o, size_t max_len, std::string& out) {
  std::string_view v;
  if (auto e = read_str_view(o, max_len, v)) return e;
  out.assign(v);
  return std::nullopt;
}

std::optional<Error> read_bytes(const msgpack::object& o, size_t max_len, std::vector<uint8_t>& out,
                                bool& is_nil) {
  if (o.type == msgpack::type::NIL) {
    out.clear();
    is_nil = true;
    return std::nullopt;
  }
  if (o.type == msgpack::type::ARRAY) {
    if (o.via.array.size > max_len) return Error::kTooLong;
    out.clear();
    out.reserve(o.via.array.size);
    for (uint32_t i = 0; i < o.via.array.size; ++i) {
      uint8_t b = 0;
      if (auto e = read_unsigned(o.via.array.ptr[i], b)) return e;
      out.push_back(b);
    }
    is_nil = false;
    return std::nullopt;
  }
  std::string_view v;
  if (auto e = read_str_view(o, max_len, v)) return e;
  const auto* p = reinterpret_cast<const uint8_t*>(v.data());
  out.assign(p, p + v.size());
  is_nil = false;
  return std::nullopt;
}

}  // namespace rumor::core::wire::gomsgpack
