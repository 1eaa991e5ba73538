#include "core/wire/compress_message.h"

#include <algorithm>
#include <limits>
#include <string_view>

#include "core/wire/go_msgpack.h"
#include "core/wire/lzw.h"

namespace rumor::core::wire::ml {
namespace {

using Object = msgpack::object;
using Result = std::optional<CompressError>;

// Go's declaration order of compress's fields (memberlist net.go), for the struct's array form.
constexpr std::string_view kCompressOrder[] = {"Algo", "Buf"};

// Buf, as a view into the body when it is a str or bin (the usual case, no copy), or owned when
// it came as an array of byte values.
struct BufField {
  std::span<const uint8_t> view;
  std::vector<uint8_t> owned;
};

Result read_buf(const Object& v, BufField& buf) {
  if (v.type == msgpack::type::ARRAY) {
    bool is_nil = false;
    if (gomsgpack::read_bytes(v, std::numeric_limits<size_t>::max(), buf.owned, is_nil)) {
      return CompressError::kBadBody;
    }
    buf.view = buf.owned;
    return std::nullopt;
  }
  std::string_view s;
  if (gomsgpack::read_str_view(v, std::numeric_limits<size_t>::max(), s)) {
    return CompressError::kBadBody;
  }
  buf.view = std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  return std::nullopt;
}

Result read_compress(const Object& o, uint8_t& algo, BufField& buf) {
  return gomsgpack::read_struct<CompressError>(o, kCompressOrder, CompressError::kBadBody,
                                               [&](std::string_view k, const Object& v) -> Result {
                                                 if (k == "Algo") {
                                                   if (gomsgpack::read_unsigned(v, algo))
                                                     return CompressError::kBadBody;
                                                   return std::nullopt;
                                                 }
                                                 if (k == "Buf") return read_buf(v, buf);
                                                 return std::nullopt;
                                               });
}

CompressError lift(lzw::Error e) {
  switch (e) {
    case lzw::Error::kTruncated:
      return CompressError::kTruncated;
    case lzw::Error::kBadCode:
      return CompressError::kBadCode;
    case lzw::Error::kTooLarge:
      return CompressError::kTooLarge;
  }
  return CompressError::kBadCode;
}

}  // namespace

void encode_compressed(std::span<const uint8_t> msg, std::vector<uint8_t>& out) {
  std::vector<uint8_t> buf;
  lzw::compress(msg, buf);
  out.push_back(kCompressTypeByte);
  gomsgpack::Encoder e(out);
  e.map_header(2);
  e.str("Algo");
  e.uint(kAlgoLzw);
  e.str("Buf");
  e.bytes(buf);
}

const char* compress_error_name(CompressError e) {
  switch (e) {
    case CompressError::kBadBody:
      return "bad_body";
    case CompressError::kUnknownAlgo:
      return "unknown_algo";
    case CompressError::kTruncated:
      return "truncated";
    case CompressError::kBadCode:
      return "bad_code";
    case CompressError::kTooLarge:
      return "too_large";
  }
  return "unknown";
}

std::optional<CompressError> decode_compressed(std::span<const uint8_t> body, size_t max_out,
                                               std::vector<uint8_t>& out) {
  out.clear();
  // Every element and string byte takes at least one byte of the body, so its size bounds all
  // honest lengths (and what msgpack-cxx may allocate for a lying one).
  const auto cap =
      static_cast<uint32_t>(std::min<size_t>(body.size(), std::numeric_limits<uint32_t>::max()));
  gomsgpack::Reader r(body, gomsgpack::Limits{cap, cap, 8});
  Object o;
  if (r.next(o)) return CompressError::kBadBody;
  uint8_t algo = 0;
  BufField buf;
  if (auto e = read_compress(o, algo, buf)) return e;
  // Go checks the algorithm only after the whole struct decoded, and so do we.
  if (algo != kAlgoLzw) return CompressError::kUnknownAlgo;
  if (auto e = lzw::decompress(buf.view, max_out, out)) return lift(*e);
  return std::nullopt;
}

}  // namespace rumor::core::wire::ml
